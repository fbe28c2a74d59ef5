"""The weekly review (周报): a rep's and a team's week computed again independently with pandas
from a real workbook's sheets (a week spanning two months, 2026-W40: 28 Sep - 4 Oct 2026), and
found in the model and the rendered xlsx, HTML and PDF; planted deals and a planted
OpportunityHistory give known new, won, lost, slipped deals and stage moves."""
from __future__ import annotations

import datetime as dt
import io
import json
import subprocess
from dataclasses import replace

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from addin.engine.kpi import attainment_of
from addin.engine.rules import counted
from generators.cli import main
from generators.monthdata import load_month
from generators.periods import parse_period
from generators.report_model import BEHIND_PACE
from generators.review_data import review_facts
from generators.review_render import review_html, review_pdf, review_xlsx
from tests.test_period_targets import exact_month_cents, exact_period, working_share
from workbooks import demo
from workbooks.i18n import language
from workbooks.reader import read_workbook
from workbooks.salesbook import write_sales_workbook

W40 = parse_period("2026-W40")
FORMULA_NAME = "=1+1 Trading"         # a customer's name that looks like a formula: text in every format
D = pd.Timestamp
NaT = pd.NaT

# the planted rep's whole pipeline: (opp_id, stage, created, closed, amount, expected_close, lost_stage)
PLANTED = [
    ("X-NEW1", "qualified", "2026-09-29", NaT, 1000.00, "2026-10-20", None),   # created in the week
    ("X-NEW2", "lead", "2026-10-02", NaT, np.nan, NaT, None),                   # created, amount blank
    ("X-WON", "won", "2026-08-01", "2026-09-30", 2500.50, NaT, None),
    ("X-LOST", "lost", "2026-07-15", "2026-10-03", 800.00, NaT, "quote"),
    ("X-SLIP", "negotiation", "2026-08-10", NaT, np.nan, "2026-09-25", None),   # slipped, amount blank
    ("X-SLIP2", "won", "2026-08-12", "2026-10-15", 3000.00, "2026-09-30", None),  # open on 4 Oct, won later
    ("X-NEXT", "quote", "2026-09-01", NaT, 1200.00, "2026-10-07", None),       # expected to close next week
    ("X-OLDWON", "won", "2026-06-01", "2026-09-20", 900.00, NaT, None),        # won before the week
    ("X-LATE", "lead", "2026-10-05", NaT, 400.00, "2026-10-09", None),          # created after the week
]
HISTORY = [
    ("X-NEXT", "2026-09-01", "lead"), ("X-NEXT", "2026-09-10", "qualified"), ("X-NEXT", "2026-09-29", "demo"),
    ("X-NEXT", "2026-10-01", "quote"),
    ("X-SLIP", "2026-08-10", "lead"), ("X-SLIP", "2026-08-20", "quote"), ("X-SLIP", "2026-09-15", "negotiation"),
    ("X-SLIP", "2026-10-02", "quote"), ("X-SLIP", "2026-10-03", "negotiation"),
    ("X-LOST", "2026-07-15", "lead"), ("X-LOST", "2026-08-01", "quote"), ("X-LOST", "2026-10-03", "lost"),
    ("X-NEW1", "2026-09-29", "lead"), ("X-NEW1", "2026-10-05", "qualified"),
    ("X-WON", "2026-08-01", "negotiation"), ("X-WON", "2026-09-30", "won"),
]
ADVANCED = {("X-NEXT", "qualified", "demo"), ("X-NEXT", "demo", "quote"), ("X-SLIP", "quote", "negotiation"),
            ("X-WON", "negotiation", "won")}
MOVED_BACK = {("X-SLIP", "negotiation", "quote")}


def _planted_frames(frames: dict, rep: str) -> dict:
    """The demo's sheets with the rep's pipeline and its history replaced by the planted ones."""
    frames = {k: v.copy() for k, v in frames.items()}
    customers = frames["Customers"]
    mine = customers[customers["owner_rep_id"] == rep]["customer_id"].tolist()
    customers.loc[customers["customer_id"] == mine[0], "name"] = FORMULA_NAME
    opps = frames["Opportunities"]
    gone = set(opps.loc[opps["rep_id"] == rep, "opp_id"])
    opps = opps[opps["rep_id"] != rep].assign(expected_close=pd.NaT)
    planted = pd.DataFrame(PLANTED, columns=["opp_id", "stage", "created", "closed", "amount", "expected_close",
                                             "lost_stage"])
    planted = planted.assign(rep_id=rep, customer_id=[mine[i % 3] for i in range(len(planted))], probability=np.nan)
    for c in ("created", "closed", "expected_close"):
        planted[c] = pd.to_datetime(planted[c])
    frames["Opportunities"] = pd.concat([opps, planted[opps.columns]], ignore_index=True)
    history = frames["OpportunityHistory"]
    history = history[~history["opp_id"].isin(gone)]
    extra = pd.DataFrame(HISTORY, columns=["opp_id", "date", "stage"]).assign(date=lambda d: pd.to_datetime(d["date"]))
    extra["amount"] = extra["opp_id"].map(planted.set_index("opp_id")["amount"])
    frames["OpportunityHistory"] = pd.concat([history, extra], ignore_index=True)
    return frames


