"""One call of every registered worksheet function, with arguments as a spreadsheet passes
them: single cells as values, ranges as rows of cells (2-D lists), dates as serial numbers,
blank cells as None, an omitted optional argument as None. Used to check that every
platform's registration (classic xlwings, xlwings Lite, the LibreOffice extension) gives
the same result as a direct call."""
from __future__ import annotations

import datetime as dt


def serial(y: int, m: int, d: int) -> float:
    return float((dt.date(y, m, d) - dt.date(1899, 12, 30)).days)


def col(*values) -> list[list]:
    return [[v] for v in values]


ORDERS_IDS = col("C1", "C2", "C1", "C3", "C4", "C2", "C5", "C1")
ORDERS_DATES = col(*(serial(2026, m, d) for m, d in ((1, 5), (2, 9), (3, 3), (6, 30), (8, 1), (9, 15), (10, 2), (10, 20))))
ORDERS_AMOUNTS = col(1200.5, 300.0, 800.25, 50.0, 4200.0, 75.5, 990.0, 610.0)
STAGES = col("won", "lost", "won", "quote", "lead", "won", "demo", "lost")

SAMPLES: dict[str, list] = {
    "SD_SPLIT": [1000, col(1, 2, 3.5, None), 2],
    "SD_PHASE": [1200000, 2026, col(7, 3, 5, 5, 5, 9, 5, 5, 11, 5, 5, 13), "quarter", None, 2],
    "SD_RAMP": [serial(2026, 1, 10), serial(2026, 4, 1), None],
    "SD_ALLOCATE": [450000, [["rep_id", "capacity", "hire_date"], ["R1", 1, serial(2020, 1, 1)],
                             ["R2", 0.5, serial(2021, 6, 1)], ["R3", 1, serial(2026, 1, 15)]],
                    "capacity", None, serial(2026, 4, 1), None, 2],
    "SD_ATTAINMENT": [93000, 100000],
    "SD_RUNRATE": [42000, serial(2026, 10, 15), 100000, None],
    "SD_SCORE": [col(105000, 0.31, 12), col(100000, 0.32, 14), col(50, 25, 25), col("higher", "higher", "higher"),
                 col(1.5, 1.2, 1.2), None],
    "SD_SCORECARD": [[["rep", "sales", "activities"], ["R1", 105000, 12], ["R2", 80000, 16]],
                     [["kpi", "weight", "direction", "cap", "target", "green", "amber"],
                      ["sales", 60, "higher", 1.5, 100000, 1, 0.85], ["activities", 40, "higher", 1.2, 14, 1, 0.8]],
                     None],
    "SD_FUNNEL": [STAGES, None],
    "SD_WINRATE": [STAGES],
    "SD_CYCLE": [col(serial(2026, 1, 5), serial(2026, 2, 1), serial(2026, 3, 1)),
                 col(serial(2026, 2, 4), serial(2026, 3, 3), None)],
    "SD_DEALSIZE": [col(1000, 2000, 3000, 500, 100, 700, 800, 50), STAGES],
    "SD_COVERAGE": [300000, 100000, 0.25],
    "SD_RFM": [ORDERS_IDS, ORDERS_DATES, ORDERS_AMOUNTS, serial(2026, 10, 31), 3, None],
    "SD_ABC": [col("P1", "P2", "P3", "P4", "P5"), col(5000, 3000, 1000, 500, 100), 0.8, 0.95],
    "SD_TIER": [ORDERS_IDS, ORDERS_DATES, ORDERS_AMOUNTS, serial(2026, 10, 31), None],
    "SD_REVISIT": [col("C1", "C2", "C3"), col("high-value", "potential", "at-risk"),
                   col(serial(2026, 9, 1), serial(2026, 10, 1), None), None, serial(2026, 10, 31)],
    "SD_COMMISSION": [120000, [[0, 50000, 0.02], [50000, 100000, 0.04], [100000, None, 0.07]], "marginal", None, None],
    "SD_DRAW": [col(400, 2500, 900, 3100), 1500, True],
}
