"""Writing files so nothing is lost: temp file in the target folder, then an atomic rename;
and names made from data that are safe as file names."""
from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import tempfile
import unicodedata
from collections import defaultdict
from pathlib import Path
from typing import Iterable

_UNSAFE = re.compile(r"[^\w.-]+")   # \w is Unicode: letters and digits of every script stay
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}


@contextlib.contextmanager
def atomic_path(target):
    """Yield a temporary path next to ``target``; on success it replaces ``target`` atomically."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    os.close(fd)
    os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs get the usual permissions
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes_atomic(target, data: bytes) -> None:
    with atomic_path(target) as tmp:
        Path(tmp).write_bytes(data)


def write_text_atomic(target, text: str) -> None:
    write_bytes_atomic(target, text.encode("utf-8"))


def safe_filename(name: str, default: str = "unnamed") -> str:
    """A readable file-name stem from data: letters and digits of any script (销售一部 stays
    销售一部), dot, dash and underscore; no line breaks, path separators or leading dots; no
    Windows device names; at most 80 characters. Different names can give the same stem:
    use ``unique_stems`` wherever a stem must identify a record."""
    text = unicodedata.normalize("NFC", str(name))
    stem = _UNSAFE.sub("_", text).strip("._-")[:80].rstrip("._-") or default
    if stem.lower().split(".")[0] in _RESERVED:
        stem = "_" + stem
    return stem


def unique_stems(ids: Iterable[str]) -> dict[str, str]:
    """id -> a file-name stem that no other id of ``ids`` gets, case-insensitively (as on
    Windows and macOS file systems). Readable where possible: an id whose cleaned name is
    shared with another id (``A/B`` and ``A_B``, two ids cut at the same 80 characters, two
    names of symbols only) gets a short suffix from the SHA-256 of the id itself, so the
    same id always gets the same name, whatever else is in the run."""
    ids = list(dict.fromkeys(str(i) for i in ids))
    base = {i: safe_filename(i) for i in ids}
    suffixed = {i for i in ids if not safe_filename(i, default="")}   # nothing readable was left
    length = 8
    while True:
        names = {i: f"{base[i]}-{_id_hash(i)[:length]}" if i in suffixed else base[i] for i in ids}
        groups: dict[str, list[str]] = defaultdict(list)
        for i, name in names.items():
            groups[name.casefold()].append(i)
        clashing = {i for group in groups.values() if len(group) > 1 for i in group}
        if not clashing:
            return names
        if clashing <= suffixed:
            length *= 2          # two suffixes met (no such pair is known for SHA-256 at 8 digits)
        suffixed |= clashing


def _id_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- whole folders: build beside, swap in, recover after a kill ------------------------------

def staging_folder(target: Path) -> Path:
    """A new, empty folder beside ``target`` to build its next content in."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))


def replace_folder(staged: Path, target: Path) -> None:
    """Put the folder ``staged`` (from ``staging_folder``) in the place of ``target``.

    Two renames: ``target`` to ``.NAME.old``, then ``staged`` to ``target``; then the old one
    is removed. Whoever looks sees the old folder whole or the new one whole. A run killed
    between the renames leaves ``.NAME.old``, which ``recover_folder`` puts back."""
    target = Path(target)
    old = _old_of(target)
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(staged, target)
    shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def rebuilt(target: Path):
    """The one way a folder is rewritten whole (a month's reports, its statements): its next
    content is built in a staging folder beside it (yielded), swapped in when the block ends.
    A run that fails leaves ``target`` as it was and its staging folder removed; one that is
    killed leaves it as it was too (``recover_folder`` cleans up on the next run)."""
    recover_folder(target)
    staging = staging_folder(target)
    try:
        yield staging
        replace_folder(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def recover_folder(target: Path) -> list[Path]:
    """Clean up after a run that was killed while building ``target``: its staging folders
    are removed, and a ``target`` moved aside but never replaced is put back. Returns what
    was removed or restored."""
    target = Path(target)
    done = []
    old = _old_of(target)
    if old.exists():
        if target.exists():
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(old, target)
        done.append(old)
    if target.parent.is_dir():
        for leftover in target.parent.glob(f".{target.name}.staging-*"):
            shutil.rmtree(leftover, ignore_errors=True)
            done.append(leftover)
    return done


def remove_temporaries(folder: Path) -> list[Path]:
    """Temporary files and PDF staging folders that a killed run left in ``folder``."""
    folder = Path(folder)
    done = []
    if not folder.is_dir():
        return done
    for leftover in [*folder.glob(".*.tmp"), *folder.glob(".pdf-*"), *folder.glob(".reports-*")]:
        if leftover.is_dir():
            shutil.rmtree(leftover, ignore_errors=True)
        else:
            leftover.unlink(missing_ok=True)
        done.append(leftover)
    return done


def link_tree(source: Path, target: Path, skip: Iterable[str] = ()) -> None:
    """Hard-link (or copy) the files of ``source`` into ``target``, but the names in ``skip``
    at the top level and hidden names: the old folder stays untouched."""
    skip = set(skip)
    for entry in Path(source).iterdir():
        if entry.name in skip or entry.name.startswith("."):
            continue
        dest = Path(target) / entry.name
        if entry.is_dir():
            shutil.copytree(entry, dest, copy_function=link_or_copy, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns(".*"))
        else:
            link_or_copy(entry, dest)


def link_or_copy(source, target) -> None:
    """A hard link where the file system allows one (instant, no space), else a copy."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _old_of(target: Path) -> Path:
    return target.with_name(f".{target.name}.old")


@contextlib.contextmanager
def exclusive(folder: Path, what: str = "salesdesk"):
    """One writer at a time in ``folder`` (an OS lock, released when the process ends however
    it ends). Raises ``FolderBusy`` when another process holds it."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    try:
        import fcntl
    except ImportError:      # Windows: no advisory locks here; runs must not overlap
        yield
        return
    with open(folder / ".salesdesk.lock", "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise FolderBusy(f"{folder}: another {what} run is writing here; wait for it to finish") from None
        yield


class FolderBusy(Exception):
    pass
