"""What the fast readers do not tell: error cells and a sheet's first column.

Rust readers (calamine) return error cells (#N/A, #REF!) as blanks and index columns from
the first non-empty one. We stream the sheet's XML once, in chunks, to find both.
"""
from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass, field

from defusedxml import ElementTree as SafeET

_NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
       "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
       "rel": "http://schemas.openxmlformats.org/package/2006/relationships"}
# Elements may carry a namespace prefix (<x:c>, <x:v>, as the .NET Open XML SDK and some
# ERP exports write them): every pattern allows one. The prefix of a closing tag is the
# opening tag's (back-reference), so <x:c> ... </x:c> pairs up.
_P = rb'(?:[A-Za-z_][\w.-]*:)?'
_CELL = re.compile(rb'<(' + _P + rb')c\b([^>]*?)(/>|>(.*?)</\1c>)', re.S)
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')
_ERR_ATTR = re.compile(rb'\bt="e"')
_VALUE = re.compile(rb'<' + _P + rb'v>(.*?)</' + _P + rb'v>', re.S)
_HAS_VALUE = re.compile(rb'<' + _P + rb'(?:v|is)>')
_ROW_END = re.compile(rb'</' + _P + rb'row>')
# a formula with no stored value: the cell ends right after its <f> (or an empty <v/>) (a file written by a program
# that does not calculate, and never opened and saved in a spreadsheet since)
_FORMULA_ONLY = re.compile(rb'(?:</' + _P + rb'f>|<' + _P + rb'f\b[^>]*/>)\s*(?:<' + _P + rb'v\s*/>\s*)?</' + _P + rb'c>')
_FORMULA = re.compile(rb'<' + _P + rb'f\b')
_CHUNK = 8 << 20


@dataclass
class SheetScan:
    first_col: int = 1          # 1-based Excel column of the first non-empty cell (first rows)
    errors: list[tuple[int, int, str]] = field(default_factory=list)  # (row, col, "#N/A")
    uncalculated: list[tuple[int, int]] = field(default_factory=list)  # (row, col) of formulas with no value


def column_index(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(index: int) -> str:
    out = ""
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def sheet_members(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name -> zip member of its XML."""
    wb = SafeET.fromstring(zf.read("xl/workbook.xml"))
    rels = SafeET.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target") for r in rels.findall("rel:Relationship", _NS)}
    out = {}
    for sheet in wb.findall("m:sheets/m:sheet", _NS):
        target = targets.get(sheet.get(f"{{{_NS['r']}}}id"), "")
        member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        out[sheet.get("name")] = member
    return out


def scan_sheet(path, sheet_name: str, head_rows: int = 50) -> SheetScan:
    """The sheet's leftmost used column (over its first ``head_rows`` rows with a value) and
    every error cell, read as raw XML in chunks of whole rows."""
    scan = SheetScan()
    with zipfile.ZipFile(path) as zf:
        member = sheet_members(zf).get(sheet_name)
        if member is None:
            return scan
        first_rows: list[int] = []
        first_cols: list[int] = []
        head_done = False
        with zf.open(member) as fh:
            for work in _whole_rows(fh):
                if not head_done:
                    head_done = _head_cells(work, first_rows, first_cols, head_rows)
                if b't="e"' in work:
                    scan.errors += _error_cells(work)
                if _FORMULA_ONLY.search(work):
                    scan.uncalculated += _uncalculated_cells(work)
        if first_rows:
            scan.first_col = min(first_cols)
    return scan


def _whole_rows(fh):
    """The XML in pieces that end at a row's end (the rest carried to the next piece)."""
    carry = b""
    while True:
        chunk = fh.read(_CHUNK)
        buf = carry + chunk
        if not chunk:
            yield buf
            return
        ends = [m.end() for m in _ROW_END.finditer(buf, max(0, len(buf) - _CHUNK // 4))] or \
            [m.end() for m in _ROW_END.finditer(buf)]
        if not ends:
            carry = buf
            continue
        yield buf[:ends[-1]]
        carry = buf[ends[-1]:]


def _head_cells(work: bytes, first_rows: list[int], first_cols: list[int], head_rows: int) -> bool:
    """Adds the row and column of each cell with a value in the head; True once past it."""
    for m in _CELL.finditer(work):
        if not _HAS_VALUE.search(m.group(4) or b""):
            continue
        ref = _REF.search(m.group(2))
        if not ref:
            continue
        row = int(ref.group(2))
        if first_rows and row > first_rows[0] + head_rows:
            return True
        first_rows.append(row)
        first_cols.append(column_index(ref.group(1).decode()))
    return False


def _error_cells(work: bytes) -> list[tuple[int, int, str]]:
    out = []
    for m in _CELL.finditer(work):
        attrs = m.group(2)
        if not _ERR_ATTR.search(attrs):
            continue
        ref = _REF.search(attrs)
        value = _VALUE.search(m.group(4) or b"")
        if ref:
            out.append((int(ref.group(2)), column_index(ref.group(1).decode()), value.group(1).decode() if value else "#ERROR"))
    return out


def _uncalculated_cells(work: bytes) -> list[tuple[int, int]]:
    out = []
    for m in _CELL.finditer(work):
        body = m.group(4) or b""
        if _FORMULA.search(body) and not _HAS_VALUE.search(body):
            ref = _REF.search(m.group(2))
            if ref:
                out.append((int(ref.group(2)), column_index(ref.group(1).decode())))
    return out
