"""A realistic, deterministic demo sales workbook.

Seasonal sales, a spread of rep skill, new hires ramping up, ~3% returns referencing their
orders, a funnel that drops off stage by stage, Pareto-shaped customer revenue,
satisfaction scores, tiered commission plans, and a Payroll sheet that matches the
computed commissions except for the planted discrepancies in ``PLANTED``.
Everything derives from the seed: the same arguments always give the same workbook.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from addin.engine.forecast import DEFAULT_STAGE_PROBABILITY

FIRST = ["Ava", "Ben", "Chloe", "Dan", "Ella", "Finn", "Grace", "Hugo", "Isla", "Jack", "Kara", "Liam", "Maya",
         "Noah", "Olivia", "Paul", "Quinn", "Rosa", "Sam", "Tara", "Uma", "Victor", "Wendy", "Xavier", "Yara", "Zane",
         "Amir", "Bea", "Carlos", "Dina", "Emil", "Fatima", "Goran", "Hana", "Ivan", "Jia", "Kofi", "Lena", "Mateo",
         "Nadia"]
LAST = ["Adams", "Baker", "Chen", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen", "Kowalski",
        "Lopez", "Meyer", "Nakamura", "Okafor", "Patel", "Quist", "Rossi", "Schmidt", "Tanaka", "Ueda", "Varga",
        "Weber", "Xu", "Young", "Zhang", "Novak", "Silva", "Moreau", "Larsen"]
TEAM_NAMES = ["North", "South", "East", "West", "Central", "Coastal", "Metro", "Valley", "Harbor", "Summit"]
COMPANY_A = ["Acme", "Blue", "Cedar", "Delta", "Evergreen", "Falcon", "Granite", "Harbor", "Iron", "Juniper",
             "Keystone", "Lumen", "Maple", "Nova", "Orbit", "Pioneer", "Quartz", "River", "Summit", "Titan"]
COMPANY_B = ["Foods", "Logistics", "Clinics", "Retail", "Labs", "Builders", "Hotels", "Motors", "Textiles",
             "Energy", "Systems", "Farms", "Pharma", "Media", "Outfitters"]
PRODUCTS = [("Starter Kit", 49.0), ("Standard License", 120.0), ("Pro License", 450.0), ("Analytics Suite", 980.0),
            ("Enterprise Bundle", 2400.0), ("Support Pack", 75.0), ("Training Day", 300.0), ("Integration", 1500.0)]
PRODUCT_MIX = np.array([0.18, 0.22, 0.18, 0.1, 0.05, 0.15, 0.07, 0.05])
SEASONALITY = [0.80, 0.85, 1.00, 0.95, 1.00, 1.05, 0.90, 0.80, 1.05, 1.10, 1.15, 1.35]
RAMP = (0.1, 0.3, 0.55, 0.8)  # share of full productivity in months 0..3 after hire
DEFAULT_END = "2026-10"
LINES_PER_REP_MONTH = 22.0


@dataclass(frozen=True)
class Planted:
    rep_index: int          # which rep (by position) gets the discrepancy
    kind: str               # underpaid | overpaid | missing | unknown
    delta: str              # Decimal text added to the computed amount
    note: str


# The deliberate payroll discrepancies, all in the latest month, documented in docs/demo.md.
PLANTED = (
    Planted(2, "underpaid", "-125.00", "payroll missed part of a tier"),
    Planted(5, "overpaid", "310.50", "a SPIFF paid twice"),
    Planted(9, "underpaid", "-0.01", "a rounding slip of one cent"),
    Planted(13, "missing", "0", "the rep is missing from the payroll run"),
    Planted(17, "overpaid", "1000.00", "a manual adjustment keyed twice"),
    Planted(-1, "unknown", "800.00", "payroll paid a rep id that is not in Reps (R9999)"),
)


def month_starts(end: str, months: int) -> pd.DatetimeIndex:
    last = pd.Period(end, "M")
    return pd.period_range(last - months + 1, last, freq="M").to_timestamp()


@dataclass(frozen=True)
class _Reps:
    """The generated reps as arrays (index = rep number) beside their sheet."""
    frame: pd.DataFrame
    ids: np.ndarray
    hire: pd.DatetimeIndex
    capacity: np.ndarray
    skill: np.ndarray


@dataclass(frozen=True)
class _Lines:
    """The generated booked and cancelled order lines as arrays, before returns."""
    rep: np.ndarray
    customer: np.ndarray
    product: np.ndarray
    quantity: np.ndarray
    amount: np.ndarray
    cost: np.ndarray
    status: np.ndarray
    dates: np.ndarray
    ids: np.ndarray


def generate(reps: int = 40, teams: int = 5, months: int = 24, seed: int = 7, end: str = DEFAULT_END) -> dict[str, pd.DataFrame]:
    """All data sheets except Payroll (which needs the commission engine): name -> frame."""
    if reps < teams:
        raise ValueError("need at least one rep per team")
    rng = np.random.default_rng(seed)
    starts = month_starts(end, months)
    period_start = starts[0]
    period_end = (starts[-1] + pd.offsets.MonthEnd(0))
    teams_df = _teams(rng, teams)
    team_names = teams_df["team"].tolist()
    r = _reps(rng, reps, team_names, months, period_start)
    per_rep = 20
    customers_df, size = _customers(rng, r.ids, team_names, per_rep, period_start)
    ramp = _ramp(starts, r.hire)
    lam = LINES_PER_REP_MONTH * r.capacity[:, None] * ramp * np.array(SEASONALITY)[starts.month.to_numpy() - 1][None, :] \
        * np.sqrt(r.skill)[:, None]
    counts = rng.poisson(lam)
    busdays = [d[np.is_busday(d)] for d in [np.arange(np.datetime64(s.date()), np.datetime64((s + pd.offsets.MonthEnd(0)).date()) + 1)
                                            for s in starts]]
    lines = _order_lines(rng, r, counts, busdays, size, per_rep)
    orders_df = _orders_with_returns(rng, lines, r.ids, customers_df["customer_id"].to_numpy(), period_end)
    credits_df = _split_credits(rng, lines, r.ids, teams)
    cust_ids = customers_df["customer_id"].to_numpy()
    opps_df = _opportunities(rng, r.ids, starts, counts, cust_ids, per_rep, r.skill, period_end)
    activities_df = _activities(rng, r.ids, starts, busdays, cust_ids, per_rep, r.capacity, ramp, r.skill)
    satisfaction_df = _satisfaction(rng, r.ids, starts, busdays, cust_ids, per_rep, r.skill, counts)

    hired = r.frame.set_index("rep_id")["hire_date"]
    opps_df = opps_df[opps_df["created"] >= opps_df["rep_id"].map(hired)].reset_index(drop=True)
    opps_df["opp_id"] = [f"P{i + 1:07d}" for i in range(len(opps_df))]
    opps_df = _forecast_columns(np.random.default_rng((seed, 29)), opps_df, period_end)
    activities_df = activities_df[activities_df["date"] >= activities_df["rep_id"].map(hired)].reset_index(drop=True)
    satisfaction_df = satisfaction_df[satisfaction_df["date"] >= satisfaction_df["rep_id"].map(hired)].reset_index(drop=True)
    history_df = _opportunity_history(opps_df, period_end, seed)
    return {"Reps": r.frame, "Teams": teams_df, "Customers": customers_df, "Orders": orders_df,
            "OrderCredits": credits_df, "Opportunities": opps_df, "OpportunityHistory": history_df,
            "Activities": activities_df,
            "Satisfaction": satisfaction_df, "Targets": _targets(r, float(np.mean(lines.amount)), sorted(set(starts.year))),
            "Seasonality": pd.DataFrame({"month": range(1, 13), "weight": SEASONALITY}),
            "KPIs": _kpis(), "Plans": _plans((period_start + pd.DateOffset(months=months // 2)).normalize()),
            "Spiffs": _spiffs(period_start)}


def _teams(rng, teams: int) -> pd.DataFrame:
    team_names = [TEAM_NAMES[i] if i < len(TEAM_NAMES) else f"Team {i + 1:02d}" for i in range(teams)]
    mfirst = rng.choice(FIRST, teams)
    mlast = rng.choice(LAST, teams)
    return pd.DataFrame({
        "team": team_names,
        "manager": [f"{a} {b}" for a, b in zip(mfirst, mlast)],
        "manager_email": [f"{a.lower()}.{b.lower()}.mgr{i + 1}@example.com" for i, (a, b) in enumerate(zip(mfirst, mlast))],
        "region": [f"{t} region" for t in team_names],
    })


def _reps(rng, reps: int, team_names: list[str], months: int, period_start: pd.Timestamp) -> _Reps:
    ids = np.array([f"R{i + 1:04d}" for i in range(reps)])
    first = rng.choice(FIRST, reps)
    last = rng.choice(LAST, reps)
    new_hire = rng.random(reps) < 0.15
    new_hire[1] = True  # always at least one hire ramping up inside the period
    hire_offset_days = np.where(new_hire, rng.integers(0, months * 30 - 60, reps), -rng.integers(120, 2900, reps))
    hire = (period_start + pd.to_timedelta(hire_offset_days, unit="D")).normalize()
    capacity = rng.choice([1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.8, 0.5], reps)
    plan = np.where(rng.random(reps) < 0.2, "SENIOR", "STD")
    skill = np.exp(rng.normal(0, 0.3, reps))
    teams = len(team_names)
    frame = pd.DataFrame({
        "rep_id": ids, "name": [f"{a} {b}" for a, b in zip(first, last)],
        "email": [f"{a.lower()}.{b.lower()}{i + 1}@example.com" for i, (a, b) in enumerate(zip(first, last))],
        "team": [team_names[i % teams] for i in range(reps)], "hire_date": hire, "capacity": capacity,
        "plan_id": plan, "active": True,
    })
    return _Reps(frame, ids, hire, capacity, skill)


def _customers(rng, ids: np.ndarray, team_names: list[str], per_rep: int, period_start: pd.Timestamp):
    """Customers: ``per_rep`` per rep, Pareto-shaped size (returned beside the sheet)."""
    reps, teams = len(ids), len(team_names)
    n_cust = reps * per_rep
    owner = np.repeat(np.arange(reps), per_rep)
    size = rng.pareto(1.16, n_cust) + 1.0
    cust_created = (period_start - pd.to_timedelta(rng.integers(30, 2000, n_cust), unit="D")).normalize()
    frame = pd.DataFrame({
        "customer_id": np.array([f"C{i + 1:06d}" for i in range(n_cust)]),
        "name": [f"{COMPANY_A[a]} {COMPANY_B[b]} {i + 1}" for i, (a, b) in
                 enumerate(zip(rng.integers(0, len(COMPANY_A), n_cust), rng.integers(0, len(COMPANY_B), n_cust)))],
        "region": [f"{team_names[r % teams]} region" for r in owner],
        "owner_rep_id": ids[owner], "created": cust_created,
    })
    return frame, size


def _ramp(starts: pd.DatetimeIndex, hire: pd.DatetimeIndex) -> np.ndarray:
    """Each rep's ramp factor per month (0 before the hire month)."""
    months_since_hire = ((starts.year.to_numpy()[None, :] - hire.year.to_numpy()[:, None]) * 12
                         + starts.month.to_numpy()[None, :] - hire.month.to_numpy()[:, None])
    return np.where(months_since_hire < 0, 0.0,
                    np.where(months_since_hire < len(RAMP), np.array(RAMP + (1.0,))[np.clip(months_since_hire, 0, len(RAMP))], 1.0))


