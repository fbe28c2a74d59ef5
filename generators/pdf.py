"""PDF through LibreOffice headless: many files per call (about 0.13 s a file that way,
over 1 s a file one call at a time), a private profile so it never touches the user's,
and files written next to their sources, atomically.

LibreOffice runs in a process group of its own, which is killed when the conversion ends
in any way (time-out, error, Ctrl-C, SIGTERM). A run killed outright (SIGKILL) cannot do
that: its profile folder is known, so the next run kills what still runs on it
(``kill_orphans``, called by reports and commissions before anything else).
"""
from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

from workbooks.files import link_or_copy

BATCH = 150


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def output_profile(out: Path) -> Path:
    """The LibreOffice profile of an output folder: private, reused by later runs (a fresh one
    costs seconds), and how the next run finds a LibreOffice left behind by a killed one."""
    return Path(out) / ".salesdesk" / "libreoffice"


def profile_url(profile: Path) -> str:
    return f"-env:UserInstallation=file://{Path(profile).resolve()}"


def to_pdf(sources: list[Path], profile: Path, timeout: int = 1800, progress=None) -> dict[Path, Path]:
    """Convert each source (xlsx or html) to a PDF beside it; source -> PDF for those made.
    A source LibreOffice could not convert is absent from the result (the caller reports it).

    Each source is converted under a name of its own in a staging folder (a hard link, or a
    copy), so two sources with the same file name in different folders never meet."""
    exe = soffice()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed; PDFs need it (Debian: libreoffice-calc-nogui)")
    made: dict[Path, Path] = {}
    if not sources:
        return made
    with tempfile.TemporaryDirectory(prefix=".pdf-", dir=sources[0].parent) as staging:
        for start in range(0, len(sources), BATCH):
            chunk = sources[start:start + BATCH]
            out = Path(staging) / f"out{start}"   # same filesystem as the outputs: the rename is atomic
            by_kind: dict[str, list[tuple[Path, Path]]] = {}
            for i, source in enumerate(chunk, start=start):
                staged = Path(staging) / f"{i}{source.suffix.lower()}"
                link_or_copy(source, staged)
                by_kind.setdefault(source.suffix.lower(), []).append((source, staged))
            for suffix, pairs in by_kind.items():
                target = "pdf:writer_pdf_Export" if suffix in (".html", ".htm") else "pdf:calc_pdf_Export"
                run_soffice([exe, profile_url(profile), "--headless", "--norestore", "--nologo",
                             "--convert-to", target, "--outdir", str(out), *(str(s) for _, s in pairs)], timeout)
                for source, staged in pairs:
                    pdf = out / (staged.stem + ".pdf")
                    if pdf.exists() and pdf.stat().st_size > 0:
                        final = source.with_suffix(".pdf")
                        os.replace(pdf, final)
                        made[source] = final
                if progress:
                    progress(len(pairs))
    return made


def run_soffice(cmd: list[str], timeout: int) -> int | None:
    """Run LibreOffice in its own process group; whatever happens, the group is gone after."""
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        return None
    finally:
        _kill_group(proc.pid)
        with contextlib.suppress(Exception):
            proc.wait(timeout=10)


def _kill_group(pgid: int) -> None:
    if sys.platform == "win32":
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def kill_orphans(profile: Path) -> list[int]:
    """Kill LibreOffice processes left running on ``profile`` by a run that was killed (Linux:
    found by their command line in /proc). Returns the process ids found."""
    proc_dir = Path("/proc")
    if not proc_dir.is_dir():
        return []
    needle = profile_url(profile).encode()
    found = []
    for entry in proc_dir.iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if needle in cmdline.split(b"\0"):
            pid = int(entry.name)
            found.append(pid)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(os.getpgid(pid), signal.SIGKILL)
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
    return found
