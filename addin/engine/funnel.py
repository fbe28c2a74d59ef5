"""The sales funnel: stage conversion, win rate, cycle time, deal size, coverage."""
from __future__ import annotations

import datetime as dt
from typing import Sequence

import numpy as np
import pandas as pd

from .errors import InputError

DEFAULT_ORDER = ("lead", "qualified", "demo", "quote", "negotiation", "won")
LOST = "lost"


def funnel(stages: Sequence[str], order: Sequence[str] | None = None,
           lost_stages: Sequence[str | None] | None = None) -> list[tuple[str, int, int | None, float | None]]:
    """(stage, reached, advanced to next, conversion) per stage of ``order``.

    A deal has reached its current stage and every stage before it; a won deal has reached
    them all. A lost deal reached the stage in ``lost_stages`` (the stage it was lost at)
    and those before; without it, only the first stage. The last stage has no next.
    """
    order = [s.lower() for s in (order or DEFAULT_ORDER)]
    if len(set(order)) != len(order):
        raise InputError("order", "stage names in order must be unique")
    index = {s: i for i, s in enumerate(order)}
    furthest = np.empty(len(stages), dtype=int)
    for i, s in enumerate(stages):
        s = (s or "").strip().lower()
        if s == LOST:
            at = (lost_stages[i] if lost_stages is not None else None) or order[0]
            at = at.strip().lower()
            if at not in index:
                raise InputError("stages", f"lost at an unknown stage; expected one of {', '.join(order)}", value=at, row=i + 1)
            furthest[i] = index[at]
        elif s in index:
            furthest[i] = index[s]
        else:
            raise InputError("stages", f"unknown stage; expected one of {', '.join(order + [LOST])}", value=s, row=i + 1)
    reached = [int((furthest >= i).sum()) for i in range(len(order))]
    rows = []
    for i, stage in enumerate(order):
        if i + 1 < len(order):
            adv = reached[i + 1]
            rows.append((stage, reached[i], adv, adv / reached[i] if reached[i] else None))
        else:
            rows.append((stage, reached[i], None, None))
    return rows


def furthest_stages(stages, lost_stages=None, order: Sequence[str] = DEFAULT_ORDER) -> np.ndarray:
    """Vectorized: the index in ``order`` of the furthest stage each deal reached (as ``funnel``
    counts it): its stage; for a lost deal its lost stage (without one, the first stage); a
    stage outside ``order`` counts as the first."""
    index = {s: i for i, s in enumerate(order)}
    stage = pd.Series(stages).reset_index(drop=True)
    furthest = stage.map(index)
    lost_at = pd.Series(lost_stages).reset_index(drop=True).map(index) if lost_stages is not None else 0
    furthest = furthest.where(stage != LOST, lost_at)
    return furthest.fillna(0).astype(int).to_numpy()


def reached_by(keys, stages, lost_stages=None, order: Sequence[str] = DEFAULT_ORDER) -> pd.DataFrame:
    """Vectorized: per key (a rep, a team), the deals that reached each stage of ``order`` (columns
    0..len(order)-1, as ``furthest_stages`` counts them: a deal has reached its furthest stage and
    every stage before it). The monthly report's funnel and coaching's conversions count so."""
    furthest = furthest_stages(stages, lost_stages, order)
    codes, names = pd.factorize(pd.Series(keys).to_numpy(), sort=True)     # a blank key counts nowhere
    n = len(order)
    counts = np.bincount(codes[codes >= 0] * n + furthest[codes >= 0], minlength=len(names) * n).reshape(len(names), n)
    return pd.DataFrame(counts[:, ::-1].cumsum(axis=1)[:, ::-1], index=pd.Index(names), columns=range(n))


def win_rate(stages: Sequence[str]) -> float:
    s = [(x or "").strip().lower() for x in stages]
    won, lost = s.count("won"), s.count(LOST)
    if won + lost == 0:
        raise InputError("stages", "no closed deals (won or lost) in the range")
    return won / (won + lost)


def cycle_days(created: Sequence[dt.date | None], closed: Sequence[dt.date | None]) -> float:
    if len(created) != len(closed):
        raise InputError("closed", f"expected {len(created)} rows like created, got {len(closed)}")
    days = []
    for i, (a, b) in enumerate(zip(created, closed), start=1):
        if a is None or b is None:
            continue
        if b < a:
            raise InputError("closed", f"closed before created ({a:%Y-%m-%d})", value=f"{b:%Y-%m-%d}", row=i)
        days.append((b - a).days)
    if not days:
        raise InputError("closed", "no closed deals (rows with both dates) in the range")
    return float(np.mean(days))


def deal_size(amounts: Sequence[float], stages: Sequence[str]) -> float:
    if len(amounts) != len(stages):
        raise InputError("stages", f"expected {len(amounts)} rows like amounts, got {len(stages)}")
    won = [a for a, s in zip(amounts, stages) if (s or "").strip().lower() == "won"]
    if not won:
        raise InputError("stages", "no won deals in the range")
    return float(np.mean(won))


def coverage(pipeline: float, remaining_target: float, win_rate_: float | None = None) -> list[float]:
    """[coverage] or [coverage, expected revenue, expected share of the remaining target]."""
    if remaining_target <= 0:
        raise InputError("remaining_target", "the target is already met (remaining is zero or less)", value=remaining_target)
    if pipeline < 0:
        raise InputError("pipeline", "pipeline must be zero or more", value=pipeline)
    out = [pipeline / remaining_target]
    if win_rate_ is not None:
        if not 0 <= win_rate_ <= 1:
            raise InputError("win_rate", "win_rate must be from 0 to 1", value=win_rate_)
        expected = pipeline * win_rate_
        out += [expected, expected / remaining_target]
    return out
