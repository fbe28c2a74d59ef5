"""Target planning functions, called with Excel-shaped values as xlwings passes them."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings, strategies as st

from addin import udfs as U
from addin.excel import date_to_serial
from addin.engine.rounding import split_exact, split_exact_array
import numpy as np
import pytest


def col(*values):
    return [[v] for v in values]


# --- SD_SPLIT ---------------------------------------------------------------------------

def test_split_hand_worked():
    # 100 by 1:1:1 -> 33.33.. each; floors 33,33,33; one unit left; remainders tie -> last row
    assert U.SD_SPLIT(100, col(1, 1, 1)) == [[33.0], [33.0], [34.0]]
    # 10 by 1:2:3:4 at 1 decimal is exact
    assert U.SD_SPLIT(10, col(1, 2, 3, 4), 1) == [[1.0], [2.0], [3.0], [4.0]]
    # 7 by 0.5:0.3:0.2 -> 3.5, 2.1, 1.4; floors 3,2,1 (6); the 0.5 remainder wins
    assert U.SD_SPLIT(7, col(0.5, 0.3, 0.2)) == [[4.0], [2.0], [1.0]]


def test_split_blank_weights_single_cell_and_row_range():
    assert U.SD_SPLIT(9, col(1, None, 2)) == [[3.0], [0.0], [6.0]]
    assert U.SD_SPLIT(9, 5) == [[9.0]]
    assert U.SD_SPLIT(9, [[1, 2]]) == [[3.0], [6.0]]


def test_split_errors_name_argument_row_and_value():
    assert U.SD_SPLIT(100, col(1, 1, -0.2)) == [["SD_SPLIT: weights row 3 is -0.2; weights must be zero or more"]]
    assert "all zero" in U.SD_SPLIT(100, col(0, None))[0][0]
    assert U.SD_SPLIT(100, col(1, "#N/A"))[0][0].startswith("SD_SPLIT: weights row 2 is '#N/A'")
    assert "SD_SPLIT: total" in U.SD_SPLIT(None, col(1))[0][0]
    assert "decimal" in U.SD_SPLIT(100.5, col(1, 1))[0][0]


@settings(max_examples=200, deadline=None)
@given(total=st.integers(-10**9, 10**9), decimals=st.integers(0, 3),
       weights=st.lists(st.floats(0, 1e6, allow_nan=False), min_size=1, max_size=40).filter(lambda w: sum(w) > 0))
def test_split_always_sums_exactly(total, decimals, weights):
    parts = split_exact(total, weights, decimals)
    assert sum(parts) == Decimal(total)
    assert all(p.as_tuple().exponent >= -decimals for p in parts)
    # each part is within one unit of its exact share
    exact = [Decimal(total) * Decimal(repr(w)) / sum(Decimal(repr(x)) for x in weights) for w in weights]
    assert all(abs(p - e) < Decimal(1).scaleb(-decimals) for p, e in zip(parts, exact))
    fast = split_exact_array(total, np.array(weights), decimals)
    assert abs(float(np.sum(fast)) - total) < 1e-6 * max(1, abs(total))
    assert np.allclose(fast, [float(p) for p in parts], atol=10 ** -decimals + 1e-9)   # at most one unit apart


# --- SD_PHASE ---------------------------------------------------------------------------

def test_phase_month_by_seasonality_and_quarters_agree():
    weights = col(*([1] * 11 + [2]))
    months = U.SD_PHASE(130000, 2026, weights)
    assert months[0] == ["2026-01", 10000.0] and months[-1] == ["2026-12", 20000.0]
    quarters = U.SD_PHASE(130000, 2026, weights, "quarter")
    assert quarters == [["2026-Q1", 30000.0], ["2026-Q2", 30000.0], ["2026-Q3", 30000.0], ["2026-Q4", 40000.0]]


def test_phase_without_seasonality_weights_months_by_working_days():
    months = dict(U.SD_PHASE(261000, 2025))   # 2025 has 261 working days (Mon-Fri)
    assert months["2025-01"] == 23000.0        # January 2025: 23 working days
    assert months["2025-02"] == 20000.0


def test_phase_weeks_straddling_months_take_from_both():
    # Jan 2025: 23 working days; Feb: 20. 12 months of equal weight, 12,000 -> 1,000 a month.
    weeks = dict(U.SD_PHASE(12000, 2025, col(*[1] * 12), "week", None, 2))
    # Week 14 (Mon 31 Mar - Fri 4 Apr) takes 1 of March's 21 working days and 4 of April's 22.
    # March: 1,000 over weeks of 5,5,5,5,1 days = 238.0952 x4 and 47.619; largest remainder gives the
    # 1-day week 47.62. April: weeks of 4,5,5,5,3 days = 181.818, 227.27 x3, 136.36; week 14 gets 181.82.
    assert weeks["2025-W14"] == pytest.approx(47.62 + 181.82, abs=1e-9)
    assert sum(Decimal(repr(v)) for v in weeks.values()) == 12000
    assert list(weeks)[0] == "2025-W01" and list(weeks)[-1] == "2026-W01"   # 29-31 Dec 2025 are ISO 2026-W01


def test_phase_holidays_and_errors():
    plain = dict(U.SD_PHASE(12000, 2025, None, "week"))
    with_holiday = dict(U.SD_PHASE(12000, 2025, None, "week", col(dt.datetime(2025, 12, 31)), 0))
    assert plain != with_holiday
    assert "12 monthly weights" in U.SD_PHASE(1000, 2026, col(1, 2, 3))[0][0]
    assert U.SD_PHASE(1000, 2026, None, "day")[0][0] == "SD_PHASE: grain is 'day'; expected one of month, quarter, week"


@settings(max_examples=60, deadline=None)
@given(annual=st.integers(0, 10**8), year=st.integers(2000, 2040), grain=st.sampled_from(["month", "quarter", "week"]),
       weights=st.lists(st.integers(0, 50), min_size=12, max_size=12).filter(lambda w: sum(w) > 0))
def test_phase_always_sums_to_annual(annual, year, grain, weights):
    rows = U.SD_PHASE(annual, year, col(*weights), grain)
    assert sum(Decimal(repr(v)) for _, v in rows) == annual


# --- SD_RAMP ----------------------------------------------------------------------------

def test_ramp_default_and_custom_schedule():
    hire = dt.datetime(2026, 1, 15)
    shares = [U.SD_RAMP(hire, dt.datetime(2026, m, 1)) for m in range(1, 8)]
    assert shares == [0.0, 0.0, 0.25, 0.5, 0.75, 1.0, 1.0]     # Feb is full month 1
    serial = date_to_serial(dt.date(2026, 1, 15))
    assert U.SD_RAMP(serial, date_to_serial(dt.date(2026, 3, 1))) == 0.25   # dates as serials
    assert U.SD_RAMP(hire, dt.datetime(2026, 3, 1), col(0.5, 0.8)) == 0.8
    assert U.SD_RAMP(hire, dt.datetime(2025, 12, 1)) == 0.0
    assert "schedule row 1" in U.SD_RAMP(hire, dt.datetime(2026, 3, 1), col(1.5))


# --- SD_ALLOCATE ------------------------------------------------------------------------

REPS = [["rep_id", "capacity", "hire_date", "min", "max", "pinned"],
        ["A", 1, None, None, None, None],
        ["B", 1, None, None, None, None],
        ["C", 0.5, None, None, None, None],
        ["D", 1, dt.datetime(2026, 1, 20), None, None, None]]


def test_allocate_capacity_with_ramp():
    # period 2026-03: D hired 20 Jan; Feb is full month 1 (0%), March month 2 (25%);
    # weights 1, 1, 0.5, 0.25 (sum 2.75)
    out = U.SD_ALLOCATE(110000, REPS, "capacity", None, dt.datetime(2026, 3, 1))
    assert out == [["A", 40000.0], ["B", 40000.0], ["C", 20000.0], ["D", 10000.0]]


def test_allocate_pinned_min_max_and_equal():
    reps = [r[:] for r in REPS]
    reps[1][5] = 50000          # A pinned
    reps[2][4] = 20000          # B max 20,000
    out = dict(U.SD_ALLOCATE(110000, reps, "capacity"))
    assert out["A"] == 50000 and out["B"] == 20000
    # 40,000 left for C (0.5) and D (1.0, no ramp without period_start): 13,333.33 / 26,666.67
    assert (out["C"], out["D"]) == (13333.0, 26667.0)
    equal = dict(U.SD_ALLOCATE(100, [["rep_id"], ["A"], ["B"], ["C"]], "equal"))
    assert equal == {"A": 33.0, "B": 33.0, "C": 34.0}
    reps_min = [["rep_id", "capacity", "hire_date", "min"], ["A", 1, None, 70], ["B", 1, None, None]]
    assert dict(U.SD_ALLOCATE(100, reps_min)) == {"A": 70.0, "B": 30.0}


def test_allocate_history_blends_capacity_so_new_reps_get_a_target():
    history = [["rep_id", "date", "amount"], ["A", dt.datetime(2025, 6, 1), 300], ["B", dt.datetime(2025, 7, 1), 100],
               ["A", dt.datetime(2024, 6, 1), 10**6]]   # older than 12 months: ignored
    reps = [["rep_id", "capacity"], ["A", 1], ["B", 1], ["C", 1]]
    out = dict(U.SD_ALLOCATE(1200, reps, "history", history, dt.datetime(2026, 1, 1)))
    # shares: history A .75 B .25 C 0; capacity 1/3 each -> .75*h + .25*c
    assert out == {"A": 775.0, "B": 325.0, "C": 100.0}


def test_allocate_errors():
    assert "minimums" in U.SD_ALLOCATE(100, [["rep_id", "capacity", "hire_date", "min"], ["A", 1, None, 80], ["B", 1, None, 80]])[0][0]
    assert "reps capacity row 1 is -1" in U.SD_ALLOCATE(100, [["rep_id", "capacity"], ["A", -1]])[0][0]
    assert "method" in U.SD_ALLOCATE(100, [["rep_id"], ["A"]], "random")[0][0]


@settings(max_examples=100, deadline=None)
@given(total=st.integers(0, 10**7),
       caps=st.lists(st.sampled_from([0.5, 0.8, 1.0]), min_size=1, max_size=30),
       pin=st.booleans())
def test_allocate_sums_exactly(total, caps, pin):
    rows = [["rep_id", "capacity", "hire_date", "min", "max", "pinned"]]
    rows += [[f"R{i}", c, None, None, None, None] for i, c in enumerate(caps)]
    if pin and len(caps) > 1:
        rows[1][5] = total // 3
    out = U.SD_ALLOCATE(total, rows)
    assert sum(v for _, v in out) == total


def test_tables_without_a_header_row_and_error_objects():
    # no header: columns are taken in the documented order (rep_id, capacity, hire_date, ...)
    assert U.SD_ALLOCATE(90, [["A", 1], ["B", 0.5]]) == [["A", 60.0], ["B", 30.0]]

    class CellError:          # what some runtimes pass for an error cell instead of "#N/A"
        def __repr__(self):
            return "#DIV/0!"

    message = U.SD_SPLIT(100, [[1], [CellError()]])[0][0]
    assert message.startswith("SD_SPLIT: weights row 2") and "error cell" in message
