"""The manager's month at a glance (OUT/MONTH/index.html), rendered by headless Chromium: the
figures on the page are checked against figures computed here straight from the workbook's
sheets, and a screenshot is kept in test-artifacts/ for a person to look at."""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from generators.cli import main

ROOT = Path(__file__).resolve().parent.parent
MONTH = "2026-10"


def chromium_or_skip() -> str:
    exe = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
    if exe:
        return exe
    if os.environ.get("CI") == "true":
        pytest.fail("Chromium is missing under CI; `make test` installs it (Debian: chromium)")
    pytest.skip("Chromium is not installed; `make test` installs it when run as root")


def sheet(path: Path, name: str) -> pd.DataFrame:
    rows = list(openpyxl.load_workbook(path, read_only=True, data_only=True)[name].values)
    return pd.DataFrame(rows[1:], columns=rows[0])


def money(text: str) -> float:
    return float(text.replace(",", ""))


def figure(dom: str, block: str, name: str) -> str:
    """The text of the element marked data-figure=NAME inside the element that BLOCK's regex opens."""
    start = re.search(block, dom)
    assert start, block
    found = re.search(rf'data-figure="{name}"[^>]*>([^<]+)<', dom[start.end():])
    assert found, (block, name)
    return found.group(1).strip()


@pytest.fixture(scope="module")
def month_page(tmp_path_factory):
    """The demo's month: reports, statements, reconciliation, outbox and planning workbook."""
    out = tmp_path_factory.mktemp("dashboard")
    result = CliRunner().invoke(main, ["demo", "--out", str(out), "--formats", "xlsx,html"])
    assert result.exit_code in (0, 1), result.output
    return out


def test_the_month_at_a_glance_shows_the_workbooks_figures(month_page):
    exe = chromium_or_skip()
    page = month_page / MONTH / "index.html"
    dom = subprocess.run([exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--dump-dom", page.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    assert "<h1>Sales, October 2026</h1>" in dom and "<script" not in dom

    # figures computed here, from the sheets, without SalesDesk's reader or engine
    book = month_page / "demo-sales.xlsx"
    orders, reps, targets, season = (sheet(book, n) for n in ("Orders", "Reps", "Targets", "Seasonality"))
    orders["order_date"] = pd.to_datetime(orders["order_date"])
    october = orders[(orders["order_date"].dt.strftime("%Y-%m") == MONTH)
                     & orders["status"].isin(["booked", "returned"])]
    october = october[october["rep_id"].isin(reps.loc[reps["active"].astype(bool), "rep_id"])]
    team_of = reps.set_index("rep_id")["team"]
    sales = october.groupby(october["rep_id"].map(team_of))["amount"].sum().round(2)
    weights = season.sort_values("month")["weight"].astype(float)
    share = weights.iloc[9] / weights.sum()
    team_targets = targets[(targets["level"] == "team") & (targets["year"] == 2026)].set_index("key")["annual_target"] * share
    attainment = (sales / team_targets).sort_values(ascending=False)

    company = r'data-span="Month"'
    assert money(figure(dom, company, "actual")) == pytest.approx(round(sales.sum(), 2), abs=0.005)
    assert money(figure(dom, company, "target")) == pytest.approx(team_targets.sum(), abs=0.05)
    ranked = re.findall(r'<tr data-team="([^"]+)">', dom)
    assert ranked == list(attainment.index)                                       # the ranking
    for team in ranked:
        row = rf'<tr data-team="{re.escape(team)}">'
        assert money(figure(dom, row, "actual")) == pytest.approx(sales[team], abs=0.005)
        assert figure(dom, row, "attainment") == f"{attainment[team]:.1%}"
    returns = october[october["status"] == "returned"]
    assert int(figure(dom, r'id="customers"', "returns")) == len(returns)
    assert money(figure(dom, r'id="customers"', "returns-amount")) == pytest.approx(returns["amount"].sum(), abs=0.005)
    # the champion: the best attainment of a rep with a quota (the demo's rep quotas tie to the team's)
    rep_targets = targets[(targets["level"] == "rep") & (targets["year"] == 2026)].set_index("key")["annual_target"] * share
    rep_att = (october.groupby("rep_id")["amount"].sum() / rep_targets).dropna()
    best = rep_att.idxmax()
    assert figure(dom, r'id="champion"', "name") == reps.set_index("rep_id").loc[best, "name"]
    # the other commands' files are linked, and the reconciliation's planted discrepancies counted
    assert re.search(r'id="reconciliation"[^>]*>6 rep\(s\) flagged', dom)
    for link in ('href="reconciliation.xlsx"', 'href="../planning.xlsx"', 'href="outbox/"', 'href="commissions/"',
                 'href="reps/R0001.html"', 'href="teams/North.xlsx"'):
        assert link in dom, link

    artifacts = ROOT / "test-artifacts"
    artifacts.mkdir(exist_ok=True)
    shot = artifacts / "dashboard.png"
    subprocess.run([exe, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=1400,1900", f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=120, check=True)
    assert shot.stat().st_size > 50_000


def test_the_page_links_only_what_is_there(tmp_path, demo_book):
    """Before commissions, reconcile and send, the page says what is not made yet; each command
    then draws it again with its files."""
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(main, ["reports", str(demo_book), "--month", MONTH, "--out", str(out),
                                "--formats", "xlsx"]).exit_code == 0
    page = (out / MONTH / "index.html").read_text(encoding="utf-8")
    assert "not made yet (salesdesk commissions)" in page and "not made yet (salesdesk reconcile)" in page
    assert runner.invoke(main, ["commissions", str(demo_book), "--month", MONTH, "--out", str(out),
                                "--formats", "xlsx"]).exit_code in (0, 1)
    page = (out / MONTH / "index.html").read_text(encoding="utf-8")
    assert "not made yet (salesdesk commissions)" not in page and 'href="commissions/"' in page
    assert "not made yet (salesdesk reconcile)" in page
    # reports again: the month is rebuilt beside the old one, the statements carried over and still linked
    assert runner.invoke(main, ["reports", str(demo_book), "--month", MONTH, "--out", str(out),
                                "--formats", "xlsx"]).exit_code == 0
    page = (out / MONTH / "index.html").read_text(encoding="utf-8")
    assert 'href="commissions/"' in page and "not made yet (salesdesk commissions)" not in page


def test_the_demo_posts_to_the_chats_as_a_dry_run(month_page):
    """`salesdesk demo` writes an example salesdesk.toml and `post --dry-run`'s requests."""
    config = (month_page / "salesdesk.toml").read_text(encoding="utf-8")
    assert "EXAMPLE" in config and config.count("[[chat]]") == 3
    requests = sorted((month_page / MONTH / "outbox" / "chat").glob("*.json"))
    kinds = {p.name.split("-")[0] for p in requests}
    assert kinds == {"wecom", "dingtalk", "feishu"}
    teams = json.loads((month_page / MONTH / "dashboard.json").read_text(encoding="utf-8"))["teams"]
    # WeCom gets every team and the company (no PDFs in this run: xlsx,html); the others share the teams
    assert len(requests) == (len(teams) + 1) + len(teams)
    assert not (month_page / "chat-ledger.sqlite").exists()
