"""Proposed annual targets from last year's sales (``salesdesk workbook targets``).

A team's proposal is its net sales of a twelve-month basis times (1 + growth), half-up to the
cent; its reps' proposals are the team's split by each rep's share of the team's basis (largest
remainder, so they add up exactly to the team's); each proposal is phased to months by the
given weights (``phase``), and a team's reps' months are shared out so that every month ties to
the team's month and every rep's months to the rep's year (``tied_parts``). Pure: cents in,
cents out.
"""
from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Sequence

import numpy as np

from .planning import phase, tied_parts
from .rounding import split_exact_array


@dataclass(frozen=True)
class ProposedTarget:
    level: str                   # team or rep
    key: str                     # the team, or the rep's id
    team: str
    basis_cents: int             # net sales of the basis months
    annual_cents: int
    month_cents: tuple[int, ...]  # January to December, summing to annual_cents


def grown(basis_cents: int, growth: Decimal) -> int:
    """The basis times (1 + growth), half-up to the cent; never below zero (a target)."""
    return max(0, int((Decimal(int(basis_cents)) * (1 + growth)).quantize(Decimal(1), rounding=ROUND_HALF_UP)))


def split_by_basis(total_cents: int, basis_cents: Sequence[int]) -> np.ndarray:
    """``total_cents`` split by the reps' bases (negative bases count as zero; all zero: equal
    parts), the parts summing exactly to the total."""
    weights = np.clip(np.asarray(basis_cents, dtype=float), 0, None)
    if not len(weights):
        return np.zeros(0, dtype=np.int64)
    if weights.sum() <= 0:
        weights = np.ones(len(weights))
    return np.asarray(split_exact_array(int(total_cents), weights, 0), dtype=np.int64)


def propose(year: int, growth: Decimal, team_basis: dict[str, int], reps: Sequence[tuple[str, str, int]],
            weights: Sequence[float] | None) -> list[ProposedTarget]:
    """Each team's proposal, then its reps' (``reps``: rep id, team, basis in cents; only the
    reps to be given a target). ``weights``: twelve month weights, or None for working days."""
    out = []
    for team, basis in team_basis.items():
        annual = grown(basis, growth)
        months = np.array([int(v * 100) for _, v in phase(Decimal(annual) / 100, year, weights, decimals=2)],
                          dtype=np.int64)
        out.append(ProposedTarget("team", team, team, int(basis), annual, tuple(int(m) for m in months)))
        members = [(rep, b) for rep, t, b in reps if t == team]
        if not members:
            continue
        parts = split_by_basis(annual, [b for _, b in members])
        cells = tied_parts(months, parts)
        out += [ProposedTarget("rep", rep, team, int(b), int(part), tuple(int(c) for c in row))
                for (rep, b), part, row in zip(members, parts, cells)]
    return out
