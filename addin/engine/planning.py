"""Target planning: phasing an annual target over months, quarters and ISO weeks, the
ramp of new hires, and allocating a team total across reps. Every split is exact."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Sequence

import numpy as np
import pandas as pd

from .calendar import holiday_array, next_month, working_days
from .errors import InputError
from .rounding import split_exact, split_exact_array, to_decimal

GRAINS = ("month", "quarter", "week")
DEFAULT_RAMP = (0.0, 0.25, 0.5, 0.75)  # shares for full months 1..4 after hire; 1.0 after


def month_weights(year: int, seasonality: Sequence | None, holidays=None) -> list:
    if seasonality is not None and len(seasonality) > 0:
        if len(seasonality) != 12:
            raise InputError("seasonality", f"expected 12 monthly weights, got {len(seasonality)}")
        return list(seasonality)
    hol = holiday_array(holidays)
    return [int(working_days(dt.date(year, m, 1), next_month(dt.date(year, m, 1)), hol)) for m in range(1, 13)]


def phase(annual, year: int, seasonality: Sequence | None = None, grain: str = "month", holidays=None,
          decimals: int = 0) -> list[tuple[str, Decimal]]:
    """(period label, target) rows that sum exactly to ``annual``.

    month: 12 rows by seasonality weights (default: each month's working days).
    quarter: the sums of the exact monthly split, so quarters and months agree.
    week: each month's target spread over its working days; an ISO week straddling two
    months takes its working days' share from both.
    """
    if grain not in GRAINS:
        raise InputError("grain", "grain must be month, quarter or week", value=grain)
    if not 1900 <= int(year) <= 9999 or int(year) != year:
        raise InputError("year", "expected a year such as 2026", value=year)
    year = int(year)
    monthly = split_exact(annual, month_weights(year, seasonality, holidays), decimals, argument="seasonality")
    if grain == "month":
        return [(f"{year}-{m:02d}", v) for m, v in enumerate(monthly, start=1)]
    if grain == "quarter":
        return [(f"{year}-Q{q}", sum(monthly[3 * (q - 1):3 * q], Decimal(0))) for q in range(1, 5)]
    hol = holiday_array(holidays)
    weeks: dict[str, Decimal] = {}
    for m, target in enumerate(monthly, start=1):
        days = np.arange(np.datetime64(dt.date(year, m, 1)), np.datetime64(next_month(dt.date(year, m, 1))))
        days = days[np.is_busday(days, holidays=hol)]
        labels = [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in days.astype(object)]
        order = list(dict.fromkeys(labels))
        counts = [labels.count(w) for w in order]
        for w in order:
            weeks.setdefault(w, Decimal(0))
        if target == 0:
            continue
        for w, part in zip(order, split_exact(target, counts, decimals)):
            weeks[w] += part
    return list(weeks.items())


def ramp_share(hire_date: dt.date, period_start: dt.date, schedule: Sequence[float] | None = None) -> float:
    """Share of a full target a hire carries in the month starting ``period_start``.

    Full months after hire count from the first month that starts after the hire date
    (a hire on the 1st makes that month full month 1). Default schedule: 0%, 25%, 50%,
    75% for full months 1-4, 100% after; the month of hire itself carries 0.
    """
    shares = list(DEFAULT_RAMP if schedule is None else schedule)
    for i, s in enumerate(shares):
        if s < 0 or s > 1:
            raise InputError("schedule", "ramp shares must be from 0 to 1", value=s, row=i + 1)
    month = (period_start.year - hire_date.year) * 12 + period_start.month - hire_date.month
    full_month = month + (1 if hire_date.day == 1 else 0)   # 1 = first full month after hire
    if full_month <= 0:
        return 0.0
    return float(shares[full_month - 1]) if full_month <= len(shares) else 1.0


def ramp_shares(hire_dates: np.ndarray, period_start: dt.date, schedule: Sequence[float] | None = None) -> np.ndarray:
    """Vectorized ``ramp_share`` over an array of hire dates (datetime64[D]; NaT = no ramp)."""
    shares = np.array(list(DEFAULT_RAMP if schedule is None else schedule), dtype=float)
    hire = np.asarray(hire_dates, dtype="datetime64[D]")
    known = ~np.isnat(hire)
    y = hire.astype("datetime64[Y]").astype(int) + 1970
    m = hire.astype("datetime64[M]").astype(int) % 12 + 1
    d = (hire - hire.astype("datetime64[M]").astype("datetime64[D]")).astype(int) + 1
    full = (period_start.year - y) * 12 + period_start.month - m + (d == 1)
    out = np.where(full <= 0, 0.0, 1.0)
    inside = (full >= 1) & (full <= len(shares))
    out[inside] = shares[full[inside] - 1]
    return np.where(known, out, 1.0)


def phased_targets(keys: Sequence[str], years: Sequence[int], annual_targets: Sequence[float],
                   seasonality: Sequence | None) -> pd.DataFrame:
    """Annual targets (one per key and year) phased to months, to the cent, each key's
    months summing exactly to its annual target: key, period, cents."""
    rows = []
    for key, year, annual in zip(keys, years, annual_targets):
        parts = phase(to_decimal(float(annual)), int(year), seasonality, decimals=2)
        rows += [(key, label, int(v * 100)) for label, v in parts]
    return pd.DataFrame(rows, columns=["key", "period", "cents"])


def tied_parts(whole: Sequence[int], totals: Sequence[int]) -> np.ndarray:
    """Integers (parts x periods) whose rows sum to ``totals`` and whose columns sum to
    ``whole`` (both in cents, with equal sums): each cell is its exact share of its period,
    part_total x period / grand total, rounded so that both margins tie (controlled rounding).

    The floors' missing cents are handed out period by period to the parts still owed the
    most (ties: the larger remainder, then the earlier part); a part never gets more than
    one cent above its floor in a period, so every cell is within a cent of its exact value."""
    whole = np.asarray(whole, dtype=np.int64)
    totals = np.asarray(totals, dtype=np.int64)
    grand = int(whole.sum())
    if int(totals.sum()) != grand:
        raise InputError("totals", "the parts must sum to the whole", value=int(totals.sum()))
    if grand == 0:
        return np.zeros((len(totals), len(whole)), dtype=np.int64)
    exact = totals[:, None].astype(object) * whole[None, :].astype(object)      # exact integers (no overflow)
    floor = np.array(exact // grand, dtype=np.int64)
    rem = np.array(exact % grand, dtype=np.int64)
    owed = totals - floor.sum(axis=1)
    out = floor.copy()
    for j, short in enumerate(whole - floor.sum(axis=0)):
        if short <= 0:
            continue
        pick = np.lexsort((np.arange(len(totals)), -rem[:, j], -owed))[:short]
        out[pick, j] += 1
        owed[pick] -= 1
    return out


ALLOCATION_METHODS = ("capacity", "history", "equal")
HISTORY_BLEND = 0.75  # history method: 75% trailing-12-month share, 25% capacity share


def allocation_weights(method: str, capacity: np.ndarray, ramp: np.ndarray, history: np.ndarray | None) -> np.ndarray:
    if method == "equal":
        return np.ones_like(capacity)
    cap = capacity * ramp
    if method == "capacity":
        return cap
    if history is None:
        raise InputError("history", "method history needs a history range (rep_id, date, amount)")
    hist = np.clip(history, 0, None)
    cap_share = cap / cap.sum() if cap.sum() > 0 else np.zeros_like(cap)
    hist_share = hist / hist.sum() if hist.sum() > 0 else cap_share
    return (HISTORY_BLEND * hist_share + (1 - HISTORY_BLEND) * cap_share) * (ramp > 0)


def allocate(total: float, weights: np.ndarray, minimum: np.ndarray | None = None, maximum: np.ndarray | None = None,
             pinned: np.ndarray | None = None, decimals: int = 0) -> np.ndarray:
    """Split ``total`` by ``weights``; pinned values are kept, min/max enforced, the
    difference redistributed among the other reps; rounded so parts sum exactly to total.
    NaN in minimum/maximum/pinned means none."""
    n = len(weights)
    nan = np.full(n, np.nan)
    minimum = nan if minimum is None else np.asarray(minimum, dtype=float)
    maximum = nan if maximum is None else np.asarray(maximum, dtype=float)
    pinned = nan if pinned is None else np.asarray(pinned, dtype=float)
    _check_bounds(total, minimum, maximum, pinned)
    fixed = ~np.isnan(pinned)
    lo = np.where(np.isnan(minimum), -np.inf, minimum)
    hi = np.where(np.isnan(maximum), np.inf, maximum)
    value, clamped = _shares_within_bounds(total - pinned[fixed].sum(), weights, np.where(fixed, pinned, 0.0), ~fixed,
                                           lo, hi)
    if (value < -1e-9).any() and total >= 0:
        i = int(np.argmax(value < -1e-9))
        raise InputError("reps", "pinned targets exceed the total, leaving a negative target", row=i + 1)
    # exact rounding: bounded/pinned values rounded themselves, the rest split by largest remainder
    scale = 10 ** int(decimals)
    out = np.round(value * scale) / scale
    movable = ~fixed & ~clamped
    if movable.any():
        remainder = round((total - out[~movable].sum()) * scale) / scale
        basis = np.clip(value[movable], 0, None)
        out[movable] = split_exact_array(remainder, basis if basis.sum() > 0 else np.ones(movable.sum()), decimals)
    return out


def _check_bounds(total: float, minimum: np.ndarray, maximum: np.ndarray, pinned: np.ndarray) -> None:
    """Refuse bounds no allocation can meet."""
    bad = ~np.isnan(minimum) & ~np.isnan(maximum) & (minimum > maximum)
    if bad.any():
        i = int(np.argmax(bad))
        raise InputError("reps", "min is above max", value=float(minimum[i]), row=i + 1, column="min")
    fixed = ~np.isnan(pinned)
    free = ~fixed
    rest = total - pinned[fixed].sum()
    floor_total = np.where(np.isnan(minimum), 0.0, minimum)[free].sum()
    hi = np.where(np.isnan(maximum), np.inf, maximum)
    if free.any() and rest < floor_total - 1e-9:
        raise InputError("reps", f"the minimums ({floor_total:,.2f}) exceed what is left to allocate ({rest:,.2f})")
    if free.any() and np.isfinite(hi[free]).all() and rest > hi[free].sum() + 1e-9:
        raise InputError("reps", f"the maximums ({hi[free].sum():,.2f}) are below what is left to allocate ({rest:,.2f})")
    if not free.any() and abs(rest) > 1e-9:
        raise InputError("reps", f"every rep is pinned, but the pins sum to {pinned.sum():,.2f}, not {total:,.2f}")


def _shares_within_bounds(rest: float, weights, value: np.ndarray, free: np.ndarray, lo: np.ndarray, hi: np.ndarray):
    """``rest`` shared among the free reps by weight, clamping reps at their bounds and
    sharing again until none is out of bounds. Returns the values and which reps were clamped."""
    n = len(value)
    clamped = np.zeros(n, dtype=bool)
    for _ in range(n + 1):   # each pass fixes at least one rep at a bound, or stops
        open_ = free & ~clamped
        left = rest - value[free & clamped].sum()
        w = np.where(open_, weights, 0.0)
        if not open_.any():
            break
        share = w / w.sum() * left if w.sum() > 0 else np.where(open_, left / open_.sum(), 0.0)
        below = open_ & (share < lo - 1e-9)
        above = open_ & (share > hi + 1e-9)
        value = np.where(open_, share, value)
        if not below.any() and not above.any():
            break
        # fix the side that is violated more in total; the other is re-checked next pass
        if (lo[below] - share[below]).sum() >= (share[above] - hi[above]).sum():
            value[below], clamped[below] = lo[below], True
        else:
            value[above], clamped[above] = hi[above], True
    return value, clamped


def month_weeks(month: str, holidays=None) -> tuple[list[str], list[int]]:
    """The ISO weeks (YYYY-Www) that month ``YYYY-MM``'s working days fall in, in order, and how
    many of its working days each holds: the weights ``phase``'s weekly grain splits a month by."""
    start = dt.date(int(month[:4]), int(month[5:7]), 1)
    days = np.arange(np.datetime64(start), np.datetime64(next_month(start)))
    days = days[np.is_busday(days, holidays=holiday_array(holidays))]
    labels = [f"{y}-W{w:02d}" for y, w, _ in (d.isocalendar() for d in days.astype(object))]
    order = list(dict.fromkeys(labels))
    return order, [labels.count(w) for w in order]


def _week_of(cents: Sequence[int], counts: list[int], j: int) -> list[int]:
    """Week ``j``'s part of each month target (cents), each split on its own as ``phase`` splits it."""
    return [int(split_exact(int(c), counts)[j]) for c in cents]


def _tied_week(rows: pd.DataFrame, whole: int | None, counts: list[int], j: int) -> list[int]:
    """Week ``j``'s part of a team's members' month targets: the team's week part shared out so the
    members' weeks sum exactly to the team's week and each member's weeks to its month (``tied_parts``).
    Members that do not add up to the team's month are split each on its own."""
    cents = rows["cents"].to_numpy(dtype=np.int64)
    if whole is None or int(cents.sum()) != whole or whole < 0 or (cents < 0).any():
        return _week_of(cents, counts, j)
    weeks = [int(x) for x in split_exact(whole, counts)]
    return [int(x) for x in tied_parts(weeks, cents)[:, j]]


def period_parts(monthly: pd.DataFrame, months: Sequence[str], week: str | None = None,
                 teams: pd.DataFrame | None = None, holidays=None) -> pd.DataFrame:
    """Each key's target for a period, as its part of each month the period touches: key, period
    (the month), cents; the period's target is the sum of its rows.

    ``monthly`` holds key, period (YYYY-MM), cents: the one monthly phasing. A month, quarter or
    year (``week`` None) takes its months whole, so months add up to quarters and quarters to the
    year. An ISO week takes from each month it touches that month's share of its working days,
    split as ``phase``'s weekly grain splits it, so a month's weeks add up exactly to the month.
    With ``teams`` (key, period, cents) and a ``team`` column in ``monthly``, each team's members
    share the team's week (``tied_parts``), so reps' weeks add up exactly to their team's week."""
    rows = monthly[monthly["period"].isin(list(months))]
    if week is None:
        return rows[["key", "period", "cents"]].reset_index(drop=True)
    out = []
    for month, in_month in rows.groupby("period", sort=False):
        labels, counts = month_weeks(month, holidays)
        part = in_month[["key", "period"]].copy()
        if week not in labels:
            part["cents"] = 0
        elif teams is None or "team" not in in_month:
            part["cents"] = _week_of(in_month["cents"], counts, labels.index(week))
        else:
            whole = teams[teams["period"] == month].set_index("key")["cents"]
            part["cents"] = 0
            for team, members in in_month.groupby("team", sort=False):
                team_cents = int(whole[team]) if team in whole.index else None
                part.loc[members.index, "cents"] = _tied_week(members, team_cents, counts, labels.index(week))
        out.append(part)
    if not out:
        return pd.DataFrame({"key": [], "period": [], "cents": []}).astype({"cents": np.int64})
    return pd.concat(out, ignore_index=True).astype({"cents": np.int64})