def _order_lines(rng, r: _Reps, counts: np.ndarray, busdays, size: np.ndarray, per_rep: int) -> _Lines:
    """Poisson lines per rep-month (seasonal, ramped, skill-weighted), none before a hire date."""
    reps, months = counts.shape
    rep_of_line = np.repeat(np.repeat(np.arange(reps), months), counts.ravel())
    month_of_line = np.repeat(np.tile(np.arange(months), reps), counts.ravel())
    order_dates = _working_days_in(rng, busdays, month_of_line)
    hire_day = r.hire.to_numpy().astype("datetime64[D]")
    employed = order_dates >= hire_day[rep_of_line]   # nothing before the hire date itself
    rep_of_line, order_dates = rep_of_line[employed], order_dates[employed]
    n = len(rep_of_line)
    # a rep's customer, Pareto-weighted within the rep's book
    w = size.reshape(reps, per_rep)
    cum = np.cumsum(w, axis=1) / w.sum(axis=1, keepdims=True)
    u = rng.random(n)
    pick = (cum[rep_of_line] < u[:, None]).sum(axis=1)
    cust_of_line = rep_of_line * per_rep + np.minimum(pick, per_rep - 1)
    prod = rng.choice(len(PRODUCTS), n, p=PRODUCT_MIX)
    price = np.array([p for _, p in PRODUCTS])[prod]
    qty = 1 + rng.poisson(np.clip(np.log1p(size[cust_of_line]), 0.2, 6.0) * r.skill[rep_of_line] ** 0.5)
    discount = rng.choice([0.0, 0.0, 0.05, 0.1], n)
    amount = np.round(price * qty * (1 - discount), 2)
    cost = np.round(amount * rng.uniform(0.5, 0.75, n), 2)
    status = np.where(rng.random(n) < 0.01, "cancelled", "booked")
    order_sort = np.lexsort((rep_of_line, order_dates))
    return _Lines(rep_of_line[order_sort], cust_of_line[order_sort], prod[order_sort], qty[order_sort],
                  amount[order_sort], cost[order_sort], status[order_sort], order_dates[order_sort],
                  np.array([f"O{i + 1:07d}" for i in range(n)]))


