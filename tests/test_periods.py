"""Periods as the user writes them (generators.periods): weeks, months, quarters, years, parsed once."""
import datetime as dt
import subprocess
import sys

import pytest

from generators.periods import check_month, iso_weeks, parse_period, related, shifted


@pytest.mark.parametrize("text, kind, first, last, months", [
    ("2026-W41", "week", dt.date(2026, 10, 5), dt.date(2026, 10, 11), ("2026-10",)),
    ("2026-W40", "week", dt.date(2026, 9, 28), dt.date(2026, 10, 4), ("2026-09", "2026-10")),
    ("2026-W01", "week", dt.date(2025, 12, 29), dt.date(2026, 1, 4), ("2025-12", "2026-01")),
    ("2026-W53", "week", dt.date(2026, 12, 28), dt.date(2027, 1, 3), ("2026-12", "2027-01")),
    ("2026-10", "month", dt.date(2026, 10, 1), dt.date(2026, 10, 31), ("2026-10",)),
    ("2024-02", "month", dt.date(2024, 2, 1), dt.date(2024, 2, 29), ("2024-02",)),
    ("2026-Q3", "quarter", dt.date(2026, 7, 1), dt.date(2026, 9, 30), ("2026-07", "2026-08", "2026-09")),
    ("2026", "year", dt.date(2026, 1, 1), dt.date(2026, 12, 31), tuple(f"2026-{m:02d}" for m in range(1, 13))),
])
def test_each_kind_has_its_days_and_months(text, kind, first, last, months):
    p = parse_period(f" {text} ")
    assert (p.kind, p.key, p.first, p.last, p.months) == (kind, text, first, last, months)
    if kind == "week":
        assert p.days() == 7 and p.first.isocalendar()[1] == int(text[-2:]) and p.first.weekday() == 0


def test_week_53_only_where_the_iso_year_has_it():
    assert iso_weeks(2026) == 53 and iso_weeks(2025) == 52
    assert parse_period("2020-W53").last == dt.date(2021, 1, 3)
    with pytest.raises(ValueError, match="2025 has 52 ISO weeks"):
        parse_period("2025-W53")


@pytest.mark.parametrize("text", ["2026-W60", "2026-W00", "2026-Q5", "2026-Q0", "2026-13", "2026-00", "10/2026",
                                  "Oct 2026", "2026-10-15", "26", "2026W41", "2026-w41", "", "2026-Q"])
def test_malformed_periods_get_one_line_with_the_accepted_forms(text):
    with pytest.raises(ValueError) as exc:
        parse_period(text)
    line = str(exc.value)
    assert "\n" not in line and repr(text) in line
    assert "2026-W41" in line and "2026-10" in line and "2026-Q3" in line and "2026 (year)" in line


def test_years_outside_the_computable_range_are_refused():
    for text in ("1899", "2262-Q1", "1899-W10"):
        with pytest.raises(ValueError, match="1900 to 2261"):
            parse_period(text)
    assert parse_period("2261-12").last == dt.date(2261, 12, 31)


def test_check_month_reads_months_only_through_the_period_rule():
    assert check_month(" 2026-10 ") == "2026-10"
    for text in ("2026-Q3", "2026", "2026-W41", "2026-13"):
        with pytest.raises(ValueError, match="YYYY-MM"):
            check_month(text)


def test_periods_module_is_light():
    code = "import sys, generators.periods; print('pandas' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("key, before, after", [
    ("2026-W41", "2026-W40", "2026-W42"), ("2026-W53", "2026-W52", "2027-W01"), ("2026-W01", "2025-W52", "2026-W02"),
    ("2026-01", "2025-12", "2026-02"), ("2026-Q1", "2025-Q4", "2026-Q2"), ("2026", "2025", "2027")])
def test_the_period_before_and_after_cross_years(key, before, after):
    p = parse_period(key)
    assert (shifted(p, -1).key, shifted(p, 1).key) == (before, after)
    assert shifted(parse_period("1900-01"), -1) is None and shifted(parse_period("2261"), 1) is None


def test_related_periods_are_the_neighbours_the_enclosing_and_the_parts():
    assert related(parse_period("2026-W53")) == [
        ("previous", "2026-W52"), ("next", "2027-W01"), ("month", "2026-12"), ("month", "2027-01"),
        ("quarter", "2026-Q4"), ("quarter", "2027-Q1"), ("year", "2026"), ("year", "2027")]
    october = dict.fromkeys(key for role, key in related(parse_period("2026-10")) if role == "week")
    # every ISO week with a day in October 2026: 28 Sep-4 Oct (W40) to 26 Oct-1 Nov (W44)
    assert list(october) == ["2026-W40", "2026-W41", "2026-W42", "2026-W43", "2026-W44"]
    assert [k for r, k in related(parse_period("2026-Q3")) if r == "month"] == ["2026-07", "2026-08", "2026-09"]
    assert [k for r, k in related(parse_period("2026")) if r == "quarter"] == [f"2026-Q{q}" for q in range(1, 5)]
