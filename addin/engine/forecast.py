"""The sales forecast of a period (a month or a quarter) as of a day, per rep: booked to date,
commit, most likely, best case and run-rate, in integer cents; and the open deals it lists
(slipped, without an amount). Pure: the as-of day is an argument (no clock), frames in,
frames out. docs/forecast.md states every rule so that each figure can be recomputed by hand.

    booked      = sales counted (``rules.counted``: booked less returns) by the order's rep,
                  from the period's first day to the as-of day
    commit      = booked + open deals expected in (as-of, last] with probability >= 70%
    most likely = booked + those deals, each amount x its probability (half-up to the cent)
    best case   = booked + every open deal expected in (as-of, last]
    run-rate    = booked / working days elapsed x the period's working days (``kpi.runrate_days``)
"""
from __future__ import annotations

import datetime as dt
from typing import Mapping

import numpy as np
import pandas as pd

from .kpi import runrate_days
from .money import apply_rate, cents_of, micro_of, rhu_div
from .rules import counted

# The chance an open deal at each stage is won, where neither the deal nor the workbook's
# Stages sheet says otherwise. The one place these defaults live.
DEFAULT_STAGE_PROBABILITY: dict[str, float] = {"lead": 0.10, "qualified": 0.20, "demo": 0.40, "quote": 0.60,
                                               "negotiation": 0.80}
OPEN_STAGES = tuple(DEFAULT_STAGE_PROBABILITY)
COMMIT_PROBABILITY = 0.70          # a deal at or above this chance is committed
CATEGORIES = ("booked", "commit", "most_likely", "best_case", "run_rate")


def stage_probabilities(overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Each open stage's probability: the defaults, with the workbook's own (Stages sheet) over them."""
    table = dict(DEFAULT_STAGE_PROBABILITY)
    table.update({str(k): float(v) for k, v in (overrides or {}).items() if k in table and v == v})
    return table


def deal_probabilities(stages, own, table: Mapping[str, float]) -> np.ndarray:
    """Each deal's probability: its own where given (a deal's own probability wins), else its
    stage's from ``table``; NaN for a stage not in it (a closed deal)."""
    by_stage = pd.Series(np.asarray(stages, dtype=object)).map(dict(table)).to_numpy(dtype=float)
    own = np.asarray(own, dtype=float)
    return np.where(np.isnan(own), by_stage, own)


def open_deals(stages) -> np.ndarray:
    """Mask of the deals still open (not won or lost)."""
    return pd.Series(np.asarray(stages, dtype=object)).isin(OPEN_STAGES).to_numpy()


def has_slipped(expected_close: pd.Series, as_of: dt.date) -> pd.Series:
    """The one rule of a slipped deal (the forecast's and the weekly review's): an open deal whose
    expected close is on or before the as-of day."""
    return expected_close.notna() & (expected_close <= pd.Timestamp(as_of))


def slipped(deals: pd.DataFrame, as_of: dt.date) -> pd.DataFrame:
    """Open deals (``deals`` holds only open ones) that have slipped: listed, counted in no category."""
    return deals[has_slipped(deals["expected_close"], as_of)]


def ahead(deals: pd.DataFrame, as_of: dt.date, first: dt.date, last: dt.date) -> pd.DataFrame:
    """Open deals expected in the rest of the period: after the as-of day (and from the period's
    first day) up to its last day."""
    close = deals["expected_close"]
    return deals[close.notna() & (close > pd.Timestamp(as_of)) & (close >= pd.Timestamp(first))
                 & (close <= pd.Timestamp(last))]


def booked_cents(orders: pd.DataFrame, first: dt.date, as_of: dt.date) -> pd.Series:
    """Sales counted from ``first`` to ``as_of`` (both included) per rep_id, in cents: booked
    lines less their returns (``rules.counted``), each line to the cent."""
    dates = orders["order_date"]
    live = orders[counted(orders["status"]) & (dates >= pd.Timestamp(first)) & (dates <= pd.Timestamp(as_of))]
    return pd.Series(cents_of(live["amount"].to_numpy(dtype=float)), index=live["rep_id"].to_numpy()) \
        .groupby(level=0).sum()


def forecast(orders: pd.DataFrame, deals: pd.DataFrame, rep_ids, first: dt.date, last: dt.date,
             as_of: dt.date, holidays=None) -> pd.DataFrame:
    """The period's forecast per rep (index: ``rep_ids``; columns ``CATEGORIES``, int64 cents).

    ``orders``: order_date, rep_id, amount, status. ``deals``: the open deals with rep_id,
    amount (NaN: not known, counts 0), expected_close and probability (already resolved:
    ``deal_probabilities``). A rep without orders or deals has zeros."""
    ids = pd.Index(list(rep_ids), dtype=object)
    booked = booked_cents(orders, first, as_of).reindex(ids, fill_value=0).to_numpy(dtype=np.int64)
    rest = ahead(deals, as_of, first, last)
    amount = cents_of(rest["amount"].fillna(0).to_numpy(dtype=float))
    rate = micro_of(rest["probability"].fillna(0).to_numpy(dtype=float))
    parts = pd.DataFrame({"rep_id": rest["rep_id"].to_numpy(dtype=object),
                          "commit": np.where(rate >= micro_of(COMMIT_PROBABILITY), amount, 0),
                          "most_likely": apply_rate(amount, rate), "best_case": amount})
    pipeline = parts.groupby("rep_id").sum().reindex(ids, fill_value=0)
    elapsed, total = runrate_days(as_of, first, last, holidays)
    out = pd.DataFrame({"booked": booked}, index=ids)
    for c in ("commit", "most_likely", "best_case"):
        out[c] = booked + pipeline[c].to_numpy(dtype=np.int64)
    out["run_rate"] = booked if elapsed == 0 else rhu_div(booked * total, elapsed)
    return out.astype(np.int64)


def rolled_up(per_rep: pd.DataFrame, group_of: Mapping[str, str]) -> pd.DataFrame:
    """The reps' figures summed per group (a team: the exact sum of its reps, in cents)."""
    groups = pd.Series(per_rep.index.map(dict(group_of)), index=per_rep.index)
    return per_rep.groupby(groups.to_numpy()).sum().astype(np.int64)
