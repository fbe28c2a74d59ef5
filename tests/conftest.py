from __future__ import annotations

from pathlib import Path

import pytest

from workbooks import demo
from workbooks.salesbook import write_sales_workbook


@pytest.fixture(scope="session")
def demo_frames():
    """The small demo data set (12 reps, 3 teams, 14 months), Payroll included."""
    return demo.build(reps=12, teams=3, months=14, seed=3)


@pytest.fixture(scope="session")
def demo_book(tmp_path_factory, demo_frames) -> Path:
    path = tmp_path_factory.mktemp("demo") / "sales.xlsx"
    write_sales_workbook(demo_frames, path)
    return path


@pytest.fixture(scope="session")
def lo_profile(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("lo-profile")


@pytest.fixture(scope="session", autouse=True)
def private_cache(tmp_path_factory):
    """Parsed-workbook cache entries go to a temporary folder, never the user's ~/.cache."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SALESDESK_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
        yield
