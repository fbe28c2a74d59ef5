"""Golden-file comparison for generated workbooks: unzip, keep what our code decides (the
sheets' XML, the shared strings, the charts), normalise volatile attributes (chart axis ids),
pretty-print and diff part by part, so a layout change reads as a diff. XlsxWriter's own
parts (theme, styles, content types, relationships) are left out: they change with its
version, not with our code."""
from __future__ import annotations

import difflib
import re
import zipfile
from pathlib import Path
from xml.dom import minidom

OURS = re.compile(r"xl/(worksheets/sheet\d+|sharedStrings|charts/chart\d+)\.xml")
VOLATILE_TEXT = [(re.compile(r"<c:(?:axId|crossAx) val=\"\d+\"/>"), "<c:axId/>")]


def canonical_parts(path: Path) -> dict[str, str]:
    out = {}
    with zipfile.ZipFile(path) as zf:
        for name in sorted(zf.namelist()):
            if not OURS.fullmatch(name):
                continue
            text = zf.read(name).decode("utf-8")
            for pattern, repl in VOLATILE_TEXT:
                text = pattern.sub(repl, text)
            out[name] = minidom.parseString(text).toprettyxml(indent=" ")
    return out


def write_golden(path: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    for name, text in canonical_parts(path).items():
        (folder / name.replace("/", "__")).write_text(text)


def diff_against_golden(path: Path, folder: Path) -> str:
    """An empty string when equal, else a unified diff of every part that differs."""
    got = {k.replace("/", "__"): v for k, v in canonical_parts(path).items()}
    want = {p.name: p.read_text() for p in folder.iterdir() if p.is_file()}
    chunks = []
    for name in sorted(set(got) | set(want)):
        a, b = want.get(name, ""), got.get(name, "")
        if a != b:
            chunks.append("".join(difflib.unified_diff(a.splitlines(True), b.splitlines(True),
                                                       f"golden/{name}", f"generated/{name}", n=2)))
    return "\n".join(chunks)
