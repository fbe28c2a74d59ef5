"""The periods a command runs for, as the user writes them: the one rule for reading ``--month``
and ``--period``.

A period is an ISO week (``2026-W41``), a month (``2026-10``), a quarter (``2026-Q3``) or a
year (``2026``). Only these unambiguous forms are read: ``10/2026``, ``Oct 2026``,
``2026-10-15`` or ``10/11`` could each mean more than one thing (or a day), so they are refused
with one line rather than guessed. Pure and light (no pandas): the command line checks a
period before anything is read."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

MONTH_FORM = re.compile(r"(\d{4})-(\d{2})")
PERIOD_FORMS = {
    "week": re.compile(r"(\d{4})-W(\d{2})"),
    "month": MONTH_FORM,
    "quarter": re.compile(r"(\d{4})-Q(\d)"),
    "year": re.compile(r"(\d{4})"),
}
ACCEPTED = "a period written 2026-W41 (ISO week), 2026-10 (month), 2026-Q3 (quarter) or 2026 (year)"
# the years dates can be computed in (pandas' nanosecond timestamps end in April 2262)
FIRST_YEAR, LAST_YEAR = 1900, 2261


@dataclass(frozen=True)
class Period:
    """A week, month, quarter or year: ``key`` as the user writes it, its first and last day."""
    kind: str
    key: str
    first: dt.date
    last: dt.date

    @property
    def months(self) -> tuple[str, ...]:
        """The months (YYYY-MM) the period touches, in order: a week may touch two."""
        out, y, m = [], self.first.year, self.first.month
        while (y, m) <= (self.last.year, self.last.month):
            out.append(f"{y}-{m:02d}")
            y, m = (y + 1, 1) if m == 12 else (y, m + 1)
        return tuple(out)

    def days(self) -> int:
        return (self.last - self.first).days + 1


def _month_end(year: int, month: int) -> dt.date:
    following = dt.date(year + 1, 1, 1) if month == 12 else dt.date(year, month + 1, 1)
    return following - dt.timedelta(days=1)


def iso_weeks(year: int) -> int:
    """52 or 53: the ISO weeks of ``year`` (December 28th always falls in its last week)."""
    return dt.date(year, 12, 28).isocalendar()[1]


def _bounds(kind: str, year: int, n: int) -> tuple[dt.date, dt.date] | None:
    """The first and last day of period ``n`` of ``kind`` in ``year``, or None where there is none."""
    if kind == "week":
        if not 1 <= n <= iso_weeks(year):
            return None
        first = dt.date.fromisocalendar(year, n, 1)
        return first, first + dt.timedelta(days=6)
    if kind == "month":
        return (dt.date(year, n, 1), _month_end(year, n)) if 1 <= n <= 12 else None
    if kind == "quarter":
        return (dt.date(year, 3 * n - 2, 1), _month_end(year, 3 * n)) if 1 <= n <= 4 else None
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def parse_period(text: str) -> Period:
    """``text`` as a Period, or ValueError with the one line that says which forms are accepted."""
    key = str(text).strip()
    for kind, form in PERIOD_FORMS.items():
        m = form.fullmatch(key)
        if m:
            break
    else:
        raise ValueError(f"--period must be {ACCEPTED}; got {text!r}")
    year = int(m.group(1))
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise ValueError(f"--period must be a period of the years {FIRST_YEAR} to {LAST_YEAR}; got {text!r}")
    bounds = _bounds(kind, year, int(m.group(2)) if kind != "year" else 0)
    if bounds is None:
        raise ValueError(f"--period must be {ACCEPTED}"
                         + (f" ({year} has {iso_weeks(year)} ISO weeks)" if kind == "week" else "")
                         + f"; got {text!r}")
    return Period(kind, key, *bounds)


def check_month(text: str) -> str:
    """``text`` as the month YYYY-MM, or ValueError with the one line that says what is accepted."""
    m = MONTH_FORM.fullmatch(str(text).strip())
    if not m or not 1 <= int(m.group(2)) <= 12:
        raise ValueError(f"--month must be a month written YYYY-MM, such as 2026-10; got {text!r}")
    if not FIRST_YEAR <= int(m.group(1)) <= LAST_YEAR:
        raise ValueError(f"--month must be a month of the years {FIRST_YEAR} to {LAST_YEAR}; got {text!r}")
    return parse_period(m.group(0)).key


def shifted(period: Period, steps: int) -> Period | None:
    """The period ``steps`` before (negative) or after ``period``, of the same kind; None past the
    years dates are computed in."""
    if period.kind == "week":
        monday = period.first + dt.timedelta(weeks=steps)
        year, week, _ = monday.isocalendar()
        key = f"{year}-W{week:02d}"
    elif period.kind == "year":
        key = f"{period.first.year + steps}"
    else:
        size = 3 if period.kind == "quarter" else 1
        index = period.first.year * 12 + period.first.month - 1 + steps * size
        year, month = divmod(index, 12)
        key = f"{year}-Q{month // 3 + 1}" if size == 3 else f"{year}-{month + 1:02d}"
    try:
        return parse_period(key)
    except ValueError:
        return None


def related(period: Period) -> list[tuple[str, str]]:
    """The periods a page for ``period`` links, as (role, key): the one before and after, the
    months, quarter and year it falls in, and the shorter periods it is made of (a month's ISO
    weeks, a quarter's months, a year's quarters)."""
    out = [(role, p.key) for role, p in (("previous", shifted(period, -1)), ("next", shifted(period, 1))) if p]
    months = period.months
    if period.kind == "week":
        out += [("month", m) for m in months]
    if period.kind in ("week", "month"):
        out += [("quarter", q) for q in dict.fromkeys(f"{m[:4]}-Q{(int(m[5:]) - 1) // 3 + 1}" for m in months)]
    if period.kind != "year":
        out += [("year", y) for y in dict.fromkeys(m[:4] for m in months)]
    if period.kind == "month":
        mondays = range((period.first - dt.timedelta(days=period.first.weekday())).toordinal(),
                        period.last.toordinal() + 1, 7)
        out += [("week", "{}-W{:02d}".format(*dt.date.fromordinal(d).isocalendar()[:2])) for d in mondays]
    elif period.kind == "quarter":
        out += [("month", m) for m in months]
    elif period.kind == "year":
        out += [("quarter", f"{period.first.year}-Q{q}") for q in range(1, 5)]
    return out
