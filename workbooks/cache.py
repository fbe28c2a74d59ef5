"""A cache of the parsed, validated sales workbook, keyed by the file's content.

`commissions`, `reconcile` and `reports` for a month, and any re-run, read the same
workbook; parsing a large one takes seconds, loading its cached frames a fraction of one.
An entry is found only by the SHA-256 of the workbook's bytes together with a fingerprint
of the reading code (reader, schema, contract) and library versions, so an edited
workbook or a changed contract is always read afresh, and the result is the same
``SalesData`` (frames, dtypes, problems) that reading would give.

Where: ``$SALESDESK_CACHE_DIR``, else ``$XDG_CACHE_HOME/salesdesk``, else
``~/.cache/salesdesk``; ``SALESDESK_CACHE_DIR=off`` (or ``salesdesk --no-cache``) turns it
off. The folder is created private (0700) and holds the newest ``KEEP`` entries. Entries
are pickles, trusted like the rest of the user's home folder; one that cannot be loaded
is removed and the workbook is read again. Entries are written atomically.
"""
from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import zipfile
from pathlib import Path
from typing import Callable

import fastexcel
import numpy as np
import pandas as pd

from .background import can_fork, in_children
from .contract import SHEETS
from .files import write_bytes_atomic
from .opening import ReadOptions, limit_problems, workbook_format
from .reader import SalesData, assemble, plan_reading, read_sheets, read_workbook
from .xlsxscan import sheet_members

CACHE_ENV = "SALESDESK_CACHE_DIR"
KEEP = 4
CHILD_READ_BYTES = 8 << 20   # workbooks at least this large are read by child processes
FORMAT = 2
_CODE = ("reader.py", "schema.py", "contract.py", "xlsxscan.py", "cache.py", "opening.py")
_OFF = {"", "0", "off", "no", "none", "false"}


def cache_dir() -> Path | None:
    """The cache folder, or None when caching is off."""
    value = os.environ.get(CACHE_ENV)
    if value is not None:
        return None if value.strip().lower() in _OFF else Path(value).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "salesdesk"


def read_workbook_cached(path, progress: Callable[[str], None] | None = None,
                         folder: Path | None | bool = True, options: ReadOptions = ReadOptions()) -> SalesData:
    """``read_workbook(path)`` of every sheet, from the cache when this exact content was read
    before. ``folder``: True for the default cache folder, None/False for no cache.

    A large workbook (``CHILD_READ_BYTES``) is read by two forked child processes, its sheets
    split between them by size; each hands back its sheets in the compact encoding. Both
    cores parse (the Python part of validating a sheet holds the interpreter lock, so
    threads alone left one core half idle), and the parser's garbage dies with the children:
    this process keeps a compact heap for the work that follows. On the 2,000-rep workbook:
    see bench/RESULTS.md."""
    path = Path(path)
    folder = cache_dir() if folder is True else (folder or None)
    fmt, problems = workbook_format(path)
    if fmt is not None:
        problems = limit_problems(path, fmt, options)    # the limits hold for a cached workbook too
    if problems:
        return SalesData(path, {}, problems)
    try:
        before = path.stat()
        entry = folder / f"{_key(path, options)}.pickle" if folder is not None else None
    except OSError:
        return read_workbook(path, progress=progress, options=options)  # the reader states what is wrong
    if entry is not None:
        data = _load(entry, path)
        if data is not None:
            if progress:
                progress("cached workbook")
            with contextlib.suppress(OSError):
                os.utime(entry)  # most recently used
            return data
    if before.st_size < CHILD_READ_BYTES or not can_fork(2):   # small, or nothing to gain from children
        data = read_workbook(path, progress=progress, options=options)
        parts = [_encode_part({s: (f, []) for s, f in data.frames.items()})] if entry is not None else []
    else:
        plan = plan_reading(path, options=options)
        groups = _balance(path, plan.jobs, 2)
        parts = in_children([functools.partial(_read_part, plan, group) for group in groups])
        results = {}
        for part in parts:
            results.update(_decode_part(part))
        data = assemble(plan, results, progress)
    if entry is not None and data.frames and _unchanged(path, before):
        _store(entry, {"format": FORMAT, "parts": parts, "problems": data.problems})
    return data


def _read_part(plan, jobs) -> bytes:
    """In a child: read and validate these sheets; their frames and problems, encoded."""
    return _encode_part(read_sheets(plan, jobs))