@pytest.fixture(scope="module")
def planted(tmp_path_factory, demo_frames):
    reps = demo_frames["Reps"]
    rep = reps[reps["hire_date"].isna() | (reps["hire_date"] < D("2025-06-01"))]["rep_id"].iloc[0]
    book = tmp_path_factory.mktemp("week") / "sales.xlsx"
    write_sales_workbook(_planted_frames(demo_frames, rep), book)
    return book, rep


@pytest.fixture(scope="module")
def facts(planted):
    book, _ = planted
    return review_facts(load_month(book, None, period=W40), W40)


@pytest.fixture(scope="module")
def sheets(planted):
    return read_workbook(planted[0]).frames


def _reports(facts, rep):
    r = next(c for c in facts.reps if c.key == rep)
    return r, next(c for c in facts.teams if c.key == r.rep.team)


def _cells(xlsx: bytes) -> list[tuple]:
    ws = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    return [tuple(c.value for c in row) for row in ws.iter_rows()]


def _row(cells, first):
    return next(r for r in cells if r[0] == first)


def test_a_reps_and_a_teams_week_and_month_to_date_match_the_sheets(planted, facts, sheets):
    book, rep = planted
    r, team = _reports(facts, rep)
    orders, reps = sheets["Orders"], sheets["Reps"]
    live = orders[counted(orders["status"])]
    week = live[(live["order_date"] >= D(W40.first)) & (live["order_date"] <= D(W40.last))]
    as_of = min(D(W40.last), live["order_date"].max())
    mtd = live[(live["order_date"] >= D("2026-10-01")) & (live["order_date"] <= as_of)]
    active = reps[reps["active"].fillna(True).astype(bool) & (reps["hire_date"].isna() | (reps["hire_date"] <= D(W40.last)))]
    members = active[active["team"] == team.key]["rep_id"].tolist()
    rep_net = round(float(week[week["rep_id"] == rep]["amount"].sum()), 2)
    team_net = round(float(week[week["rep_id"].isin(members)]["amount"].sum()), 2)
    assert rep_net > 0 and team_net > rep_net and len(W40.months) == 2
    assert (r.sales[0].label, r.sales[0].actual) == ("Week", rep_net)
    assert (team.sales[0].label, team.sales[0].actual) == ("Week", team_net)
    # the week's target: each month's working-day share of its phased target, within the roundings' cents
    assert abs(r.sales[0].target * 100 - exact_period(sheets, "rep", rep, W40)) <= 6
    assert abs(team.sales[0].target * 100 - exact_period(sheets, "team", team.key, W40)) <= 4
    # October to date (the month the week ends in): 1 to 4 Oct, against October's target pro-rated
    share = working_share(D("2026-10-01"), as_of, "2026-10")
    assert r.sales[-1].label == "Month to date" and r.month == "2026-10" and not r.open_week
    assert r.sales[-1].actual == round(float(mtd[mtd["rep_id"] == rep]["amount"].sum()), 2)
    assert team.sales[-1].actual == round(float(mtd[mtd["rep_id"].isin(members)]["amount"].sum()), 2)
    oct_team = exact_month_cents(sheets, "team", team.key, 2026)["2026-10"]
    assert abs(team.sales[-1].target * 100 - oct_team * share) <= 2
    # the team's reps ranked on the week: attainment, then sales
    assert sorted(x.rep_id for x in team.reps) == sorted(members)
    att = [attainment_of(x.actual, x.target) for x in team.reps]
    assert att == sorted(att, reverse=True) and [x.rank for x in team.reps] == list(range(1, len(members) + 1))
    assert {x.rep_id for x in team.behind} == {x.rep_id for x, a in zip(team.reps, att) if a < BEHIND_PACE}
    # ... and in what a manager reads
    t = language("en")
    row = _row(_cells(review_xlsx(r)), "Week")
    assert row[1:3] == (rep_net, r.sales[0].target)
    assert _row(_cells(review_xlsx(team)), "Week")[1] == team_net
    html = review_html(team)
    for figure in (team_net, team.sales[0].target, team.sales[-1].actual):
        assert t.money(figure) in html
    assert "Weekly team review" in html and "Week 40, 2026 (28 Sep\u20134 Oct)" in html