def _orders_with_returns(rng, x: _Lines, ids: np.ndarray, cust_ids: np.ndarray, period_end) -> pd.DataFrame:
    """The Orders sheet: the lines plus returns of ~3% of booked lines, 2..120 days later,
    inside the data period."""
    n = len(x.ids)
    booked = np.flatnonzero(x.status == "booked")
    ret_src = booked[rng.random(len(booked)) < 0.031]
    ret_date = x.dates[ret_src] + rng.integers(2, 120, len(ret_src)).astype("timedelta64[D]")
    keep = ret_date <= np.datetime64(period_end.date())
    ret_src, ret_date = ret_src[keep], ret_date[keep]
    full = rng.random(len(ret_src)) < 0.7
    ret_qty = np.where(full, x.quantity[ret_src], np.maximum(1, x.quantity[ret_src] // 2))
    ret_amount = -np.round(x.amount[ret_src] * ret_qty / x.quantity[ret_src], 2)
    ret_cost = -np.round(x.cost[ret_src] * ret_qty / x.quantity[ret_src], 2)
    ret_ids = np.array([f"O{n + i + 1:07d}" for i in range(len(ret_src))])
    product_names = np.array([p for p, _ in PRODUCTS])
    orders_df = pd.DataFrame({
        "order_id": np.concatenate([x.ids, ret_ids]),
        "order_date": pd.to_datetime(np.concatenate([x.dates, ret_date])),
        "rep_id": ids[np.concatenate([x.rep, x.rep[ret_src]])],
        "customer_id": cust_ids[np.concatenate([x.customer, x.customer[ret_src]])],
        "product": product_names[np.concatenate([x.product, x.product[ret_src]])],
        "quantity": np.concatenate([x.quantity, -ret_qty]).astype(float),
        "amount": np.concatenate([x.amount, ret_amount]),
        "cost": np.concatenate([x.cost, ret_cost]),
        "status": np.concatenate([x.status, np.full(len(ret_src), "returned")]),
        "original_order_id": np.concatenate([np.full(n, None, dtype=object), x.ids[ret_src]]),
    })
    return orders_df.sort_values(["order_date", "order_id"], kind="stable").reset_index(drop=True)


def _split_credits(rng, x: _Lines, ids: np.ndarray, teams: int) -> pd.DataFrame:
    """Split credit: ~2% of booked lines shared with a teammate."""
    reps = len(ids)
    booked = np.flatnonzero(x.status == "booked")
    split_src = booked[rng.random(len(booked)) < 0.02]
    team_of = np.arange(reps) % teams
    mate = (x.rep[split_src] + teams) % reps
    same_team = team_of[mate] == team_of[x.rep[split_src]]
    split_src, mate = split_src[same_team], mate[same_team]
    share = rng.choice([0.5, 0.6, 0.7], len(split_src))
    return pd.DataFrame({
        "order_id": np.concatenate([x.ids[split_src], x.ids[split_src]]),
        "rep_id": np.concatenate([ids[x.rep[split_src]], ids[mate]]),
        "share": np.concatenate([share, np.round(1 - share, 2)]),
    }).sort_values(["order_id", "rep_id"]).reset_index(drop=True)


def _targets(r: _Reps, mean_line: float, years: list[int]) -> pd.DataFrame:
    """Targets: full-capacity expectation, +5%, rounded to 1,000, per calendar year in range;
    a team's target is the sum of its reps'."""
    reps = len(r.ids)
    rep_annual = np.round(LINES_PER_REP_MONTH * 12 * mean_line * r.capacity * 1.05 / 1000) * 1000
    rep_targets = pd.DataFrame({"level": "rep", "key": np.repeat(r.ids, len(years)),
                                "year": np.tile(years, reps), "annual_target": np.repeat(rep_annual, len(years))})
    team_sum = pd.Series(rep_annual).groupby(r.frame["team"].to_numpy()).sum()
    team_targets = pd.DataFrame({"level": "team", "key": np.repeat(team_sum.index.to_numpy(), len(years)),
                                 "year": np.tile(years, len(team_sum)),
                                 "annual_target": np.repeat(team_sum.to_numpy(), len(years))})
    return pd.concat([team_targets, rep_targets], ignore_index=True)


def _kpis() -> pd.DataFrame:
    return pd.DataFrame([
        ("sales", 40, "higher", 1.5, None, 1.0, 0.85),
        ("margin_pct", 10, "higher", 1.2, 0.32, 1.0, 0.9),
        ("activities", 15, "higher", 1.2, 14, 1.0, 0.8),
        ("win_rate", 15, "higher", 1.3, 0.25, 1.0, 0.85),
        ("cycle_days", 10, "lower", 1.3, 40, 1.0, 0.85),
        ("satisfaction", 10, "higher", 1.2, 4.2, 1.0, 0.9),
    ], columns=["kpi", "weight", "direction", "cap", "target", "green", "amber"])


def _plans(change: pd.Timestamp) -> pd.DataFrame:
    plans_df = pd.DataFrame([
        # STD v1: marginal on attainment, accelerator above 100%
        ("STD", "2015-01-01", 0.0, 0.5, 0.02, "marginal", "attainment", 15000, 0.4, 500, True, 90),
        ("STD", "2015-01-01", 0.5, 1.0, 0.04, "marginal", "attainment", 15000, 0.4, 500, True, 90),
        ("STD", "2015-01-01", 1.0, 1.5, 0.07, "marginal", "attainment", 15000, 0.4, 500, True, 90),
        ("STD", "2015-01-01", 1.5, None, 0.09, "marginal", "attainment", 15000, 0.4, 500, True, 90),
        # STD v2 from mid-period: a richer accelerator
        ("STD", change, 0.0, 0.5, 0.02, "marginal", "attainment", 15000, 0.4, 500, True, 90),
        ("STD", change, 0.5, 1.0, 0.04, "marginal", "attainment", 15000, 0.4, 500, True, 90),
        ("STD", change, 1.0, 1.5, 0.08, "marginal", "attainment", 15000, 0.4, 500, True, 90),
        ("STD", change, 1.5, None, 0.10, "marginal", "attainment", 15000, 0.4, 500, True, 90),
        # SENIOR: retroactive on the month's amount
        ("SENIOR", "2015-01-01", 0.0, 20000, 0.03, "retroactive", "amount", 10000, None, None, None, 60),
        ("SENIOR", "2015-01-01", 20000, 50000, 0.05, "retroactive", "amount", 10000, None, None, None, 60),
        ("SENIOR", "2015-01-01", 50000, None, 0.06, "retroactive", "amount", 10000, None, None, None, 60),
    ], columns=["plan_id", "effective_from", "lower", "upper", "rate", "method", "basis", "cap", "gate", "draw",
                "draw_recoverable", "clawback_days"])
    plans_df["effective_from"] = pd.to_datetime(plans_df["effective_from"])
    return plans_df


def _spiffs(period_start: pd.Timestamp) -> pd.DataFrame:
    return pd.DataFrame([
        ("Team champion", "champion", None, 500.0, period_start, None),
        ("Analytics push", "product", "Analytics Suite", 25.0, period_start, None),
    ], columns=["spiff", "rule", "product", "amount", "effective_from", "effective_to"])


def _working_days_in(rng, busdays: list[np.ndarray], month: np.ndarray) -> np.ndarray:
    """A random working day of each entry's month (``busdays[m]`` lists month m's working days)."""
    nbus = np.array([len(d) for d in busdays])
    offsets = np.concatenate([[0], np.cumsum(nbus)[:-1]])
    pick = (rng.random(len(month)) * nbus[month]).astype(int)
    return np.concatenate(busdays)[offsets[month] + pick]


STAGE_ADVANCE = (0.8, 0.75, 0.8, 0.8, 0.6)  # lead->qualified->demo->quote->negotiation->won
OPEN_STAGES = ("lead", "qualified", "demo", "quote", "negotiation")


def _opportunities(rng, ids, starts, counts, cust_ids, per_rep, skill, period_end) -> pd.DataFrame:
    reps, months = counts.shape
    n_opps = rng.poisson(np.maximum(counts / 3.0, 0.3))
    rep = np.repeat(np.repeat(np.arange(reps), months), n_opps.ravel())
    month = np.repeat(np.tile(np.arange(months), reps), n_opps.ravel())
    n = len(rep)
    created = starts.to_numpy().astype("datetime64[D]")[month] + rng.integers(0, 28, n).astype("timedelta64[D]")
    reached = np.zeros(n, dtype=int)
    alive = np.ones(n, dtype=bool)
    for step, p in enumerate(STAGE_ADVANCE):
        p_adj = np.clip(p * skill[rep] ** 0.3, 0, 0.95)
        go = alive & (rng.random(n) < p_adj)
        reached[go] = step + 1
        alive = go
    won = reached == 5
    cycle = np.maximum(3, rng.lognormal(np.log(30), 0.5, n)).astype(int)
    decided = created + cycle.astype("timedelta64[D]")
    end = np.datetime64(period_end.date())
    closed_in_range = decided <= end
    stage = np.where(won, "won", np.array(OPEN_STAGES)[np.minimum(reached, 4)])
    lost = ~won & closed_in_range & (rng.random(n) < 0.85)
    stage = np.where(won & ~closed_in_range, np.array(OPEN_STAGES)[4], stage)
    stage = np.where(lost, "lost", stage)
    closed = np.where(np.isin(stage, ["won", "lost"]), decided, np.datetime64("NaT"))
    lost_stage = np.where(lost, np.array(OPEN_STAGES)[np.minimum(reached, 4)], None)
    amount = np.round(rng.lognormal(np.log(4000), 0.8, n), 2)
    order = np.lexsort((rep, created))
    return pd.DataFrame({
        "opp_id": [f"P{i + 1:07d}" for i in range(n)],
        "rep_id": ids[rep[order]],
        "customer_id": cust_ids[rep[order] * per_rep + rng.integers(0, per_rep, n)],
        "stage": stage[order], "created": pd.to_datetime(created[order]), "closed": pd.to_datetime(closed[order]),
        "amount": amount[order], "lost_stage": lost_stage[order],
    })


HISTORY_MONTHS = 4       # the OpportunityHistory export covers the deals created in the last four months
MOVED_BACK = 0.12        # share of those deals (past demo) moved back a stage once, then on again


def _opportunity_history(opps: pd.DataFrame, period_end: pd.Timestamp, seed: int) -> pd.DataFrame:
    """The deals' history as a CRM exports it: a row per stage each deal reached, from lead on the
    day it was created, spread over its life, to won or lost on its close date; some deals dip back a
    stage and recover. Its own random stream (the other sheets are as without it); vectorized."""
    rng = np.random.default_rng([seed, 28])
    recent = opps[opps["created"] > period_end - pd.DateOffset(months=HISTORY_MONTHS)]
    stage = recent["stage"].to_numpy()
    rank = {s: i for i, s in enumerate(OPEN_STAGES)}
    closed = np.isin(stage, ["won", "lost"])
    top = np.where(stage == "won", len(OPEN_STAGES) - 1,
                   pd.Series(np.where(stage == "lost", recent["lost_stage"].to_numpy(), stage)).map(rank)
                   .fillna(0).to_numpy(dtype=int))
    dip = (top >= 2) & (rng.random(len(recent)) < MOVED_BACK)
    rows = top + 1 + 2 * dip + closed
    opp = np.repeat(np.arange(len(recent)), rows)
    j = np.arange(len(opp)) - np.repeat(np.cumsum(rows) - rows, rows)
    t, d = top[opp], dip[opp]
    step = np.where(j <= t, j, np.where(d & (j == t + 1), t - 1, np.where(d & (j == t + 2), t, -1)))
    names = np.where(step >= 0, np.array(OPEN_STAGES)[np.maximum(step, 0)], stage[opp])
    created = recent["created"].to_numpy().astype("datetime64[D]")
    end = np.where(closed, recent["closed"].to_numpy().astype("datetime64[D]"), np.datetime64(period_end.date()))
    span = (end - created).astype(int) * np.where(closed, 1.0, rng.uniform(0.4, 1.0, len(recent)))
    share = j / np.maximum(rows[opp] - 1, 1)
    dates = created[opp] + np.floor(share * span[opp]).astype(int).astype("timedelta64[D]")
    return pd.DataFrame({"opp_id": recent["opp_id"].to_numpy()[opp], "date": pd.to_datetime(dates), "stage": names,
                         "amount": recent["amount"].to_numpy()[opp]})
FORECAST_OWN_PROBABILITY = 0.25   # share of open deals whose rep set a probability of their own
UNPRICED_LEADS = 0.05             # share of open leads without an amount yet


def _forecast_columns(rng, opps: pd.DataFrame, period_end: pd.Timestamp) -> pd.DataFrame:
    """expected_close and probability, from a generator of their own (the other sheets' draws
    stay as they were). A closed deal's expected close is near the day it closed (the rep's
    last estimate); an open deal's is its created day plus a planned cycle, moved past the data's
    end by most reps when it passes, left slipped by the rest (and by every stalled deal). A
    quarter of the open deals carry a probability of their own near their stage's default."""
    n = len(opps)
    created = opps["created"].to_numpy(dtype="datetime64[D]")
    closed = opps["closed"].to_numpy(dtype="datetime64[D]")
    planned = created + np.maximum(5, rng.lognormal(np.log(35), 0.5, n)).astype(int).astype("timedelta64[D]")
    end = np.datetime64(period_end.date())
    is_open = ~np.isin(opps["stage"].to_numpy(dtype=object), ["won", "lost"])
    moved = is_open & (planned <= end) & (created > end - np.timedelta64(60, "D")) & (rng.random(n) < 0.75)
    planned = np.where(moved, end + rng.integers(1, 75, n).astype("timedelta64[D]"), planned)
    estimate = closed + np.round(rng.normal(0, 6, n)).astype(int).astype("timedelta64[D]")
    expected = np.where(is_open, planned, np.maximum(estimate, created))
    default = opps["stage"].map(DEFAULT_STAGE_PROBABILITY).to_numpy(dtype=float)
    own = np.clip(np.round((default + rng.uniform(-0.15, 0.15, n)) * 20) / 20, 0.05, 0.95)
    unpriced = is_open & (opps["stage"].to_numpy(dtype=object) == "lead") & (rng.random(n) < UNPRICED_LEADS)
    return opps.assign(amount=np.where(unpriced, np.nan, opps["amount"].to_numpy(dtype=float)),
                       expected_close=pd.to_datetime(expected),
                       probability=np.where(is_open & (rng.random(n) < FORECAST_OWN_PROBABILITY), own, np.nan))


ACTIVITY_MIX = (("call", 0.5), ("email", 0.2), ("visit", 0.15), ("demo", 0.1), ("quote", 0.05))
OUTCOMES = ("connected", "left message", "meeting booked", "follow-up", "no answer")


def _activities(rng, ids, starts, busdays, cust_ids, per_rep, capacity, ramp, skill) -> pd.DataFrame:
    reps, months = ramp.shape
    lam = 14 * capacity[:, None] * np.maximum(ramp, 0.5) * skill[:, None] ** 0.3
    lam = np.where(ramp > 0, lam, 0)
    n_act = rng.poisson(lam)
    rep = np.repeat(np.repeat(np.arange(reps), months), n_act.ravel())
    month = np.repeat(np.tile(np.arange(months), reps), n_act.ravel())
    n = len(rep)
    day = _working_days_in(rng, busdays, month)
    kinds = np.array([k for k, _ in ACTIVITY_MIX])
    kind = kinds[rng.choice(len(kinds), n, p=[p for _, p in ACTIVITY_MIX])]
    order = np.lexsort((rep, day))
    return pd.DataFrame({
        "date": pd.to_datetime(day[order]), "rep_id": ids[rep[order]],
        "customer_id": cust_ids[rep[order] * per_rep + rng.integers(0, per_rep, n)],
        "type": kind[order], "outcome": np.array(OUTCOMES)[rng.integers(0, len(OUTCOMES), n)],
    })


def _satisfaction(rng, ids, starts, busdays, cust_ids, per_rep, skill, counts) -> pd.DataFrame:
    reps, months = counts.shape
    n_s = rng.poisson(np.where(counts > 0, 1.5, 0))
    rep = np.repeat(np.repeat(np.arange(reps), months), n_s.ravel())
    month = np.repeat(np.tile(np.arange(months), reps), n_s.ravel())
    n = len(rep)
    day = _working_days_in(rng, busdays, month)
    score = np.clip(np.round(rng.normal(3.6 + 0.8 * np.log(skill[rep]) + 0.3, 0.9)), 1, 5).astype(int)
    order = np.lexsort((rep, day))
    return pd.DataFrame({"date": pd.to_datetime(day[order]), "customer_id": cust_ids[rep[order] * per_rep + rng.integers(0, per_rep, n)],
                         "rep_id": ids[rep[order]], "score": score[order]})


def payroll(frames: dict[str, pd.DataFrame], end: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Payroll as paid: computed payouts for every month, with ``PLANTED`` discrepancies in
    ``end``. Returns (payroll sheet, the planted list with rep ids and expected status)."""
    from addin.engine.commission import compute

    from .engine_args import commission_inputs, rep_quotas

    quotas = rep_quotas(frames, sorted(frames["Targets"]["year"].unique()))
    result = compute(commission_inputs(frames, quotas), end)
    paid = result.summary[["rep_id", "period", "paid_cents"]].copy()
    rep_ids = frames["Reps"]["rep_id"].tolist()
    planted_rows = []
    taken: set[str] = set()
    for p in PLANTED:
        if p.kind == "unknown":
            rep = "R9999"
            paid = pd.concat([paid, pd.DataFrame({"rep_id": [rep], "period": [end],
                                                  "paid_cents": [int(float(p.delta) * 100)]})], ignore_index=True)
        else:
            i = p.rep_index % len(rep_ids)
            while rep_ids[i] in taken:   # small workbooks: one discrepancy per rep
                i = (i + 1) % len(rep_ids)
            rep = rep_ids[i]
            taken.add(rep)
            sel = (paid["rep_id"] == rep) & (paid["period"] == end)
            if p.kind == "missing":
                paid = paid[~sel]
            else:
                paid.loc[sel, "paid_cents"] += int(round(float(p.delta) * 100))
        planted_rows.append({"rep_id": rep, "period": end, "status": "missing in payroll" if p.kind == "missing"
                             else "unknown rep" if p.kind == "unknown" else p.kind, "delta": p.delta, "note": p.note})
    sheet = pd.DataFrame({"rep_id": paid["rep_id"], "period": paid["period"],
                          "paid_commission": paid["paid_cents"] / 100}).sort_values(["period", "rep_id"])
    return sheet.reset_index(drop=True), pd.DataFrame(planted_rows)


def build(reps: int = 40, teams: int = 5, months: int = 24, seed: int = 7, end: str = DEFAULT_END) -> dict[str, pd.DataFrame]:
    """Every sheet of the demo workbook, Payroll included."""
    frames = generate(reps=reps, teams=teams, months=months, seed=seed, end=end)
    frames["Payroll"], _ = payroll(frames, end)
    return frames
