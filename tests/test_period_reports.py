"""`salesdesk reports BOOK --period P`: a week's, quarter's and year's summary.xlsx, its figures
computed again independently with pandas from the workbook's sheets."""
from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from addin.engine.rules import counted
from generators.cli import main
from generators.periods import parse_period
from tests.test_period_targets import exact_period
from workbooks.reader import read_workbook


@pytest.fixture(scope="module")
def sheets(demo_book):
    return read_workbook(demo_book).frames


def run(book, out, *args):
    return CliRunner().invoke(main, ["reports", str(book), *args, "--out", str(out)])


@pytest.mark.parametrize("text", ["2026-W40", "2026-Q3", "2026"])
def test_summary_of_a_week_a_quarter_and_a_year_matches_the_sheets(tmp_path, demo_book, sheets, text):
    result = run(demo_book, tmp_path, "--period", text)
    assert result.exit_code == 0, result.output
    summary = pd.read_excel(tmp_path / text / "summary.xlsx", sheet_name="Summary")
    period = parse_period(text)
    orders, reps = sheets["Orders"], sheets["Reps"]
    live = orders[counted(orders["status"])]
    live = live[(live["order_date"] >= pd.Timestamp(period.first)) & (live["order_date"] <= pd.Timestamp(period.last))]
    net = live.groupby("rep_id")["amount"].sum()
    rows = summary[summary["kind"] == "rep"].set_index("rep or team")
    team_rows = summary[summary["kind"] == "team"].set_index("rep or team")
    active = reps[reps["active"].fillna(True).astype(bool) & (reps["hire_date"].isna()
                                                              | (reps["hire_date"] <= pd.Timestamp(period.last)))]
    assert sorted(rows.index) == sorted(active["rep_id"])
    for rep in rows.index:
        assert rows.loc[rep, "actual"] == pytest.approx(round(float(net.get(rep, 0.0)), 2), abs=0.005)
        cents = round(rows.loc[rep, "target"] * 100)
        assert abs(cents - exact_period(sheets, "rep", rep, period)) <= 3 * len(period.months)
    members = active.groupby("team")["rep_id"].apply(list)
    for team in team_rows.index:
        assert team_rows.loc[team, "actual"] == pytest.approx(round(float(net.reindex(members[team]).fillna(0).sum()), 2),
                                                              abs=0.005)
        cents = round(team_rows.loc[team, "target"] * 100)
        assert abs(cents - exact_period(sheets, "team", team, period)) <= 2 * len(period.months)
        # the reps' targets add up to their team's exactly, to the cent
        assert round(rows[rows["team"] == team]["target"].sum() * 100) == cents
    assert (summary["actual"] > 0).all() and (summary["target"] > 0).all()
    ratio = summary["actual"] / summary["target"]
    assert summary["attainment"].to_numpy() == pytest.approx(ratio.to_numpy())


def test_an_open_period_has_its_target_to_date(tmp_path, demo_book, sheets):
    # the demo's orders end in October 2026: the year 2026 is open, its third quarter closed
    assert run(demo_book, tmp_path, "--period", "2026").exit_code == 0
    assert run(demo_book, tmp_path, "--period", "2026-Q3").exit_code == 0
    year = pd.read_excel(tmp_path / "2026" / "summary.xlsx")
    about = pd.read_excel(tmp_path / "2026" / "summary.xlsx", sheet_name="Period", header=None).set_index(0)[1]
    as_of = pd.Timestamp(about["as of"])
    assert as_of == sheets["Orders"][counted(sheets["Orders"]["status"])]["order_date"].max()
    # the months passed whole and the month in progress by its working days passed: the exact share
    # of the targets from the year's first day to the as-of day (exact_period), within a cent a month
    span = parse_period("2026")
    span = type(span)("year", "2026", span.first, as_of.date())
    for row in year.itertuples():
        level = "rep" if row.kind == "rep" else "team"
        assert abs(round(row[year.columns.get_loc("target to date") + 1] * 100)
                   - exact_period(sheets, level, row[2], span)) <= 3 * len(span.months)
    assert "target to date" not in pd.read_excel(tmp_path / "2026-Q3" / "summary.xlsx").columns


def test_month_given_as_a_period_is_the_month_run_and_bad_periods_are_refused(tmp_path, demo_book):
    for bad, said in (("2026-W60", "2026 has 53 ISO weeks"), ("2026-Q5", "2026-Q3 (quarter) or 2026 (year)"),
                      ("10/2026", "2026-W41 (ISO week), 2026-10 (month)"), ("2030", "2030 is after them"),
                      ("2019-Q1", "2019-Q1 is before them")):
        result = run(demo_book, tmp_path, "--period", bad)
        assert result.exit_code == 2 and said in " ".join(result.output.split()), result.output
        assert not (tmp_path / bad).exists()
    both = run(demo_book, tmp_path, "--period", "2026-Q3", "--month", "2026-10")
    neither = run(demo_book, tmp_path)
    assert both.exit_code == neither.exit_code == 2 and "one of them" in both.output + neither.output
    result = run(demo_book, tmp_path, "--period", "2026-10", "--formats", "xlsx", "--only", "R0001")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "2026-10" / "manifest.json").exists()


@pytest.fixture(scope="module")
def period_runs(tmp_path_factory, demo_book):
    """The weeks 2026-W41 and W42, the month 2026-10 and the quarter 2026-Q4 of the demo, in one OUT."""
    out = tmp_path_factory.mktemp("periods")
    for args in (("--period", "2026-W41"), ("--period", "2026-W42"), ("--month", "2026-10"), ("--period", "2026-Q4")):
        result = run(demo_book, out, *args, "--formats", "xlsx,html")
        assert result.exit_code == 0, result.output
    return out