def test_the_pipelines_week_finds_the_planted_deals(planted, facts):
    _, rep = planted
    r, team = _reports(facts, rep)
    p = r.pipeline
    ids = lambda deals: {d.opp_id for d in deals}      # noqa: E731
    assert ids(p.created) == {"X-NEW1", "X-NEW2"}
    assert ids(p.won) == {"X-WON"} and ids(p.lost) == {"X-LOST"}
    assert ids(p.slipped) == {"X-SLIP", "X-SLIP2"}
    assert ids(r.next_week.closing) == {"X-NEXT"} and (r.next_week.first, r.next_week.last) == ("2026-10-05", "2026-10-11")
    blank = next(d for d in p.created if d.opp_id == "X-NEW2")
    assert blank.amount is None and next(d for d in p.won).amount == 2500.50
    assert all(d.customer for d in p.created)               # the customer's name is there
    assert ids(p.won) <= ids(team.pipeline.won) and ids(p.slipped) <= ids(team.pipeline.slipped)
    line = next(x for x in team.lines if x.rep_id == rep)
    assert (line.created, line.won, line.won_amount, line.lost, line.slipped, line.closing) == (2, 1, 2500.50, 1, 2, 1)
    cells = _cells(review_xlsx(r))
    slip = _row(cells, "X-SLIP")
    assert slip[4] is None and slip[5] == "2026-09-25"        # a blank amount is shown blank
    assert FORMULA_NAME in {c for row in cells for c in row}  # text, never a formula
    ws = openpyxl.load_workbook(io.BytesIO(review_xlsx(r))).active
    assert all(c.data_type == "s" for row in ws.iter_rows() for c in row if c.value == FORMULA_NAME)
    html = review_html(r)
    assert all(opp in html for opp in ("X-NEW1", "X-NEW2", "X-WON", "X-LOST", "X-SLIP2", "X-NEXT"))
    assert "X-OLDWON" not in html and "X-LATE" not in html


def test_stage_moves_come_from_the_planted_history(planted, facts):
    _, rep = planted
    r, team = _reports(facts, rep)
    moves = lambda ms: {(m.opp_id, m.from_stage, m.to_stage) for m in ms}     # noqa: E731
    assert moves(r.pipeline.advanced) == ADVANCED
    assert moves(r.pipeline.moved_back) == MOVED_BACK
    assert moves(r.pipeline.moved_back) <= moves(team.pipeline.moved_back)
    stages = {"lead", "qualified", "demo", "quote", "negotiation", "won"}
    shown = {(row[0], row[3], row[4], row[6]) for row in _cells(review_xlsx(r)) if row[3] in stages and row[4] in stages}
    assert ("X-SLIP", "negotiation", "quote", "2026-10-02") in shown and ("X-WON", "negotiation", "won", "2026-09-30") in shown
    assert {(o, a, b) for o, a, b, _ in shown} == ADVANCED | MOVED_BACK
    assert "Stage moves need" not in review_html(r)


@pytest.fixture(scope="module")
def bare(tmp_path_factory, demo_frames):
    """The demo without OpportunityHistory, without expected_close, its orders ending on Wed 7 Oct 2026,
    and a row of R0002's in error."""
    frames = {k: v for k, v in demo_frames.items() if k != "OpportunityHistory"}
    frames["Opportunities"] = frames["Opportunities"].drop(columns=["expected_close", "probability"])
    orders = frames["Orders"][frames["Orders"]["order_date"] <= D("2026-10-07")].copy()
    bad = orders.index[(orders["rep_id"] == "R0002") & (orders["status"] == "booked")][0]
    orders.loc[bad, "amount"] = -5.0            # a booked line with a negative amount: R0002 is left out
    frames["Orders"] = orders
    frames["OrderCredits"] = frames["OrderCredits"][frames["OrderCredits"]["order_id"].isin(orders["order_id"])]
    book = tmp_path_factory.mktemp("bare") / "sales.xlsx"
    write_sales_workbook(frames, book)
    week = parse_period("2026-W41")
    return review_facts(load_month(book, None, period=week, language="zh-CN"), week), frames


