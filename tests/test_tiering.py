"""Customer tiering: RFM, ABC, tiers and revisits, hand-worked."""
from __future__ import annotations

import datetime as dt

import numpy as np

from addin import udfs as U
from addin.excel import date_to_serial
from addin.engine.tiering import abc, customer_view, scores


def col(*values):
    return [[v] for v in values]


D = dt.datetime


def test_scores_equal_count_bins_and_ties_share():
    assert scores(np.arange(1, 11, dtype=float), 5).tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    # most customers with one order: all F=1; the next value jumps to its position's bin
    assert scores(np.array([1, 1, 1, 1, 1, 1, 1, 2, 3, 4.]), 5).tolist() == [1] * 7 + [4, 5, 5]
    assert scores(np.array([7.0] * 4), 5).tolist() == [1, 1, 1, 1]          # all equal
    assert scores(np.array([3.0, 10.0]), 5, higher_is_better=False).tolist() == [3, 1]


def test_rfm_hand_worked():
    ids = col("a", "a", "b", "c", "c", "c")
    dates = col(D(2026, 1, 1), D(2026, 3, 1), D(2026, 2, 1), D(2025, 1, 1), date_to_serial(dt.date(2026, 2, 15)),
                D(2026, 3, 10))
    amounts = col(100, 50, 500, 10, 10, -5)                 # c's last row is a return
    out = U.SD_RFM(ids, dates, amounts, D(2026, 3, 31))
    assert out[0] == ["customer_id", "recency_days", "frequency", "monetary", "R", "F", "M", "code", "segment"]
    rows = {r[0]: r[1:] for r in out[1:]}
    # recency: a 30 (1 Mar), b 58 (1 Feb), c 44 (15 Feb: the return does not count as an order)
    assert [rows[k][0] for k in "abc"] == [30, 58, 44]
    assert [rows[k][1] for k in "abc"] == [2, 1, 2]
    assert [rows[k][2] for k in "abc"] == [150.0, 500.0, 15.0]
    # 3 customers, 5 bins: R a=1+floor(2*5/3)=4, c=1+floor(1*5/3)=2, b=1
    assert [rows[k][3] for k in "abc"] == [4, 1, 2]
    assert [rows[k][4] for k in "abc"] == [2, 1, 2]            # F ties share: 1+floor(1*5/3)=2
    assert rows["a"][6] == "422" and rows["a"][7] == "potential loyalists"
    assert rows["b"][7] == "hibernating"


def test_rfm_defaults_single_customer_and_errors():
    one = U.SD_RFM(col("x"), col(D(2026, 1, 5)), col(10))
    assert one[1][:4] == ["x", 0, 1, 10.0]                     # as_of defaults to the latest date
    assert U.SD_RFM(col("a"), col(D(2026, 1, 5)), col(10), D(2025, 1, 1))[0][0].startswith(
        "SD_RFM: as_of is '2025-01-01'; as_of is before the latest transaction (2026-01-05)")
    assert U.SD_RFM(col("a", "b"), col(D(2026, 1, 5), D(2026, 1, 6)), col(10, None))[0][0] == \
        "SD_RFM: amounts row 2 is blank; a number is required here"
    assert U.SD_RFM(col("a"), col(D(2026, 1, 5)), col("ten"))[0][0] == "SD_RFM: amounts row 1 is 'ten'; expected a number"
    assert "same number of rows" in U.SD_RFM(col("a", "b"), col(D(2026, 1, 5)), col(1, 2))[0][0]
    custom = U.SD_RFM(col("a", "b"), col(D(2026, 1, 5), D(2026, 1, 6)), col(1, 2), None, 5,
                      [["segment", "r_min", "r_max"], ["fresh", 3, 5], ["stale", 1, 2]])
    # two customers: b (latest) has R = 1 + floor(1*5/2) = 3, a has R = 1
    assert {r[0]: r[8] for r in custom[1:]} == {"a": "stale", "b": "fresh"}


