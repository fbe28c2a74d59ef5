"""Writing files so nothing is lost: temp file in the target folder, then an atomic rename;
and names made from data that are safe as file names."""
from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
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
    """A file-name stem from data: letters, digits, dot, dash and underscore only, no
    leading dots, no Windows device names, at most 80 characters."""
    stem = _UNSAFE.sub("_", str(name)).strip("._-")[:80] or default
    if stem.lower().split(".")[0] in _RESERVED:
        stem = "_" + stem
    return stem
