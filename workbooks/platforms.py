"""Where a workbook's SD_ formulas are meant to compute, and rewriting them for another place.

How each spreadsheet spells a call to one of our functions in a saved .xlsx:

- desktop Excel with xlwings (VBA user-defined functions) and LibreOffice 25.2 or later with
  our extension: the plain name, ``SD_PHASE(...)``. One file serves both.
- xlwings Lite (Excel on the web, on a Mac, on Windows): Lite registers Office.js custom
  functions, and Excel saves those with the prefix ``_xldudf_`` (``_xldudf_SD_PHASE(...)``;
  a Lite namespace NS would give ``_xldudf_NS_SD_PHASE``; our main.py uses none). A plain name
  typed before the add-in loads stays #NAME? (docs/excel.md).
- LibreOffice 7.x binds an add-in in an .xlsx only as ``_xll.SD_PHASE(...)`` and has no dynamic
  arrays (array-formula ranges instead); 25.2 computes that form too, Excel does not.

``retarget`` rewrites the SD_ calls of any .xlsx, the user's own included, between all three
forms, both ways, leaving string literals alone, and copies every other part byte for byte.
"""
from __future__ import annotations

import html
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

from .files import atomic_path

PLATFORMS = ("excel", "lite", "libreoffice")
LIBREOFFICE_PREFIX = "_xll."
LITE_PREFIX = "_xldudf_"     # our Lite main.py (generators.addins.lite_main) registers no namespace

# an SD_ call, optionally already prefixed (LibreOffice writes _xll. upper case)
_CALL = re.compile(r"(?<![A-Za-z0-9_.])(?:_xll\.|_xldudf_)?(SD_[A-Za-z0-9_]+)(?=\s*\()", re.IGNORECASE)
_STRING = re.compile(r'("(?:[^"]|"")*")')
_FORMULA = re.compile(rb"(<f(?:\s[^>]*)?>)([^<]*)(</f>)")
_DEFINED = re.compile(rb"(<definedName(?:\s[^>]*)?>)([^<]*)(</definedName>)")
_SHEET = re.compile(r"^xl/worksheets/[^/]+\.xml$")


@dataclass(frozen=True)
class Platform:
    name: str
    prefix: str                 # before each SD_ name in a formula
    dynamic_arrays: bool        # spills (Excel 365, Lite) or array-formula ranges (LibreOffice)
    install: str                # what the Start here sheet tells the user


SETUP = {
    "excel": Platform("excel", "", True,
                      "Windows desktop Excel: install Python, SalesDesk and the xlwings add-in "
                      "(`salesdesk addin install`, docs/excel.md), then xlwings tab > Import Functions. "
                      "LibreOffice 25.2 or later computes this same file with the extension `salesdesk addin "
                      "libreoffice` builds (docs/libreoffice.md)."),
    "lite": Platform("lite", LITE_PREFIX, True,
                     "Excel on the web, on a Mac or on Windows: add xlwings Lite from the Office add-in store, and paste "
                     "the main.py and requirements.txt that `salesdesk addin lite` writes into its editor (docs/excel.md)."),
    "libreoffice": Platform("libreoffice", LIBREOFFICE_PREFIX, False,
                            "LibreOffice Calc 7.x: install the extension `salesdesk addin libreoffice` builds (Tools > "
                            "Extension Manager > Add, or unopkg add salesdesk.oxt), then Data > Calculate > Hard "
                            "Recalculation (docs/libreoffice.md)."),
}


def platform(name: str) -> Platform:
    try:
        return SETUP[name]
    except KeyError:
        raise ValueError(f"unknown platform {name!r}; expected one of {', '.join(PLATFORMS)}") from None


def call_name(name: str, target: str) -> str:
    """An SD_ function's name as ``target``'s formulas spell it."""
    return platform(target).prefix + name.upper()


def retarget_formula(text: str, target: str) -> str:
    """The formula with every SD_ call spelled for ``target``; text inside string literals is left alone."""
    parts = _STRING.split(text)
    return "".join(p if p.startswith('"') else _CALL.sub(lambda m: call_name(m.group(1), target), p) for p in parts)


def retarget(source: Path, out: Path, target: str) -> int:
    """Copy ``source`` to ``out`` with its SD_ formulas (cells and defined names) spelled for
    ``target``; every other part is copied unchanged. Returns how many formulas changed."""
    platform(target)
    changed = 0

    def rewrite(match: re.Match) -> bytes:
        nonlocal changed
        old = html.unescape(match.group(2).decode("utf-8"))
        new = retarget_formula(old, target)
        if new == old:
            return match.group(0)
        changed += 1
        return match.group(1) + escape(new).encode("utf-8") + match.group(3)

    with zipfile.ZipFile(source) as zin, atomic_path(out) as tmp, \
            zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if _SHEET.match(info.filename):
                data = _FORMULA.sub(rewrite, data)
            elif info.filename == "xl/workbook.xml":
                data = _DEFINED.sub(rewrite, data)
            zout.writestr(info, data)
    return changed