def _balance(path: Path, jobs: list, n: int) -> list[list]:
    """Split the sheets into ``n`` groups of about equal XML size (largest first, each to
    the lightest group). Empty groups are dropped."""
    try:
        with zipfile.ZipFile(path) as zf:
            members = sheet_members(zf)
            sizes = {name: zf.getinfo(member).file_size for name, member in members.items()
                     if member in zf.NameToInfo}
    except Exception:  # sizes are only a hint: the reader reports what is wrong with the file
        sizes = {}
    size = {job[1]: sizes.get(job[1], 1) for job in jobs}
    groups: list[list] = [[] for _ in range(n)]
    loads = [0] * n
    for job in sorted(jobs, key=lambda j: -size[j[1]]):
        i = loads.index(min(loads))
        groups[i].append(job)
        loads[i] += size[job[1]]
    return [g for g in groups if g]


def _unchanged(path: Path, before: os.stat_result) -> bool:
    """The file was not replaced or written while it was read (else the key may not match)."""
    after = path.stat()
    return (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns)


def _key(path: Path, options: ReadOptions) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    here = Path(__file__).parent
    code = hashlib.sha256()
    for name in _CODE:
        code.update((here / name).read_bytes())
    code.update(f"{FORMAT}|{options.decimal}|{pd.__version__}|{np.__version__}|{fastexcel.__version__}".encode())
    return f"{digest.hexdigest()[:40]}-{code.hexdigest()[:16]}"


def _load(entry: Path, path: Path) -> SalesData | None:
    try:
        payload = pickle.loads(entry.read_bytes())
        if payload["format"] != FORMAT:
            raise ValueError("an entry of another format")
        decoded = {}
        for part in payload["parts"]:
            decoded.update(_decode_part(part))
        frames = {schema.name: decoded[schema.name][0] for schema in SHEETS
                  if decoded.get(schema.name, (None,))[0] is not None}   # as reading gives: no frame, no entry
        return SalesData(path, frames, payload["problems"])
    except FileNotFoundError:
        return None
    except Exception:  # a damaged or foreign entry: drop it and read the workbook
        with contextlib.suppress(OSError):
            entry.unlink()
        return None


def _encode_part(results: dict) -> bytes:
    """Sheet -> (frame or None, problems), pickled with text columns as codes."""
    payload = {sheet: (None if frame is None else _encode(frame), problems)
               for sheet, (frame, problems) in results.items()}
    return pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)


def _decode_part(blob: bytes) -> dict:
    return {sheet: (None if cols is None else _decode(cols), problems)
            for sheet, (cols, problems) in pickle.loads(blob).items()}


def _store(entry: Path, payload: dict) -> None:
    folder = entry.parent
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        write_bytes_atomic(entry, pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL))
        entries = sorted(folder.glob("*.pickle"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in entries[KEEP:]:
            old.unlink()
    except OSError:
        pass  # a cache that cannot be written only costs time


def _encode(frame: pd.DataFrame) -> dict:
    """Columns of text (and None) as integer codes + distinct values: compact, fast to load."""
    cols = {"__index__": frame.index}
    for name in frame.columns:
        values = frame[name].to_numpy()
        cols[name] = ("raw", frame[name])
        if values.dtype != object or len(values) <= 1000:
            continue
        codes, uniques = pd.factorize(values)        # blanks (None or NaN) get code -1
        if pd.api.types.infer_dtype(uniques, skipna=False) not in ("string", "empty"):
            continue
        blanks = values[codes < 0]
        if len(blanks) and not np.equal(blanks, None).all():
            continue                                 # a NaN would come back as None: keep the column as is
        cols[name] = ("codes", codes.astype(np.int32 if len(uniques) < 2**31 else np.int64),
                      np.asarray(uniques, dtype=object), frame[name].dtype)
    return cols


def _decode(cols: dict) -> pd.DataFrame:
    index = cols.pop("__index__")
    out = {}
    for name, stored in cols.items():
        if stored[0] == "codes":
            _, codes, uniques, dtype = stored
            values = np.append(uniques, None).astype(object)[codes]   # code -1 (missing) -> None
            out[name] = pd.Series(values, index=index, dtype=dtype, copy=False)
        else:
            out[name] = stored[1]
    return pd.DataFrame(out, index=index)
