"""Exact splitting and money rounding.

``split_exact`` divides a total in proportion to weights and rounds with the
largest-remainder method, so the rounded parts always sum to the total exactly.
"""
from __future__ import annotations

from decimal import ROUND_FLOOR, Decimal, localcontext
from typing import Sequence

import numpy as np

from .errors import InputError

CENT = Decimal("0.01")


def to_decimal(value) -> Decimal:
    """Float cells become the decimal they display as (0.1 -> Decimal('0.1'), not its binary expansion)."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):  # np.float64 too; repr(float) is the shortest round-trip text
        return Decimal(repr(float(value)))
    if hasattr(value, "item"):     # numpy integers and floats
        return to_decimal(value.item())
    return Decimal(value)


def split_exact(total, weights: Sequence, decimals: int = 0, *, argument: str = "weights") -> list[Decimal]:
    """Parts of ``total`` proportional to ``weights``, rounded to ``decimals`` places.

    Largest remainder: every part is first rounded down to the unit (10**-decimals), then
    the units still missing go one each to the parts with the largest remainders; where
    remainders tie, the later row gets the unit. Negative totals are split as the mirror
    image of the positive total. Weights must be >= 0 and not all zero.
    """
    if decimals < 0 or decimals > 10 or int(decimals) != decimals:
        raise InputError("decimals", "decimals must be a whole number from 0 to 10", value=decimals)
    w = [to_decimal(x) for x in weights]
    for i, x in enumerate(w):
        if x < 0:
            raise InputError(argument, f"{argument} must be zero or more", value=float(x), row=i + 1)
    if not w:
        raise InputError(argument, "at least one weight is needed")
    wsum = sum(w)
    if wsum == 0:
        raise InputError(argument, f"{argument} are all zero; at least one must be more than zero")
    total_d = to_decimal(total)
    sign = -1 if total_d < 0 else 1
    unit = Decimal(1).scaleb(-int(decimals))
    with localcontext() as ctx:
        ctx.prec = 50
        units_total = (abs(total_d) / unit)
        if units_total != units_total.to_integral_value():
            raise InputError("total", f"total has more than {decimals} decimal places; round it or raise decimals",
                             value=float(total_d))
        units_total = int(units_total)
        exact = [units_total * x / wsum for x in w]
        floors = [int(e.to_integral_value(rounding=ROUND_FLOOR)) for e in exact]
        remainders = [e - f for e, f in zip(exact, floors)]
    missing = units_total - sum(floors)
    # Largest remainder first; on equal remainders the later row first (hence -index).
    order = sorted(range(len(w)), key=lambda i: (remainders[i], i), reverse=True)
    for i in order[:missing]:
        floors[i] += 1
    return [sign * unit * f for f in floors]


def split_exact_array(total: float, weights: np.ndarray, decimals: int = 0) -> np.ndarray:
    """Vectorized largest-remainder split for large inputs (same rule as ``split_exact``).

    Works in integer units of 10**-decimals; weights are floats, so this is exact in the
    sum (always equal to total) and matches ``split_exact`` except where two remainders
    differ only beyond float precision.
    """
    weights = np.asarray(weights, dtype=float)
    if (weights < 0).any():
        i = int(np.argmax(weights < 0))
        raise InputError("weights", "weights must be zero or more", value=float(weights[i]), row=i + 1)
    wsum = weights.sum()
    if not wsum > 0:
        raise InputError("weights", "weights are all zero; at least one must be more than zero")
    scale = 10 ** int(decimals)
    units_total = round(abs(total) * scale)
    if abs(units_total - abs(total) * scale) > 1e-6 * max(1.0, abs(total) * scale):
        raise InputError("total", f"total has more than {decimals} decimal places; round it or raise decimals", value=total)
    exact = units_total * (weights / wsum)
    floors = np.floor(exact + 1e-9).astype(np.int64)
    remainders = np.where(floors > exact, 0.0, exact - floors)
    missing = int(units_total - floors.sum())
    if missing > 0:
        idx = np.arange(len(weights))
        order = np.lexsort((-idx, -remainders))  # largest remainder, later row first
        floors[order[:missing]] += 1
    elif missing < 0:  # floors overshot by float fuzz: take back from the smallest remainders
        idx = np.arange(len(weights))
        order = np.lexsort((idx, remainders))
        floors[order[:-missing]] -= 1
    return np.sign(total or 1) * floors / scale
