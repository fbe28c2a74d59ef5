"""The commission engine: each mechanism with hand-worked numbers, and properties."""
from __future__ import annotations

from decimal import Decimal

import pandas as pd
from hypothesis import given, settings, strategies as st

from addin.engine.commission import ClosedBooks, CommissionInputs, Tier, commission, compute, draw_schedule
from addin.engine.money import apply_rate, rhu_div

T = pd.Timestamp


def plan(rows, plan_id="P", effective="2020-01-01", method="marginal", basis="amount", cap=None, gate=None,
         draw=None, recoverable=None, clawback_days=30):
    return pd.DataFrame([{"plan_id": plan_id, "effective_from": T(effective), "lower": lo, "upper": hi, "rate": r,
                          "method": method, "basis": basis, "cap": cap, "gate": gate, "draw": draw,
                          "draw_recoverable": recoverable, "clawback_days": clawback_days} for lo, hi, r in rows])


def orders(*rows):
    """rows: (order_id, date, rep, amount[, status, original, product, quantity])"""
    out = []
    for r in rows:
        oid, day, rep, amount = r[:4]
        status = r[4] if len(r) > 4 else ("returned" if amount < 0 else "booked")
        out.append({"order_id": oid, "order_date": T(day), "rep_id": rep, "customer_id": "C1",
                    "product": r[6] if len(r) > 6 else "Widget", "quantity": r[7] if len(r) > 7 else 1.0,
                    "amount": float(amount), "status": status, "original_order_id": r[5] if len(r) > 5 else None})
    return pd.DataFrame(out)


def run(order_frame, plans, month, reps=("A",), quotas=None, credits=None, spiffs=None, teams=None, closed=None):
    rep_frame = pd.DataFrame({"rep_id": list(reps), "team": list(teams or ["T"] * len(reps)),
                              "plan_id": [plans["plan_id"].iloc[0]] * len(reps), "hire_date": [T("2019-01-01")] * len(reps)})
    q = pd.DataFrame(quotas or [], columns=["rep_id", "period", "quota_cents"])
    c = credits if credits is not None else pd.DataFrame(columns=["order_id", "rep_id", "share"])
    inputs = CommissionInputs(rep_frame, order_frame, c, plans, spiffs, q)
    return compute(inputs, month, closed)


def total(res, rep, period, col="paid_cents"):
    s = res.summary
    return int(s[(s["rep_id"] == rep) & (s["period"] == period)][col].iloc[0])


TIERS = [(0, 1000, 0.05), (1000, None, 0.10)]


def test_marginal_line_crossing_a_bound_is_stated_in_two_parts():
    res = run(orders(("O1", "2026-01-05", "A", 600), ("O2", "2026-01-06", "A", 600)), plan(TIERS), "2026-01")
    sale = res.lines[res.lines["kind"] == "sale"]
    assert sale[["order_id", "credited_cents", "tier", "rate_micro", "commission_cents"]].values.tolist() == [
        ["O1", 60000, 1, 50000, 3000], ["O2", 40000, 1, 50000, 2000], ["O2", 20000, 2, 100000, 2000]]
    assert total(res, "A", "2026-01") == 7000
    assert commission(Decimal(1200), [Tier(Decimal(0), Decimal(1000), Decimal("0.05")), Tier(Decimal(1000), None, Decimal("0.1"))]) == Decimal("70.00")


def test_retroactive_uses_the_tier_reached_and_lower_bounds_are_inclusive():
    res = run(orders(("O1", "2026-01-05", "A", 600), ("O2", "2026-01-06", "A", 400)), plan(TIERS, method="retroactive"), "2026-01")
    assert total(res, "A", "2026-01") == 10000            # exactly 1,000 reaches tier 2: 10% of all
    res = run(orders(("O1", "2026-01-05", "A", 999.99)), plan(TIERS, method="retroactive"), "2026-01")
    assert total(res, "A", "2026-01") == 5000             # 999.99 x 5% = 49.9995 -> 50.00


def test_attainment_basis_gate_and_cap():
    tiers = [(0, 0.5, 0.02), (0.5, None, 0.04)]
    q = [("A", "2026-01", 200000)]                         # quota 2,000.00
    res = run(orders(("O1", "2026-01-05", "A", 1500)), plan(tiers, basis="attainment"), "2026-01", quotas=q)
    assert total(res, "A", "2026-01") == 4000              # 1,000 @2% + 500 @4%
    gated = run(orders(("O1", "2026-01-05", "A", 900)), plan(tiers, basis="attainment", gate=0.5), "2026-01", quotas=q)
    lines = gated.lines
    assert lines[lines["kind"] == "gate"]["commission_cents"].tolist() == [-1800]
    assert total(gated, "A", "2026-01") == 0
    capped = run(orders(("O1", "2026-01-05", "A", 1500)), plan(tiers, basis="attainment", cap=30), "2026-01", quotas=q)
    assert capped.lines[capped.lines["kind"] == "cap"]["commission_cents"].tolist() == [-1000]
    assert total(capped, "A", "2026-01") == 3000