def test_without_history_or_expected_close_the_review_says_what_they_need(bare):
    facts, _ = bare
    r, team = facts.reps[0], facts.teams[0]
    assert r.pipeline.slipped is None and r.pipeline.advanced is None and r.next_week.closing is None
    for ctx in (r, team):
        for lang, history, expected in (("en", "Stage moves need the OpportunityHistory sheet.",
                                         "Slipped deals and deals expected to close need the expected_close column"),
                                        ("zh-CN", "阶段变化需要 OpportunityHistory 工作表。", "需要 Opportunities 工作表的 expected_close 列")):
            shown = review_html(replace(ctx, lang=lang))
            assert history in shown and expected in shown
        text = {v for row in _cells(review_xlsx(ctx)) for v in row if isinstance(v, str)}
        assert "阶段变化需要 OpportunityHistory 工作表。" in text


def test_an_open_week_has_its_target_to_date_and_who_is_behind_on_it(bare):
    facts, frames = bare
    assert facts.open_period and str(facts.as_of) == "2026-10-07"
    team = facts.teams[0]
    week, to_date = team.sales[0], team.sales[1]
    assert (week.label, to_date.label) == ("Week", "Week to date")
    assert to_date.target == pytest.approx(round(week.target * 3 / 5 + 1e-9, 2), abs=0.005)   # Mon-Wed of five days
    att = {x.rep_id: attainment_of(x.actual, x.target) for x in team.reps}
    assert {x.rep_id for x in team.behind} == {k for k, a in att.items() if a is not None and a < BEHIND_PACE * 0.6}
    assert team.working_days == 3 and sum(a.planned for a in facts.reps[0].activities) > 0
    html = review_html(team)
    assert "2026年第41周（10月5日–10月11日）" in html and "本周至今" in html and "团队周报" in html


def test_the_pdf_is_made_with_the_weeks_figures(planted, facts):
    _, rep = planted
    r, team = _reports(facts, rep)
    t = language("en")
    for ctx in (r, team):
        pdf = review_pdf(ctx)
        assert pdf.startswith(b"%PDF")
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        assert t.money(ctx.sales[0].actual) in text and t.money(ctx.sales[0].target) in text
        assert "Week 40, 2026" in text and "X-SLIP" in text


def test_the_command_line_writes_every_weekly_review_with_the_weeks_figures(tmp_path, planted, facts):
    book, rep = planted
    run = CliRunner().invoke(main, ["reports", str(book), "--period", "2026-W40", "--out", str(tmp_path),
                                    "--formats", "xlsx,html"])
    assert run.exit_code == 0, run.output
    folder = tmp_path / "2026-W40"
    r, team = _reports(facts, rep)
    assert _row(_cells((folder / "reps" / f"{rep}.xlsx").read_bytes()), "Week")[1:3] == (r.sales[0].actual,
                                                                                       r.sales[0].target)
    html = (folder / "teams" / f"{team.key}.html").read_text(encoding="utf-8")
    assert language("en").money(team.sales[0].actual) in html and "X-SLIP" in html
    summary = pd.read_excel(folder / "summary.xlsx", sheet_name="Summary").set_index("rep or team")
    assert summary.loc[rep, "actual"] == r.sales[0].actual and summary.loc[team.key, "actual"] == team.sales[0].actual
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    titles = {(d["kind"], d["key"]): d["title"] for d in manifest["deliveries"]}
    assert titles[("rep", rep)].startswith("Weekly review: ") and len(titles) == len(facts.reps) + len(facts.teams)


def test_a_rep_left_out_is_not_in_the_teams_figures_and_the_team_review_names_them(bare):
    facts, frames = bare
    reps = frames["Reps"].set_index("rep_id")
    team = next(t for t in facts.teams if t.key == reps.loc["R0002", "team"])
    assert "R0002" not in {r.key for r in facts.reps} and "R0002" not in {r.rep_id for r in team.reps}
    assert [x.rep_id for x in team.left_out] == ["R0002"]
    assert team.sales[0].actual == pytest.approx(sum(r.actual for r in team.reps), abs=0.005)
    html = review_html(team)
    assert reps.loc["R0002", "name"] in html and "R0002" in html


def test_the_month_reviewed_is_the_as_of_days_within_the_week():
    from generators.review_data import reviewed_month
    w44, w40 = parse_period("2026-W44"), parse_period("2026-W40")     # 26 Oct-1 Nov; 28 Sep-4 Oct
    assert reviewed_month(w44, dt.date(2026, 10, 30)) == "2026-10"    # data to Friday: October, not November
    assert reviewed_month(w44, dt.date(2026, 11, 1)) == "2026-11"
    assert reviewed_month(w40, dt.date(2026, 10, 4)) == "2026-10"
    assert reviewed_month(w40, dt.date(2026, 9, 20)) == "2026-09"     # no order in the week: its first day's month