def test_abc_boundary_item_is_a_and_nonpositive_is_c():
    # total 100: 50 (0 before) A, 30 (50% before, crosses 80%) A, 10 (80% before) B, 5 (90%) B, 3 (95%) C
    assert abc(np.array([50, 30, 10, 5, 3, 2, 0, -1.0])).tolist() == ["A", "A", "B", "B", "C", "C", "C", "C"]
    assert U.SD_ABC(col("x", "y", "z"), col(10, 80, 10)) == [["x", "B"], ["y", "A"], ["z", "B"]]
    assert U.SD_ABC(col("x", "y"), col(0, -5)) == [["x", "C"], ["y", "C"]]
    assert U.SD_ABC(col("x", "y"), col(1, 1), 0.5, 0.5) == [["x", "A"], ["y", "C"]]  # equal values: earlier row first


def test_tier_default_rules_and_replacement():
    ids = col("big", "big", "mid", "old", "new")
    dates = col(D(2026, 9, 1), D(2026, 10, 20), D(2026, 10, 1), D(2025, 6, 1), D(2026, 10, 30))
    amounts = col(9000, 9000, 2000, 500, 100)
    out = U.SD_TIER(ids, dates, amounts, D(2026, 10, 31))
    rows = {r[0]: dict(zip(out[0], r)) for r in out[1:]}
    assert rows["old"]["tier"] == "lost" and rows["old"]["cadence_days"] == 180        # 518 days without an order
    assert rows["big"]["tier"] == "high-value" and rows["big"]["abc"] == "A"
    # mid: 30 days is the 2nd-worst recency of 4 (R = 1 + floor(1*5/4) = 2), class B -> at-risk
    assert (rows["mid"]["abc"], rows["mid"]["tier"], rows["mid"]["cadence_days"]) == ("B", "at-risk", 14)
    rules = [["tier", "cadence_days", "abc"], ["key account", 7, "A"], ["everyone else", 60, None]]
    custom = {r[0]: r[1:3] for r in U.SD_TIER(ids, dates, amounts, D(2026, 10, 31), rules)[1:]}
    assert custom["big"] == ["key account", 7] and custom["old"] == ["everyone else", 60]
    assert "match no rule" in U.SD_TIER(ids, dates, amounts, None, [["tier", "cadence_days", "abc"], ["k", 7, "A"]])[0][0]


def test_revisit_next_date_and_overdue():
    out = U.SD_REVISIT(col("a", "b", "c"), col("high-value", "ordinary", "at-risk"),
                       col(D(2026, 9, 1), D(2026, 9, 1), None), None, D(2026, 10, 15))
    assert out[1:] == [["a", dt.date(2026, 10, 1), True], ["b", dt.date(2026, 11, 30), False],
                       ["c", dt.date(2026, 10, 15), True]]
    cad = [["tier", "cadence_days"], ["gold", 10]]
    assert U.SD_REVISIT(col("a"), col("gold"), col(D(2026, 10, 1)), cad, D(2026, 10, 5))[1] == ["a", dt.date(2026, 10, 11), False]
    assert "no cadence for this tier" in U.SD_REVISIT(col("a"), col("silver"), col(None), cad, D(2026, 1, 1))[0][0]


def test_customer_view_movement_and_overdue(demo_frames):
    view = customer_view(demo_frames["Orders"], demo_frames["Activities"], demo_frames["Customers"],
                         dt.date(2026, 10, 31), dt.date(2026, 9, 30))
    assert set(view["tier"]) <= {"high-value", "potential", "ordinary", "at-risk", "lost"}
    assert set(view["movement"]) <= {"up", "down", "same", "new"}
    contacted = view.dropna(subset=["last_contact"])
    assert (contacted["next_revisit"] > contacted["last_contact"]).all()
    assert view.loc[view["last_contact"].isna(), "overdue"].all()
    assert view["customer_id"].is_unique
    down = view[view["movement"] == "down"]
    order = {t: i for i, t in enumerate(["high-value", "potential", "ordinary", "at-risk", "lost"])}
    assert (down["tier"].map(order) > down["previous_tier"].map(order)).all()
