"""Exact money arithmetic for vectorized paths: integer cents and rates in millionths.

``rhu_div(n, d)`` divides integers rounding half-up (away from zero on ties), exactly as
``Decimal.quantize(ROUND_HALF_UP)`` would on n/d. Cents <-> Decimal only at the edges.
"""
from __future__ import annotations

from decimal import Decimal

import numpy as np

MICRO = 1_000_000
BIG = np.int64(1) << 60  # "no upper bound" in cents


def rhu_div(numerator, denominator):
    """numerator / denominator (denominator > 0, scalar or array), rounded half-up."""
    n = np.asarray(numerator, dtype=np.int64)
    d = np.asarray(denominator, dtype=np.int64)
    q = (np.abs(n) * 2 + d) // (2 * d)
    return np.sign(n) * q


def _half_up_cents(amounts) -> np.ndarray:
    """The one cents rounding: half-up (away from zero) on the value as displayed, so 1.005 is
    1.01 and -1.005 is -1.01 although neither is exact in binary; NaN stays NaN."""
    a = np.asarray(amounts, dtype=float)
    return np.sign(a) * np.floor(np.abs(a) * 100 + 0.5 + 1e-7)


def cents_of(amounts) -> np.ndarray:
    """Float amounts (already stated to the cent) as int64 cents, half-up on the displayed value."""
    return _half_up_cents(amounts).astype(np.int64)


def round_cents(amounts) -> np.ndarray:
    """Float amounts rounded half-up to the cent (NaN stays NaN): how an amount is read."""
    return _half_up_cents(amounts) / 100


def micro_of(rates) -> np.ndarray:
    """Rates or shares (0.045) as int64 millionths; more than six decimals is rounded half-up."""
    r = np.asarray(rates, dtype=float)
    return (np.sign(r) * np.floor(np.abs(r) * MICRO + 0.5 + 1e-6)).astype(np.int64)


def apply_rate(cents, rate_micro):
    """cents x rate, rounded half-up to the cent."""
    return rhu_div(np.asarray(cents, dtype=np.int64) * np.asarray(rate_micro, dtype=np.int64), MICRO)


def exact_sum(amounts) -> float:
    """The exact decimal sum of money figures each already to the cent (blanks skipped), as
    the float nearest to it: 89702.95, never 89702.95000000001."""
    return float(sum((Decimal(str(a)) for a in amounts if a is not None), Decimal(0)))
