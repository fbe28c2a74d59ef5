"""A workbook with only some sheets reads right (issue 26): without Activities a customer's last
order is its last contact (no false "overdue"), without Targets the teams rank by sales, and a
team without a manager shows no `None` on the dashboard."""
from __future__ import annotations

import json

import pandas as pd
import pytest

from tests.test_partial_workbook import run
from workbooks.salesbook import write_sales_workbook

MONTH = "2026-10"


@pytest.fixture(scope="module")
def no_contacts_no_targets(tmp_path_factory, demo_frames):
    """Reps, Teams (the first without a manager), Customers and Orders: no Activities, no Targets."""
    teams = demo_frames["Teams"].copy()
    teams.loc[teams.index[0], "manager"] = None
    book = tmp_path_factory.mktemp("partial26") / "book.xlsx"
    write_sales_workbook({"Reps": demo_frames["Reps"].assign(plan_id=None), "Teams": teams,
                          "Customers": demo_frames["Customers"], "Orders": demo_frames["Orders"]}, book)
    out = book.parent / "out"
    code, said = run("reports", book, "--month", MONTH, "--out", out, "--formats", "html")
    assert code == 0, said
    return json.loads((out / MONTH / "dashboard.json").read_text(encoding="utf-8")), out / MONTH / "index.html"


def test_without_activities_the_last_order_is_the_last_contact(no_contacts_no_targets, demo_frames):
    figures, _ = no_contacts_no_targets
    as_of = pd.Timestamp(figures["as_of"])
    orders = demo_frames["Orders"]
    live = orders[(orders["status"] != "cancelled") & (orders["order_date"] <= as_of)]
    last_order = live.groupby("customer_id")["order_date"].max()
    for c in figures["overdue"]:
        assert c["last_contact"] is not None
        assert pd.Timestamp(c["last_contact"]) == last_order[c["customer_id"]]
        assert pd.Timestamp(c["next_revisit"]) < as_of
    recent = set(last_order[last_order > as_of - pd.Timedelta(days=7)].index)
    assert recent and not recent & {c["customer_id"] for c in figures["overdue"]}


def test_without_targets_the_teams_rank_by_sales(no_contacts_no_targets, demo_frames):
    figures, _ = no_contacts_no_targets
    orders = demo_frames["Orders"]
    month = orders[(orders["status"] != "cancelled") & (orders["order_date"].dt.strftime("%Y-%m") == MONTH)]
    by_team = month.merge(demo_frames["Reps"][["rep_id", "team"]], on="rep_id").groupby("team")["amount"].sum()
    assert all(t["target"] in (None, 0) for t in figures["teams"])
    assert [t["team"] for t in figures["teams"]] == list(by_team.sort_values(ascending=False).index)


def test_a_team_without_a_manager_shows_no_none(no_contacts_no_targets, demo_frames):
    figures, page = no_contacts_no_targets
    first = demo_frames["Teams"]["team"].iat[0]
    assert next(t for t in figures["teams"] if t["team"] == first)["manager"] is None
    html = page.read_text(encoding="utf-8")
    row = html[html.index(f'<tr data-team="{first}">'):]
    assert "None" not in row[:row.index("</tr>")]
    assert "nan" not in row[:row.index("</tr>")]
    report_row = html[html.index(f"<tr><td>{first}</td>"):]                  # the team reports' table
    assert "None" not in report_row[:report_row.index("</tr>")]
