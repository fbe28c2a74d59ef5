"""Customer tiering: RFM scores and segments, ABC classes, the working tiers with a
revisit cadence, and the per-rep customer view with movement since last month.

Score rule (RFM): with n customers and a value v, r = the number of customers whose value
is strictly worse than v; score = 1 + floor(r x bins / n). Equal values always share a
score, and bins are as equal in size as ties allow. When most customers have one order,
they all sit at F = 1 and the first customer with two orders jumps to the bin of its
position (for 70% single-order customers and 5 bins: F = 4). Recency: fewer days is better.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Sequence

import numpy as np
import pandas as pd

from .errors import InputError
from .rules import counted

# The widely used recency x frequency map, on 1-5 scores (R first, then F).
RF_SEGMENTS = (
    ("champions", (5, 5), (4, 5)),
    ("loyal customers", (3, 4), (4, 5)),
    ("potential loyalists", (4, 5), (2, 3)),
    ("new customers", (5, 5), (1, 1)),
    ("promising", (4, 4), (1, 1)),
    ("need attention", (3, 3), (3, 3)),
    ("about to sleep", (3, 3), (1, 2)),
    ("can't lose them", (1, 2), (5, 5)),
    ("at risk", (1, 2), (3, 4)),
    ("hibernating", (1, 2), (1, 2)),
)

TIER_ORDER = ("high-value", "potential", "ordinary", "at-risk", "lost")   # best first


@dataclass(frozen=True)
class TierRule:
    """One row of the tier rule table: the first row that matches a customer wins.
    Bounds are inclusive; None = any. abc is a set of classes or None."""
    tier: str
    cadence_days: int
    abc: frozenset[str] | None = None
    r_min: int | None = None
    r_max: int | None = None
    f_min: int | None = None
    f_max: int | None = None
    m_min: int | None = None
    m_max: int | None = None
    recency_min: float | None = None
    recency_max: float | None = None


DEFAULT_TIER_RULES = (
    TierRule("lost", 180, recency_min=366),                       # no order for over a year: win-back
    TierRule("at-risk", 14, abc=frozenset("AB"), r_max=2),        # valuable and slipping: call now
    TierRule("at-risk", 14, f_min=4, r_max=2),                    # frequent buyer gone quiet
    TierRule("high-value", 30, abc=frozenset("A"), r_min=3),
    TierRule("potential", 45, abc=frozenset("B"), r_min=3),
    TierRule("potential", 45, r_min=4, f_max=3),                  # recent, not yet frequent
    TierRule("ordinary", 90),
)


def scores(values: np.ndarray, bins: int, higher_is_better: bool = True) -> np.ndarray:
    """Equal-count bin scores 1..bins by the rule in the module docstring (ties share)."""
    n = len(values)
    if n == 0:
        return np.array([], dtype=int)
    v = values if higher_is_better else -values
    order = np.sort(v)
    worse = np.searchsorted(order, v, side="left")       # how many are strictly worse
    return (1 + (worse * bins) // n).astype(int)


def segment_names(r: np.ndarray, f: np.ndarray, bins: int) -> np.ndarray:
    """Segments from R and F scores; scores on other scales are mapped to 1-5 first."""
    r5 = np.ceil(r * 5 / bins).astype(int) if bins != 5 else r
    f5 = np.ceil(f * 5 / bins).astype(int) if bins != 5 else f
    out = np.full(len(r), "", dtype=object)
    for name, (rl, rh), (fl, fh) in RF_SEGMENTS:
        hit = (out == "") & (r5 >= rl) & (r5 <= rh) & (f5 >= fl) & (f5 <= fh)
        out[hit] = name
    return out


def rfm(customers: np.ndarray, dates: np.ndarray, amounts: np.ndarray, as_of: np.datetime64 | None = None,
        bins: int = 5) -> pd.DataFrame:
    """One row per customer: customer_id, recency_days, frequency, monetary, R, F, M, code, segment.

    ``dates`` is datetime64[D]. Frequency counts orders (rows with a positive amount);
    returns (negative amounts) reduce monetary. Recency runs from the last order (the last
    row for a customer with only returns) to ``as_of`` (default: the latest date in the data).
    """
    if not 2 <= int(bins) <= 9:
        raise InputError("bins", "bins must be a whole number from 2 to 9", value=bins)
    n = len(customers)
    if n == 0:
        raise InputError("customer_ids", "no transactions in the range")
    if not (len(dates) == len(amounts) == n):
        raise InputError("dates", f"customer_ids, dates and amounts must have the same rows ({n}, {len(dates)}, {len(amounts)})")
    latest = dates.max()
    if as_of is None:
        as_of = latest
    elif as_of < latest:
        raise InputError("as_of", f"as_of is before the latest transaction ({pd.Timestamp(latest):%Y-%m-%d})",
                         value=f"{pd.Timestamp(as_of):%Y-%m-%d}")
    codes, uniques = pd.factorize(customers, sort=False)
    k = len(uniques)
    is_order = amounts > 0
    day = dates.astype("datetime64[D]").astype(np.int64)
    freq = np.bincount(codes, weights=is_order, minlength=k).astype(np.int64)
    monetary = np.bincount(codes, weights=amounts, minlength=k)
    last_order = np.full(k, np.iinfo(np.int64).min)
    np.maximum.at(last_order, codes[is_order], day[is_order])
    last_any = np.full(k, np.iinfo(np.int64).min)
    np.maximum.at(last_any, codes, day)
    last = np.where(freq > 0, last_order, last_any)
    recency = as_of.astype("datetime64[D]").astype(np.int64) - last
    r = scores(recency.astype(float), bins, higher_is_better=False)
    f = scores(freq.astype(float), bins)
    m = scores(np.round(monetary, 2), bins)
    code = (r * 100 + f * 10 + m).astype(str)
    return pd.DataFrame({"customer_id": uniques, "recency_days": recency, "frequency": freq,
                         "monetary": np.round(monetary, 2), "R": r, "F": f, "M": m, "code": code,
                         "segment": segment_names(r, f, bins),
                         "last_order": (last.astype("datetime64[D]"))})


def abc(values: np.ndarray, a_share: float = 0.8, b_share: float = 0.95) -> np.ndarray:
    """A, B or C per item by cumulative share of value, largest first (ties: earlier row first).

    An item is A when the share of the items before it is below ``a_share``, so the item
    whose value crosses the A boundary is A; likewise for B. Zero and negative values are C.
    """
    if not 0 < a_share <= b_share <= 1:
        raise InputError("a_share", "expected 0 < a_share <= b_share <= 1", value=a_share)
    values = np.asarray(values, dtype=float)
    out = np.full(len(values), "C", dtype=object)
    positive = values > 0
    total = values[positive].sum()
    if total <= 0:
        return out
    order = np.argsort(-values, kind="stable")
    order = order[positive[order]]
    before = np.concatenate([[0.0], np.cumsum(values[order])[:-1]]) / total
    cls = np.where(before < a_share - 1e-12, "A", np.where(before < b_share - 1e-12, "B", "C"))
    out[order] = cls
    return out


def apply_tier_rules(frame: pd.DataFrame, rules: Sequence[TierRule] = DEFAULT_TIER_RULES) -> tuple[np.ndarray, np.ndarray]:
    """(tier, cadence_days) per row of an RFM frame with an ``abc`` column; first match wins."""
    n = len(frame)
    tier = np.full(n, "", dtype=object)
    cadence = np.zeros(n, dtype=np.int64)
    open_ = np.ones(n, dtype=bool)
    cols = {"r": frame["R"].to_numpy(), "f": frame["F"].to_numpy(), "m": frame["M"].to_numpy(),
            "recency": frame["recency_days"].to_numpy()}
    abc_cls = frame["abc"].to_numpy()
    for rule in rules:
        hit = open_.copy()
        if rule.abc is not None:
            hit &= np.isin(abc_cls, list(rule.abc))
        for key, lo, hi in (("r", rule.r_min, rule.r_max), ("f", rule.f_min, rule.f_max), ("m", rule.m_min, rule.m_max),
                            ("recency", rule.recency_min, rule.recency_max)):
            if lo is not None:
                hit &= cols[key] >= lo
            if hi is not None:
                hit &= cols[key] <= hi
        tier[hit], cadence[hit] = rule.tier, rule.cadence_days
        open_ &= ~hit
    if open_.any():
        raise InputError("rules", f"{int(open_.sum())} customer(s) match no rule; end the table with a catch-all row "
                                  "(tier and cadence only)")
    return tier, cadence


def tiers(customers, dates, amounts, as_of=None, rules: Sequence[TierRule] = DEFAULT_TIER_RULES,
          bins: int = 5) -> pd.DataFrame:
    """RFM plus ABC (on monetary) plus the working tier and its revisit cadence."""
    frame = rfm(customers, dates, amounts, as_of, bins)
    frame["abc"] = abc(frame["monetary"].to_numpy())
    frame["tier"], frame["cadence_days"] = apply_tier_rules(frame, rules)
    return frame


def revisit(last_contact: np.ndarray, cadence_days: np.ndarray, as_of: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
    """(next revisit date, overdue) per customer. Never contacted: due on as_of and overdue."""
    last = np.asarray(last_contact, dtype="datetime64[D]")
    never = np.isnat(last)
    nxt = np.where(never, as_of, last + np.asarray(cadence_days).astype("timedelta64[D]"))
    overdue = never | (nxt < as_of)
    return nxt.astype("datetime64[D]"), overdue


def customer_view(orders: pd.DataFrame, activities: pd.DataFrame, customers: pd.DataFrame, as_of: dt.date,
                  previous_as_of: dt.date, rules: Sequence[TierRule] = DEFAULT_TIER_RULES,
                  contacts_logged: bool = True) -> pd.DataFrame:
    """Per customer (with its owner rep): tier, RFM code, segment, last order, last contact,
    next revisit, overdue, the tier a month earlier and the movement (up, down, same, new).

    Orders are the validated Orders sheet (cancelled lines are left out here); the tiering is
    computed twice, as of ``as_of`` and as of ``previous_as_of``, on the data known then.
    Without a log of contacts (``contacts_logged`` false: no Activities sheet), a customer's
    last order is its last contact: a customer who just ordered is not overdue.
    """
    live = orders[counted(orders["status"])]
    now = _tiers_as_of(live, as_of, rules)
    before = _tiers_as_of(live, previous_as_of, rules)
    view = customers[["customer_id", "name", "owner_rep_id"]].merge(now, on="customer_id", how="inner")
    view = view.merge(before[["customer_id", "tier"]].rename(columns={"tier": "previous_tier"}), on="customer_id", how="left")
    rank = {t: i for i, t in enumerate(TIER_ORDER)}
    cur = view["tier"].map(rank)
    prev = view["previous_tier"].map(rank)
    view["movement"] = np.where(prev.isna(), "new", np.where(cur > prev, "down", np.where(cur < prev, "up", "same")))
    acts = activities[activities["date"] <= pd.Timestamp(as_of)]
    last_contact = acts.groupby("customer_id")["date"].max()
    if not contacts_logged:
        view["last_contact"] = pd.to_datetime(view["last_order"]).astype("datetime64[ns]")
    else:
        view["last_contact"] = view["customer_id"].map(last_contact) if len(last_contact) and len(view) else \
            pd.Series(pd.NaT, index=view.index, dtype="datetime64[ns]")      # no activities, or no customers
    nxt, overdue = revisit(view["last_contact"].to_numpy().astype("datetime64[D]"), view["cadence_days"].to_numpy(),
                           np.datetime64(as_of))
    view["next_revisit"] = pd.to_datetime(nxt)
    view["overdue"] = overdue
    return view


def _tiers_as_of(orders: pd.DataFrame, day: dt.date, rules) -> pd.DataFrame:
    sel = orders[orders["order_date"] <= pd.Timestamp(day)]
    if sel.empty:
        return pd.DataFrame(columns=["customer_id", "tier"])
    return tiers(sel["customer_id"].to_numpy(), sel["order_date"].to_numpy().astype("datetime64[D]"),
                 sel["amount"].to_numpy(dtype=float), np.datetime64(day), rules)
