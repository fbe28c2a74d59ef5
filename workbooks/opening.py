"""Before a workbook is parsed: what kind of file it is, whether it can be read at all, and
whether it is within the limits. Each refusal is one problem naming the file and what to do.

The limits guard against a small file that unpacks to gigabytes (an .xlsx is a zip of XML:
1.5 MB can hold 1.3 GB, which takes minutes and gigabytes of memory to parse). Both are
settings: ``salesdesk --max-unpacked-mb N --max-rows N``.
"""
from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .limits import MAX_ROWS, MAX_UNPACKED_MB
from .schema import DECIMAL_COMMA, DECIMAL_POINT, Problem
WORKBOOK = "(workbook)"
FORMATS = {"xlsx": "Excel workbook", "xls": "Excel 97-2003 workbook", "ods": "OpenDocument spreadsheet"}
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="\$?[A-Z]{1,3}\$?\d+(?::\$?[A-Z]{1,3}\$?(\d+))?"')


@dataclass(frozen=True)
class ReadOptions:
    """How to read a workbook: its decimal separator for numbers stored as text (None: as the
    workbook's Settings sheet says, else a point) and the limits."""
    decimal: str | None = None
    max_unpacked_mb: int = MAX_UNPACKED_MB
    max_rows: int = MAX_ROWS

    def __post_init__(self):
        if self.decimal not in (None, DECIMAL_POINT, DECIMAL_COMMA):
            raise ValueError(f"decimal must be '.' or ',', got {self.decimal!r}")


def workbook_format(path: Path) -> tuple[str | None, list[Problem]]:
    """The file's format (xlsx, xls or ods) by its content, or the problem that stops reading it."""
    path = Path(path)

    def refuse(problem: str, expected: str):
        return None, [Problem(WORKBOOK, None, None, str(path), problem, expected, blocking=True)]

    expected = "a workbook: .xlsx, .xlsm, .xls or .ods"
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(8)
    except IsADirectoryError:
        return refuse("is a folder, not a file", expected)
    except FileNotFoundError:
        return refuse("file not found", expected)
    except OSError as exc:
        return refuse(f"cannot be opened: {exc.strerror or exc}", f"{expected} that this user may read")
    if size == 0:
        return refuse("the file is empty (0 bytes)", expected)
    if head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError, EOFError):
            return refuse("the file is damaged or incomplete (its zip directory cannot be read)",
                          f"{expected}; save it again, or copy it again in full")
        if "xl/workbook.xml" in names:
            return "xlsx", []
        if "content.xml" in names and "mimetype" in names:
            return "ods", []
        return refuse("is a zip file but not a workbook", expected)
    if head.startswith(_OLE):
        with open(path, "rb") as fh:
            if _ENCRYPTED in fh.read(1 << 20):
                return refuse("is password-protected (encrypted)",
                              "a workbook without a password: open it, remove the password, save a copy")
        return "xls", []
    if path.suffix.lower() in (".csv", ".txt", ".tsv") or _looks_like_text(path):
        return refuse("is a text (CSV) file, not a workbook",
                      "a workbook with one sheet per contract sheet: open the CSV in Excel or LibreOffice "
                      "and save it as .xlsx")
    return refuse("is not a workbook (unknown file format)", expected)


def check_file(path: Path, options: ReadOptions) -> tuple[str | None, list[Problem]]:
    """The file's format and the problems that stop reading it (not a workbook, over a limit)."""
    fmt, problems = workbook_format(path)
    if fmt is not None:
        problems = limit_problems(path, fmt, options)
    return fmt, problems


def _looks_like_text(path: Path) -> bool:
    with open(path, "rb") as fh:
        sample = fh.read(4096)
    if b"\0" in sample:
        return False
    for encoding in ("utf-8", "gb18030"):
        try:
            sample.decode(encoding)
            return True
        except UnicodeDecodeError:
            continue
    return False


def limit_problems(path: Path, fmt: str, options: ReadOptions) -> list[Problem]:
    """The workbook's unpacked size and each sheet's row count against the limits, from the
    zip directory and each sheet's declared dimension: nothing is parsed."""
    path = Path(path)
    limit = options.max_unpacked_mb << 20
    if fmt == "xls":
        unpacked = path.stat().st_size
    else:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    if unpacked > limit:
        return [Problem(WORKBOOK, None, None, str(path),
                        f"unpacks to {unpacked / (1 << 20):,.0f} MB, over the limit of {options.max_unpacked_mb:,} MB",
                        "a smaller workbook, or a higher limit: salesdesk --max-unpacked-mb N", blocking=True)]
    if fmt != "xlsx":
        return []
    from .xlsxscan import sheet_members
    problems = []
    with zipfile.ZipFile(path) as zf:
        try:
            members = sheet_members(zf)
        except Exception:       # the reader says what is wrong with the workbook's structure
            return []
        for sheet, member in members.items():
            if member not in zf.NameToInfo:
                continue
            with zf.open(member) as fh:
                head = fh.read(4096)
            found = _DIMENSION.search(head)
            rows = int(found.group(1)) if found and found.group(1) else 0
            if rows > options.max_rows:
                problems.append(Problem(sheet, None, None, f"{rows:,} rows",
                                        f"over the limit of {options.max_rows:,} rows a sheet",
                                        "fewer rows, or a higher limit: salesdesk --max-rows N", blocking=True))
    return problems
