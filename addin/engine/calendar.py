"""Working days: Monday to Friday, less an optional list of holidays. Every pacing and
phasing rule in SalesDesk counts days through this module."""
from __future__ import annotations

import datetime as dt
from typing import Iterable

import numpy as np
import pandas as pd


def holiday_array(holidays: Iterable[dt.date] | None) -> np.ndarray:
    if holidays is None:
        return np.array([], dtype="datetime64[D]")
    return np.array(sorted({h for h in holidays if h is not None}), dtype="datetime64[D]")


def working_days(start, end, holidays=None) -> int | np.ndarray:
    """Working days in the half-open range [start, end). Vectorized over arrays."""
    return np.busday_count(np.asarray(start, dtype="datetime64[D]"), np.asarray(end, dtype="datetime64[D]"),
                           holidays=holiday_array(holidays) if not isinstance(holidays, np.ndarray) else holidays)


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def next_month(day: dt.date) -> dt.date:
    return dt.date(day.year + (day.month == 12), day.month % 12 + 1, 1)


def working_days_in_month(year: int, month: int, holidays=None) -> int:
    start = dt.date(year, month, 1)
    return int(working_days(start, next_month(start), holidays))


def working_days_elapsed(as_of: dt.date, holidays=None) -> int:
    """Working days from the first of as_of's month up to and including as_of."""
    return int(working_days(month_start(as_of), as_of + dt.timedelta(days=1), holidays))


def month_labels(dates: pd.Series) -> pd.Series:
    """'YYYY-MM' of each date (None for a blank), formatted once per distinct month rather than
    once per row (a million-row strftime is the slow way)."""
    months = dates.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]")
    uniq, inverse = np.unique(months, return_inverse=True)
    labels = np.array([None if np.isnat(m) else str(m) for m in uniq], dtype=object)
    return pd.Series(labels[inverse.reshape(-1)], index=dates.index, dtype=object)
