"""The words and number formats people read, in their language: English (the message ids)
and Chinese (workbooks/locale/zh_CN.po, a gettext catalogue read with babel).

Every label of a report, statement, dashboard, mail and the planning workbook goes through
``Language.__call__``: ``t("Data as of {date}.", date=...)``. A message missing from a
catalogue shows in English (tests/test_i18n.py checks that none is missing). Numbers,
percentages, dates and month names are formatted by the language's CLDR data (babel); the
number formats are plain f-strings with the language's symbols swapped in, because a
report formats hundreds of numbers and babel's formatter is twenty times slower.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

LANGUAGES = ("en", "zh-CN")
DEFAULT = "en"
CATALOGUES = Path(__file__).resolve().parent / "locale"
DASH = "\u2013"   # shown where there is no value


def check_language(code: str | None) -> str:
    """``code`` as one of LANGUAGES (case and ``_`` tolerated), or ValueError naming them."""
    if code is None or str(code).strip() == "":
        return DEFAULT
    wanted = str(code).strip().replace("_", "-").lower()
    for lang in LANGUAGES:
        if lang.lower() == wanted or lang.split("-")[0] == wanted:
            return lang
    raise ValueError(f"unknown language {code!r}; expected one of {', '.join(LANGUAGES)}")


@dataclass(frozen=True)
class Language:
    code: str
    messages: dict[str, str] = field(repr=False)
    group: str = ","
    decimal: str = "."
    percent: str = "%"

    @property
    def locale(self) -> str:        # babel's and HTML's spelling
        return self.code.replace("-", "_")

    def __call__(self, msgid: str, **params) -> str:
        text = self.messages.get(msgid) or msgid
        return text.format(**params) if params else text

    def _symbols(self, text: str) -> str:
        if self.group == "," and self.decimal == ".":
            return text
        return text.translate({ord(","): "\0", ord("."): self.decimal}).replace("\0", self.group)

    def num(self, v, digits: int = 1) -> str:
        return DASH if v is None or v == "" else self._symbols(f"{v:,.{digits}f}")

    def money(self, v) -> str:
        return self.num(v, 2)

    def pct(self, v, digits: int = 1) -> str:
        return DASH if v is None or v == "" else self._symbols(f"{v * 100:,.{digits}f}") + self.percent

    def ratio(self, a, b) -> str:
        return DASH if a is None or not b else self.pct(a / b)

    def compact(self, v) -> str:
        """A chart axis's figure in few characters: 25k, 1.2M / 2.5万, 1.2亿 (Chinese counts in 10,000s)."""
        steps = ((1e8, "亿"), (1e4, "万")) if self.code == "zh-CN" else ((1e9, "B"), (1e6, "M"), (1e3, "k"))
        for size, suffix in steps:
            if abs(v) >= size:
                return self._symbols(f"{v / size:,.2f}".rstrip("0").rstrip(".")) + suffix
        return self._symbols(f"{v:,.2f}".rstrip("0").rstrip("."))

    def month(self, period: str) -> str:
        """'October 2026' / '2026年10月' for '2026-10'."""
        return _month_name(self.code, period)

    def period(self, key: str) -> str:
        """A period as people write it: 'October 2026' / '2026年10月'; 'Week 41, 2026' / '2026年第41周';
        'Q3 2026' / '2026年第3季度'; '2026' / '2026年' (keys as generators.periods reads them)."""
        key = str(key)
        if "-W" in key:
            return self("Week {week}, {year}", week=int(key[6:]), year=key[:4])
        if "-Q" in key:
            return self("Q{quarter} {year}", quarter=key[6:], year=key[:4])
        if len(key) == 4:
            return self("Year {year}", year=key)
        return self.month(key)

    def date(self, value) -> str:
        """A date in words: 'October 31, 2026' / '2026年10月31日'; blank stays blank."""
        if value is None or value == "":
            return ""
        return _long_date(self.code, str(value)[:10])

    def page_of_pages(self) -> str:
        """'Page &P of &N' for a printed header or footer (&P and &N are Excel's page codes)."""
        return self("Page {page} of {pages}", page="&P", pages="&N")

    def term(self, value) -> str:
        """A value from a fixed list (a tier, a status, a funnel stage, a tier movement) in the
        language; anything else (names, ids, the workbook's own words) as it is."""
        if value is None:
            return ""
        return self.messages.get(value, value) if isinstance(value, str) else value

    def note(self, note) -> str:
        """A report's note (``report_model.Note``): its sentence with the amounts formatted."""
        return self(note.text, **{name: value if digits is None else self.num(value, digits)
                                   for name, value, digits in note.amounts})

    def kpi_value(self, v, kind: str) -> str:
        """A KPI's actual or target as its kind reads: 23,047.90; 43.0%; 19; 31.5 days; 4.21."""
        if v is None:
            return DASH
        if kind == "money":
            return self.money(v)
        if kind == "percentage":
            return self.pct(v)
        if kind == "count":
            return self.num(v, 0)
        if kind == "days":
            return self("{n} days", n=self.num(v, 1))
        return self.num(v, 2)


@lru_cache(maxsize=None)
def language(code: str | None = None) -> Language:
    """The language by its code (en, zh-CN), its catalogue read once per process."""
    from babel import Locale
    code = check_language(code)
    loc = Locale.parse(code.replace("-", "_"))
    symbols = loc.number_symbols.get("latn", loc.number_symbols) if hasattr(loc, "number_symbols") else {}
    messages = {} if code == DEFAULT else _read_catalogue(CATALOGUES / f"{code.replace('-', '_')}.po")
    return Language(code, messages, symbols.get("group", ","), symbols.get("decimal", "."),
                    symbols.get("percentSign", "%"))


def _read_catalogue(path: Path) -> dict[str, str]:
    from babel.messages.pofile import read_po
    with path.open("rb") as f:
        catalogue = read_po(f)
    return {m.id: m.string for m in catalogue if m.id and m.string and not m.fuzzy}


@lru_cache(maxsize=512)
def _month_name(code: str, period: str) -> str:
    from babel.dates import format_skeleton
    year, month = period[:7].split("-")
    return format_skeleton("yMMMM", dt.date(int(year), int(month), 1), locale=code.replace("-", "_"))


@lru_cache(maxsize=4096)
def _long_date(code: str, iso: str) -> str:
    from babel.dates import format_date
    return format_date(dt.date.fromisoformat(iso), "long", locale=code.replace("-", "_"))


def settings_language(settings) -> str:
    """The ``language`` a workbook's Settings sheet declares (a frame of setting, value), else English."""
    if settings is None or len(settings) == 0:
        return DEFAULT
    value = settings.loc[settings["setting"] == "language", "value"]
    return check_language(value.iat[0]) if len(value) else DEFAULT
