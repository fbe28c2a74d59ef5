"""Spreadsheet date serials: the one rule every reader and writer of SalesDesk uses.

Excel, LibreOffice and xlsx files count days from 1899-12-30 (day 0). Serials below 61 are
ambiguous: Excel counts a phantom 1900-02-29 (serial 60) and so shows serials 1 to 59 one day
later than LibreOffice does. Sales data does not start before March 1900, so only serials from 61
(1900-03-01), where both programs agree, are dates; 2958465 is 9999-12-31."""
from __future__ import annotations

import datetime as dt

import numpy as np

EPOCH = dt.datetime(1899, 12, 30)
EPOCH_DAY = np.datetime64("1899-12-30", "D")
FIRST_SERIAL = 61            # 1900-03-01
LAST_SERIAL = 2958465        # 9999-12-31
SERIAL_RANGE = f"between {FIRST_SERIAL} (1900-03-01) and {LAST_SERIAL} (9999-12-31)"


def is_date_serial(serial) -> bool | np.ndarray:
    """Whether ``serial`` (a number or an array) is a date serial both programs read alike."""
    s = np.asarray(serial, dtype=float)
    return (s >= FIRST_SERIAL) & (s < LAST_SERIAL + 1)


def serial_to_date(serial: float) -> dt.date:
    """The day of a serial (its time of day dropped); the caller has checked ``is_date_serial``."""
    return (EPOCH + dt.timedelta(days=int(serial))).date()


def date_to_serial(day: dt.date | dt.datetime) -> float:
    """A date's serial; a datetime's time of day as the fraction after the point."""
    if isinstance(day, dt.datetime):
        return (day.replace(tzinfo=None) - EPOCH).total_seconds() / 86400.0
    return float((dt.datetime(day.year, day.month, day.day) - EPOCH).days)


def serials_to_days(serials) -> np.ndarray:
    """Whole-day serials (an array) as ``datetime64[D]``."""
    return EPOCH_DAY + np.asarray(serials, dtype=float).astype("int64").astype("timedelta64[D]")
