"""The closed-period ledger (SQLite, next to the outputs): what was stated for a month
when it was closed. A closed month's statement is never rewritten; late changes to it
are computed as adjustments in the current month against what is stored here."""
from __future__ import annotations

import datetime as dt
import sqlite3
from contextlib import closing
from pathlib import Path

import pandas as pd

from addin.engine.commission import ClosedBooks

SCHEMA = """
CREATE TABLE IF NOT EXISTS closed_periods (period TEXT PRIMARY KEY, closed_at TEXT NOT NULL, workbook TEXT);
CREATE TABLE IF NOT EXISTS closed_lines (period TEXT, rep_id TEXT, kind TEXT, order_id TEXT, commission_cents INTEGER);
CREATE TABLE IF NOT EXISTS closed_summary (period TEXT, rep_id TEXT, earned_cents INTEGER, paid_cents INTEGER,
                                           owed_after_cents INTEGER, PRIMARY KEY (period, rep_id));
CREATE INDEX IF NOT EXISTS closed_lines_period ON closed_lines (period);
"""


class PeriodClosed(Exception):
    pass


class Ledger:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with closing(self._connect()) as db:
            db.executescript(SCHEMA)

    def _connect(self):
        return sqlite3.connect(self.path, timeout=30)

    def closed_periods(self) -> dict[str, str]:
        with closing(self._connect()) as db:
            return dict(db.execute("SELECT period, closed_at FROM closed_periods ORDER BY period"))

    def books(self, before: str) -> ClosedBooks:
        with closing(self._connect()) as db:
            lines = pd.read_sql_query("SELECT * FROM closed_lines WHERE period < ?", db, params=(before,))
            summary = pd.read_sql_query("SELECT * FROM closed_summary WHERE period < ?", db, params=(before,))
        lines["order_id"] = lines["order_id"].replace("", None)
        return ClosedBooks(lines, summary)

    def check_can_close(self, period: str, db=None) -> None:
        """Raise PeriodClosed when ``period`` cannot be closed (already closed, or a later month is)."""
        if db is None:
            with closing(self._connect()) as db:
                return self.check_can_close(period, db)
        if db.execute("SELECT 1 FROM closed_periods WHERE period = ?", (period,)).fetchone():
            raise PeriodClosed(f"{period} is already closed")
        later = db.execute("SELECT MAX(period) FROM closed_periods").fetchone()[0]
        if later and later > period:
            raise PeriodClosed(f"{period} is before the last closed month {later}; months close in order")

    def close(self, period: str, lines: pd.DataFrame, summary: pd.DataFrame, workbook: str = "") -> None:
        """Store the month as stated, in one transaction; closing twice is refused."""
        with closing(self._connect()) as db, db:
            self.check_can_close(period, db)
            db.execute("INSERT INTO closed_periods VALUES (?, ?, ?)",
                       (period, dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"), workbook))
            l = lines[lines["period"] == period]
            db.executemany("INSERT INTO closed_lines VALUES (?, ?, ?, ?, ?)",
                           zip(l["period"], l["rep_id"], l["kind"], l["order_id"].fillna(""),
                               l["commission_cents"].astype(int).tolist()))
            s = summary[summary["period"] == period]
            db.executemany("INSERT INTO closed_summary VALUES (?, ?, ?, ?, ?)",
                           zip(s["period"], s["rep_id"], s["earned_cents"].astype(int).tolist(),
                               s["paid_cents"].astype(int).tolist(), s["owed_after_cents"].astype(int).tolist()))
