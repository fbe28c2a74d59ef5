"""The one registry of SalesDesk's worksheet functions.

Each entry holds what Excel shows (name, arguments, help, category) and an example
formula. It drives the xlwings registration in ``addin.udfs``, the catalog in
docs/functions.md and the tests. Pure: it imports nothing outside the engine.
"""
from __future__ import annotations

import functools
import inspect
from dataclasses import dataclass, field
from typing import Callable

from .engine.errors import InputError

PREFIX = "SD_"


@dataclass(frozen=True)
class Arg:
    name: str
    help: str
    optional: bool = False
    default: object = None
    range: bool = False          # a range: arrives as a 2-D list (xlwings ndim=2)


@dataclass(frozen=True)
class SheetFunction:
    name: str
    category: str
    help: str
    args: tuple[Arg, ...]
    example: str
    returns: str
    spills: bool
    func: Callable = field(compare=False, repr=False)   # cell-safe: bad input becomes the cell's message
    raw: Callable | None = field(default=None, compare=False, repr=False)   # raises InputError: for Python callers

    @property
    def signature(self) -> str:
        parts = [f"[{a.name}]" if a.optional else a.name for a in self.args]
        return f"{self.name}({', '.join(parts)})"

    @property
    def min_args(self) -> int:
        return sum(1 for a in self.args if not a.optional)


REGISTRY: dict[str, SheetFunction] = {}


def sheet_function(name: str, *, category: str, help: str, args: list[Arg], example: str, returns: str,
                   spills: bool = False):
    """Register a worksheet wrapper. What is returned, and registered with Excel, Lite and
    LibreOffice (``SheetFunction.func``), never raises into the spreadsheet: bad input becomes a
    short message in the cell naming the function, argument and value. The function as written,
    which raises ``InputError``, stays at hand as ``SheetFunction.raw`` for Python callers."""
    if not name.startswith(PREFIX) or name != name.upper():
        raise ValueError(f"worksheet function names are upper case with the prefix {PREFIX}: {name}")

    def register(func: Callable) -> Callable:
        params = list(inspect.signature(func).parameters)
        if params != [a.name for a in args]:
            raise ValueError(f"{name}: registry arguments {[a.name for a in args]} do not match {params}")

        @functools.wraps(func)
        def cell_safe(*values):
            try:
                return func(*values)
            except InputError as exc:
                return _message(f"{name}: {exc}", spills)
            except (ValueError, TypeError, ArithmeticError) as exc:
                return _message(f"{name}: {exc}", spills)

        REGISTRY[name] = SheetFunction(name, category, help, tuple(args), example, returns, spills, cell_safe, func)
        return cell_safe

    return register


def _message(text: str, spills: bool):
    return [[text]] if spills else text


def catalog_markdown() -> str:
    """docs/functions.md: every registered function with its arguments and an example."""
    out = ["# Worksheet functions", "",
           "SalesDesk's functions, as Excel shows them once the add-in is set up ([docs/excel.md](excel.md)). "
           "Ranges arrive as rows of cells; blank cells count as described per function; a date may be a date "
           "cell or a serial number. Bad input never shows a traceback: the cell shows a short message naming the "
           "function, the argument and the value, e.g. `SD_SPLIT: weights row 3 is -0.2; weights must be zero or more`.",
           "", "This file is generated from `addin/udfs.py` (`salesdesk docs`).", ""]
    categories = sorted({f.category for f in REGISTRY.values()})
    for cat in categories:
        out += [f"## {cat}", ""]
        for f in sorted((f for f in REGISTRY.values() if f.category == cat), key=lambda f: f.name):
            out += [f"### `{f.signature}`", "", f.help, ""]
            out += ["| argument | meaning |", "|---|---|"]
            for a in f.args:
                extra = f" Optional, default {a.default!r}." if a.optional and a.default is not None else \
                    " Optional." if a.optional else ""
                out.append(f"| `{a.name}`{' (range)' if a.range else ''} | {a.help}{extra} |")
            out += ["", f"Returns: {f.returns}{' (spills)' if f.spills else ''}.", "",
                    f"Example: `{f.example}`", ""]
    return "\n".join(out)