def test_missing_quota_is_a_problem_for_that_rep_only():
    tiers = [(0, None, 0.02)]
    res = run(orders(("O1", "2026-01-05", "A", 100), ("O2", "2026-01-05", "B", 100)), plan(tiers, basis="attainment"),
              "2026-01", reps=("A", "B"), quotas=[("A", "2026-01", 10000)])
    assert [r for r, _ in res.problems] == ["B"] and "no target" in res.problems[0][1]
    assert set(res.summary["rep_id"]) == {"A"}


def test_split_credit_parts_sum_to_the_whole():
    credits = pd.DataFrame({"order_id": ["O1", "O1"], "rep_id": ["A", "B"], "share": [0.5, 0.5]})
    res = run(orders(("O1", "2026-01-05", "A", 1000.01)), plan([(0, None, 0.1)]), "2026-01", reps=("A", "B"), credits=credits)
    sale = res.lines[res.lines["kind"] == "sale"].set_index("rep_id")
    assert sale["credited_cents"].sum() == 100001
    assert sale.loc["B", "credited_cents"] == 50001        # tied remainders: the later row gets the cent
    overlay = pd.DataFrame({"order_id": ["O1", "O1"], "rep_id": ["A", "B"], "share": [1.0, 0.2]})
    res = run(orders(("O1", "2026-01-05", "A", 1000)), plan([(0, None, 0.1)]), "2026-01", reps=("A", "B"), credits=overlay)
    assert res.lines[res.lines["kind"] == "sale"].set_index("rep_id")["credited_cents"].to_dict() == {"A": 100000, "B": 20000}


def test_clawback_inside_and_outside_the_window_at_the_rate_paid():
    o = orders(("O1", "2026-01-10", "A", 1000), ("R1", "2026-02-05", "A", -400, "returned", "O1"),
               ("R2", "2026-03-20", "A", -100, "returned", "O1"))
    res = run(o, plan([(0, None, 0.05)], clawback_days=30), "2026-03")
    claw = res.lines[res.lines["kind"] == "clawback"].set_index("order_id")
    assert claw.loc["R1", ["period", "commission_cents", "rate_micro", "source_order_id"]].tolist() == ["2026-02", -2000, 50000, "O1"]
    assert claw.loc["R2", "commission_cents"] == 0 and "after the clawback window" in claw.loc["R2", "note"]
    assert total(res, "A", "2026-02", "earned_cents") == -2000


def test_recoverable_draw_over_several_months():
    o = orders(("O1", "2026-01-10", "A", 300), ("O2", "2026-02-10", "A", 2500), ("O3", "2026-03-10", "A", 800))
    res = run(o, plan([(0, None, 0.1)], draw=100, recoverable=True), "2026-03")
    got = [(total(res, "A", p), total(res, "A", p, "owed_after_cents")) for p in ("2026-01", "2026-02", "2026-03")]
    assert got == [(10000, 7000), (18000, 0), (10000, 2000)]
    assert [(int(p * 100), int(b * 100)) for p, b in draw_schedule([30, 250, 80], 100)] == got
    non = run(o, plan([(0, None, 0.1)], draw=100, recoverable=False), "2026-03")
    assert [total(non, "A", p) for p in ("2026-01", "2026-02", "2026-03")] == [10000, 25000, 10000]


def test_plan_version_in_force_on_the_order_date():
    plans = pd.concat([plan([(0, None, 0.05)]), plan([(0, None, 0.08)], effective="2026-07-01")])
    res = run(orders(("O1", "2026-06-30", "A", 1000), ("O2", "2026-07-01", "A", 1000)), plans, "2026-07")
    sale = res.lines[res.lines["kind"] == "sale"].set_index("order_id")
    assert sale.loc["O1", "rate_micro"] == 50000 and sale.loc["O2", "rate_micro"] == 80000


