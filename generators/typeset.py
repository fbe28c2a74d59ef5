"""PDFs typeset by Typst (PyPI ``typst``) from a template in ``templates/`` and the report's
content as JSON.

The content goes in as data (``sys.inputs.data``, decoded by the template with ``json``), never
spliced into Typst markup, so a name such as ``#set page(width: 1cm)`` or ``]`` prints as itself.
One compiler per template and process is kept: fonts are found and loaded once (about 0.1 s),
and each document after that costs milliseconds (bench/RESULTS.md, PDF).

Fonts: Typst searches the system's font folders (on Debian ``/usr/share/fonts``, where
``fonts-noto-cjk`` puts Noto Sans CJK SC) and the folders in ``SALESDESK_FONT_PATH``
(separated by ``:``). Every document is set in one face, Noto Sans CJK SC (its Latin letters
too, so a report mixing Chinese and English names reads as one face), or the family named by
``SALESDESK_PDF_FONT``. Without it no PDF is made: one line says what to install. (A character
that no installed font has, say Thai without a Thai font, prints as a box: Typst does not say so.)
"""
from __future__ import annotations

import json
import os
from functools import lru_cache

from . import templates_folder

TEMPLATES = templates_folder()
DEFAULT_FONT = "Noto Sans CJK SC"
FONT_ENV = "SALESDESK_PDF_FONT"
FONT_PATH_ENV = "SALESDESK_FONT_PATH"


class TypesetError(RuntimeError):
    """A PDF that could not be made: one line saying why."""


def font() -> str:
    return os.environ.get(FONT_ENV, "").strip() or DEFAULT_FONT


def font_paths() -> tuple[str, ...]:
    return tuple(p for p in os.environ.get(FONT_PATH_ENV, "").split(os.pathsep) if p)


def check_font() -> None:
    """TypesetError (one line: what to install) when the PDFs' face is not found."""
    _check_font(font(), font_paths())


def makeable(formats) -> tuple[tuple[str, ...], str | None]:
    """The formats a run's workers can make, and why none of its PDFs can be (the face is missing),
    checked once before the workers start: the one rule for reports and statements alike."""
    why = font_problem() if "pdf" in formats else None
    return (tuple(formats), None) if why is None else (tuple(f for f in formats if f != "pdf"), why)


def font_problem() -> str | None:
    """Why no PDF can be made in this run (its face is not installed), or None: checked once,
    before the workers start."""
    try:
        check_font()
    except TypesetError as exc:
        return str(exc)
    return None


@lru_cache(maxsize=None)
def _check_font(family: str, paths: tuple[str, ...]) -> None:
    """Typst falls back to another face (or to boxes) for a family it does not know, and warns."""
    import typst
    _, warnings = typst.Compiler(str(TEMPLATES / "font_probe.typ"), root=str(TEMPLATES), font_paths=list(paths),
                                 sys_inputs={"font": family}).compile_with_warnings(format="pdf", pdf_tags=False)
    if any("unknown font family" in str(w) for w in warnings):
        hint = "Debian: apt-get install fonts-noto-cjk; " if family == DEFAULT_FONT else ""
        raise TypesetError(f"the font {family!r} for PDFs is not installed ({hint}or put its font files in a folder "
                           f"named by {FONT_PATH_ENV}; {FONT_ENV} names another family)")


@lru_cache(maxsize=None)
def _compiler(template: str, paths: tuple[str, ...]):
    import typst
    return typst.Compiler(str(TEMPLATES / template), root=str(TEMPLATES), font_paths=list(paths))


# Unicode's bidirectional controls: in a name they would reorder what follows it (a figure
# printed backwards); data text reaches the page without them
BIDI_CONTROLS = dict.fromkeys(map(ord, "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))


def plain(value):
    """``value`` (the content's JSON values) with the bidirectional controls taken out of every text."""
    if isinstance(value, str):
        return value.translate(BIDI_CONTROLS)
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def typeset(template: str, content: dict) -> bytes:
    """The PDF of ``content`` (plain JSON values) laid out by ``templates/<template>``.

    Untagged PDF: tagging (for screen readers' structure) costs about four times the rest of
    a report's typesetting; the text layer is there either way (pdftotext finds every name)."""
    check_font()
    compiler = _compiler(template, font_paths())
    try:
        return compiler.compile(sys_inputs={"data": json.dumps(plain(content), ensure_ascii=False), "font": font()},
                                format="pdf",
                                pdf_tags=False)
    except RuntimeError as exc:     # the binding's error for a document Typst refused
        raise TypesetError(f"Typst could not typeset {template}: {str(exc).splitlines()[0]}") from None