def _links(page) -> dict[str, str]:
    import re
    return dict(re.findall(r'<a href="\.\./([^/]+)/index\.html" data-role="(\w+)"', page.read_text(encoding="utf-8")))


def test_each_dashboard_says_its_period_and_links_the_related_periods_in_out(period_runs):
    w41, w42 = (period_runs / k / "index.html" for k in ("2026-W41", "2026-W42"))
    assert "<h1>Sales, Week 41, 2026</h1>" in w41.read_text(encoding="utf-8")
    # each page links what exists in OUT, also what was made after it (drawn again by the later run)
    assert _links(w41) == {"2026-W42": "next", "2026-10": "month", "2026-Q4": "quarter"}
    assert _links(w42) == {"2026-W41": "previous", "2026-10": "month", "2026-Q4": "quarter"}
    assert _links(period_runs / "2026-10" / "index.html") == {"2026-Q4": "quarter", "2026-W41": "week", "2026-W42": "week"}
    assert _links(period_runs / "2026-Q4" / "index.html") == {"2026-10": "month"}
    quarter = (period_runs / "2026-Q4" / "index.html").read_text(encoding="utf-8")
    assert 'id="company-reports"' in quarter and 'href="company/company.html"' in quarter
    manifest = json.loads((period_runs / "2026-Q4" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["period"] == "2026-Q4" and manifest["period_kind"] == "quarter"
    figures = json.loads((period_runs / "2026-W41" / "dashboard.json").read_text(encoding="utf-8"))
    summary = pd.read_excel(period_runs / "2026-W41" / "summary.xlsx")
    teams = summary[summary["kind"] == "team"]
    assert figures["company"][0]["actual"] == pytest.approx(round(teams["actual"].sum(), 2), abs=0.001)
    assert {t["team"]: t["actual"] for t in figures["teams"]} == pytest.approx(dict(zip(teams["rep or team"], teams["actual"])))


def test_send_and_post_take_a_period(period_runs, tmp_path, monkeypatch):
    sent = CliRunner().invoke(main, ["send", str(period_runs), "--period", "2026-W41", "--dry-run", "--only", "R0001"])
    assert sent.exit_code == 0, sent.output
    import email
    import email.policy
    (eml,) = (period_runs / "2026-W41" / "outbox").glob("*.eml")
    message = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert message["Subject"] == "Your sales report for Week 41, 2026"
    body = message.get_body(("plain",)).get_content()
    manifest = json.loads((period_runs / "2026-W41" / "manifest.json").read_text(encoding="utf-8"))
    week = next(d for d in manifest["deliveries"] if d["key"] == "R0001")["highlights"]
    assert f"Sales in Week 41, 2026: {week['actual']:,.2f} against a target of {week['target']:,.2f}" in body
    assert not (period_runs / "2026-Q4" / "outbox").exists()
    quarter = CliRunner().invoke(main, ["send", str(period_runs), "--period", "2026-Q4", "--dry-run"])
    assert quarter.exit_code == 0, quarter.output
    assert "the company's summary is not mailed" in quarter.output
    kinds = {email.message_from_bytes(p.read_bytes(), policy=email.policy.default)["Subject"].split()[0]
             for p in (period_runs / "2026-Q4" / "outbox").glob("*.eml")}
    assert kinds == {"Your", "Team"}              # the reps' and teams' summaries: no company, no finance message
    monkeypatch.chdir(tmp_path)
    (tmp_path / "salesdesk.toml").write_text('[[chat]]\nkind = "wecom"\nurl = "https://qyapi.weixin.qq.com/cgi-bin/'
                                             'webhook/send?key=abc"\nteams = ["*"]\n', encoding="utf-8")
    posted = CliRunner().invoke(main, ["post", str(period_runs), "--period", "2026-Q4", "--dry-run"])
    assert posted.exit_code == 0, posted.output
    bodies = [json.loads(p.read_text(encoding="utf-8")) for p in (period_runs / "2026-Q4" / "outbox" / "chat").glob("*.json")]
    text = " ".join(b["json"]["markdown"]["content"] for b in bodies)
    assert "Sales, Q4 2026" in text and "Overdue revisits" not in text
    wrong = CliRunner().invoke(main, ["post", str(period_runs), "--period", "2026-W43", "--dry-run"])
    assert wrong.exit_code == 2 and "run `salesdesk reports` for 2026-W43 first" in wrong.output


def test_only_in_a_period_run_replaces_just_its_reports(period_runs, demo_book):
    before = (period_runs / "2026-W41" / "teams" / "North.html").stat().st_mtime_ns
    result = run(demo_book, period_runs, "--period", "2026-W41", "--formats", "xlsx,html", "--only", "R0001")
    assert result.exit_code == 0, result.output
    assert (period_runs / "2026-W41" / "teams" / "North.html").stat().st_mtime_ns == before
    manifest = json.loads((period_runs / "2026-W41" / "manifest.json").read_text(encoding="utf-8"))
    assert {d["kind"] for d in manifest["deliveries"]} == {"rep", "team"} and len(manifest["deliveries"]) > 10
    typo = run(demo_book, period_runs, "--period", "2026-W41", "--only", "R9999")
    assert typo.exit_code == 2 and "R9999" in typo.output