def test_spiffs_champion_and_product():
    spiffs = pd.DataFrame([{"spiff": "Champ", "rule": "champion", "product": None, "amount": 500.0,
                            "effective_from": T("2026-01-01"), "effective_to": None},
                           {"spiff": "Gadget push", "rule": "product", "product": "Gadget", "amount": 25.0,
                            "effective_from": T("2026-01-01"), "effective_to": None}])
    o = orders(("O1", "2026-01-05", "A", 900), ("O2", "2026-01-05", "B", 1200, "booked", None, "Gadget", 3.0))
    q = [("A", "2026-01", 100000), ("B", "2026-01", 100000)]
    res = run(o, plan([(0, None, 0.01)]), "2026-01", reps=("A", "B"), quotas=q, spiffs=spiffs)
    sp = res.lines[res.lines["kind"] == "spiff"]
    assert sp[["rep_id", "commission_cents"]].values.tolist() == [["B", 50000], ["B", 7500]]
    # a product SPIFF's 3 units are no credited amount (the reconciliation showed them as 0.03)
    assert sp["credited_cents"].isna().all()
    assert "units 3.0" in sp["note"].iloc[1]


def test_late_change_to_a_closed_month_becomes_an_adjustment_now():
    o = orders(("O1", "2026-01-10", "A", 1000), ("O2", "2026-02-10", "A", 500))
    p = plan([(0, None, 0.1)])
    jan = run(o, p, "2026-01")
    closed = ClosedBooks(jan.lines[jan.lines["period"] == "2026-01"], jan.summary[jan.summary["period"] == "2026-01"])
    late = pd.concat([o, orders(("O9", "2026-01-20", "A", 200))])   # a January order entered in February
    feb = run(late, p, "2026-02", closed=closed)
    adj = feb.lines[feb.lines["kind"] == "adjustment"]
    assert adj[["period", "source_period", "order_id", "commission_cents"]].values.tolist() == [["2026-02", "2026-01", "O9", 2000]]
    assert total(feb, "A", "2026-01") == total(jan, "A", "2026-01")              # January stands as issued
    assert total(feb, "A", "2026-02", "earned_cents") == 5000 + 2000


def test_money_rounding_matches_decimal_half_up():
    assert rhu_div(5, 10) == 1 and rhu_div(-5, 10) == -1 and rhu_div(4, 10) == 0
    assert apply_rate(12345, 45000) == 556                  # 123.45 x 4.5% = 5.55525 -> 5.56


@settings(max_examples=200, deadline=None)
@given(a=st.integers(0, 10**7), d=st.integers(1, 500),
       rates=st.lists(st.integers(0, 300), min_size=3, max_size=3))
def test_marginal_is_continuous_and_non_decreasing(a, d, rates):
    tiers = [Tier(Decimal(0), Decimal(1000), Decimal(rates[0]) / 1000),
             Tier(Decimal(1000), Decimal(50000), Decimal(rates[1]) / 1000),
             Tier(Decimal(50000), None, Decimal(rates[2]) / 1000)]
    lo, hi = Decimal(a) / 100, Decimal(a + d) / 100
    c_lo, c_hi = commission(lo, tiers), commission(hi, tiers)
    assert c_hi >= c_lo - Decimal("0.02")                   # rounding of up to three bands
    assert c_hi - c_lo <= (hi - lo) * Decimal("0.3") + Decimal("0.03")


@settings(max_examples=60, deadline=None)
@given(amounts=st.lists(st.integers(1, 10**6), min_size=1, max_size=8))
def test_a_100_percent_split_pays_exactly_what_one_rep_would(amounts):
    o = orders(*[(f"O{i}", "2026-01-05", "A", a / 100) for i, a in enumerate(amounts)])
    p = plan(TIERS)
    plain = run(o, p, "2026-01")
    credits = pd.DataFrame({"order_id": o["order_id"], "rep_id": "A", "share": 1.0})
    split = run(o, p, "2026-01", credits=credits)
    assert total(plain, "A", "2026-01") == total(split, "A", "2026-01")
    one = commission(Decimal(sum(amounts)) / 100, [Tier(Decimal(0), Decimal(1000), Decimal("0.05")), Tier(Decimal(1000), None, Decimal("0.1"))])
    assert abs(total(plain, "A", "2026-01") - int(one * 100)) <= len(amounts) + 1  # per-line vs per-band rounding


def test_no_booked_sales_only_a_return_and_empty_orders():
    # a return whose original is outside the data: stated, nothing clawed back, pay is zero
    res = run(orders(("R1", "2026-02-03", "A", -50.0, "returned", "O-OLD")), plan(TIERS), "2026-02")
    claw = res.lines[res.lines["kind"] == "clawback"]
    assert claw["commission_cents"].tolist() == [0] and "not found" in claw["note"].iloc[0]
    assert total(res, "A", "2026-02") == 0
    empty = orders(("X", "2026-02-03", "A", 1.0)).iloc[0:0]
    res = run(empty, plan(TIERS), "2026-02")
    assert res.lines.empty and total(res, "A", "2026-02") == 0


