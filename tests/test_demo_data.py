"""The demo data behaves like a real sales book."""
from __future__ import annotations

import numpy as np
import pandas as pd

from workbooks import demo


def test_returns_reference_booked_orders_and_are_about_three_percent(demo_frames):
    o = demo_frames["Orders"]
    booked = o[o["status"] == "booked"]
    returns = o[o["status"] == "returned"]
    assert 0.015 < len(returns) / len(booked) < 0.045
    assert returns["original_order_id"].isin(booked["order_id"]).all()
    assert (returns["amount"] < 0).all() and (returns["quantity"] < 0).all()


def test_funnel_drops_off_and_customer_revenue_is_pareto_shaped(demo_frames):
    stages = demo_frames["Opportunities"]["stage"].value_counts()
    assert stages["won"] < stages["lost"]
    o = demo_frames["Orders"]
    revenue = o[o["status"] == "booked"].groupby("customer_id")["amount"].sum().sort_values(ascending=False)
    top20 = revenue.iloc[: max(1, len(revenue) // 5)].sum() / revenue.sum()
    assert top20 > 0.5


def test_new_hires_ramp_up(demo_frames):
    reps, o = demo_frames["Reps"].set_index("rep_id"), demo_frames["Orders"]
    hire = reps.loc["R0002", "hire_date"]
    assert hire > o["order_date"].min()
    mine = o[(o["rep_id"] == "R0002") & (o["status"] == "booked")]
    assert mine["order_date"].min() >= hire
    months_in = (mine["order_date"].dt.year - hire.year) * 12 + mine["order_date"].dt.month - hire.month
    per_month = months_in.value_counts()
    early = per_month.reindex([0, 1], fill_value=0).mean()
    late = per_month[per_month.index >= 4].mean()
    assert early < 0.6 * late


def test_payroll_matches_computed_pay_except_the_planted_discrepancies(demo_frames):
    payroll, planted = demo.payroll({k: v for k, v in demo_frames.items() if k != "Payroll"}, "2026-10")
    assert len(planted) == len(demo.PLANTED)
    pd.testing.assert_frame_equal(payroll, demo_frames["Payroll"])
    assert "R9999" in set(payroll["rep_id"])
    assert np.isclose(payroll["paid_commission"] * 100, np.round(payroll["paid_commission"] * 100)).all()
