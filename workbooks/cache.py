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
import hashlib
import os
import pickle
from functools import lru_cache
from pathlib import Path
from typing import Callable

import fastexcel
import numpy as np
import pandas as pd

from .files import write_bytes_atomic
from .opening import ReadOptions, check_file
from .reader import SalesData, read_workbook

CACHE_ENV = "SALESDESK_CACHE_DIR"
KEEP = 4
FORMAT = 3
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
    before. ``folder``: True for the default cache folder, None/False for no cache."""
    path = Path(path)
    folder = cache_dir() if folder is True else (folder or None)
    _, problems = check_file(path, options)    # the limits hold for a cached workbook too
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
    data = read_workbook(path, progress=progress, options=options)
    if entry is not None and data.frames and _unchanged(path, before):
        _store(entry, {"format": FORMAT, "frames": {s: _encode(f) for s, f in data.frames.items()},
                       "problems": data.problems})
    return data


def _unchanged(path: Path, before: os.stat_result) -> bool:
    """The file was not replaced or written while it was read (else the key may not match)."""
    after = path.stat()
    return (before.st_size, before.st_mtime_ns) == (after.st_size, after.st_mtime_ns)


def _key(path: Path, options: ReadOptions) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    code = hashlib.sha256(_code_fingerprint().encode())
    code.update(f"{FORMAT}|{options.decimal}|{pd.__version__}|{np.__version__}|{fastexcel.__version__}".encode())
    return f"{digest.hexdigest()[:40]}-{code.hexdigest()[:16]}"


def code_files() -> list[Path]:
    """Every file of the packages reading is made of (workbooks and addin, with the catalogue):
    the whole packages, not a hand-kept list that a new import would slip past."""
    import addin

    return [p for root in (Path(__file__).parent, Path(addin.__file__).parent)
            for p in sorted(root.rglob("*")) if p.suffix in (".py", ".po")]


@lru_cache(maxsize=1)
def _code_fingerprint() -> str:
    code = hashlib.sha256()
    for path in code_files():
        code.update(f"{path.parent.name}/{path.name}\0".encode())
        code.update(path.read_bytes())
    return code.hexdigest()


def _load(entry: Path, path: Path) -> SalesData | None:
    try:
        payload = pickle.loads(entry.read_bytes())
        if payload["format"] != FORMAT:
            raise ValueError("an entry of another format")
        frames = {name: _decode(cols) for name, cols in payload["frames"].items()}
        return SalesData(path, frames, payload["problems"])
    except FileNotFoundError:
        return None
    except Exception:  # a damaged or foreign entry: drop it and read the workbook
        with contextlib.suppress(OSError):
            entry.unlink()
        return None


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