def test_same_day_orders_fill_tiers_in_order_id_order_and_splits_tie_out():
    # three orders on one day, listed out of id order: the tier bound is crossed by O2 (ids order)
    frame = orders(("O3", "2026-03-02", "A", 300), ("O1", "2026-03-02", "A", 600), ("O2", "2026-03-02", "A", 600))
    res = run(frame, plan(TIERS), "2026-03")
    sale = res.lines[res.lines["kind"] == "sale"]
    assert sale["order_id"].tolist() == ["O1", "O2", "O2", "O3"]
    assert sale["credited_cents"].tolist() == [60000, 40000, 20000, 30000]
    assert sale["tier"].tolist() == [1, 1, 2, 2]
    # a three-way split of 100.00 in thirds: 33.33 + 33.33 + 33.34, the extra cent to the later row
    credits = pd.DataFrame({"order_id": ["S1"] * 3, "rep_id": ["A", "B", "C"], "share": [1 / 3] * 3})
    res = run(orders(("S1", "2026-03-05", "A", 100.0)), plan([(0, None, 0.1)]), "2026-03", reps=("A", "B", "C"),
              credits=credits)
    parts = res.lines[res.lines["kind"] == "sale"].set_index("rep_id")["credited_cents"]
    assert parts.to_dict() == {"A": 3333, "B": 3333, "C": 3334} and parts.sum() == 10000


# --- the engine's steps, each alone -------------------------------------------------------

def test_step_tier_parts_marginal_and_retroactive():
    import numpy as np
    from addin.engine.commission import _tier_parts
    BIG = np.iinfo(np.int64).max // 4
    # one month, two sales of 600.00 and 700.00; tiers 0-1,000 and 1,000+ (amount basis, micro-units of money)
    credited = np.array([60000, 70000])
    lo = np.array([[0, 1000 * 10**6]] * 2)
    hi = np.array([[1000 * 10**6, BIG]] * 2)
    starts, month_of, month_sales = np.array([0]), np.array([0, 0]), np.array([130000])
    no = np.array([False, False])
    marginal = _tier_parts(credited, starts, month_of, month_sales, no, no, np.zeros(2, dtype=np.int64), lo, hi)
    assert marginal.tolist() == [[60000, 0], [40000, 30000]]       # the second sale crosses 1,000.00
    retro = _tier_parts(credited, starts, month_of, month_sales, no, ~no, np.zeros(2, dtype=np.int64), lo, hi)
    assert retro.tolist() == [[0, 60000], [0, 70000]]              # the tier the month's total reaches
    # attainment basis: bounds are shares of the quota (100% of 1,000.00 = 100000 cents)
    att = _tier_parts(credited, starts, month_of, month_sales, ~no, no, np.full(2, 100000, dtype=np.int64),
                      np.array([[0, 10**6]] * 2), np.array([[10**6, BIG]] * 2))
    assert att.tolist() == [[60000, 0], [40000, 30000]]


def test_step_gate_and_cap_reverse_what_they_should():
    from addin.engine.commission import _gate_and_cap
    grid = pd.DataFrame({"quota_cents": [100000.0, 100000.0, None], "sales_cents": [50000, 150000, 10],
                         "commission_cents": [5000, 30000, 1], "gate": [0.8, 0.8, 0.5], "cap": [None, 200.0, None]})
    below = _gate_and_cap(grid)
    assert below.tolist() == [True, False, True]          # 50% < 80%; no quota with a gate = below
    assert grid["gate_cents"].tolist() == [-5000, 0, -1]
    assert grid["cap_cents"].tolist() == [0, -10000, 0]   # 300.00 capped at 200.00


def test_step_credit_lines_follow_the_split_and_returns_follow_their_original():
    from addin.engine.commission import _credit_lines, _orders_through
    o = _orders_through(orders(("O1", "2024-01-05", "A", 100.01), ("O2", "2024-01-06", "A", 50),
                               ("R1", "2024-01-20", "A", -100.01, "returned", "O1"),
                               ("O3", "2024-02-01", "A", 1)), "2024-01")
    assert o["order_id"].tolist() == ["O1", "O2", "R1"]                        # February is after the month
    credits = pd.DataFrame({"order_id": ["O1", "O1"], "rep_id": ["A", "B"], "share": [0.5, 0.5]})
    lines = _credit_lines(o, credits)
    assert lines[["order_id", "rep_id", "credited_cents"]].values.tolist() == [
        ["O1", "A", 5000], ["O1", "B", 5001], ["O2", "A", 5000], ["R1", "A", -5000], ["R1", "B", -5001]]
