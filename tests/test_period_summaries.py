"""The quarter and year summaries (季度总结、年度总结): a rep's, a team's and the company's figures
computed again independently with pandas from a real workbook's sheets (24 months, orders planted
around the year before's first day), and found in the model and in the rendered xlsx, HTML and PDF."""
from __future__ import annotations

import io
import subprocess

import openpyxl
import pandas as pd
import pytest

from generators.commissions import month_result
from generators.ledger import Ledger
from generators.monthdata import load_month
from generators.periods import parse_period
from generators.summary_data import summary_facts
from generators.summary_render import summary_html, summary_pdf, summary_xlsx
from tests.test_period_targets import exact_period
from workbooks import demo
from workbooks.i18n import language
from workbooks.reader import read_workbook
from workbooks.salesbook import write_sales_workbook

REP = "R0003"
# planted for REP around Q3 2025 (the year before 2026-Q3): only the first and the last count there
PLANTED = [("O9000001", "2025-07-01", 1234.56, "booked", None),          # the span's first day: counts
           ("O9000002", "2025-06-30", 999.99, "booked", None),           # the day before: does not
           ("O9000003", "2025-08-15", 500.00, "cancelled", None),        # cancelled: counts nowhere
           ("O9000004", "2025-09-30", -234.56, "returned", "O9000001"),  # a return: net
           ("O9000005", "2026-09-30", 777.77, "booked", None)]           # in 2026-Q3 itself
PLANTED_BEFORE = 1234.56 - 234.56


@pytest.fixture(scope="module")
def unplanted():
    """The demo's sheets over 24 months (November 2024 to October 2026) before planting."""
    return demo.build(reps=12, teams=3, months=24, seed=5)


@pytest.fixture(scope="module")
def book(tmp_path_factory, unplanted):
    frames = {name: frame.copy() for name, frame in unplanted.items()}
    orders = frames["Orders"]
    customer = frames["Customers"][frames["Customers"]["owner_rep_id"] == REP]["customer_id"].iloc[0]
    rows = pd.DataFrame([{"order_id": oid, "order_date": pd.Timestamp(day), "rep_id": REP, "customer_id": customer,
                          "product": "Planted", "quantity": 1.0, "amount": amount, "cost": 0.0, "status": status,
                          "original_order_id": original} for oid, day, amount, status, original in PLANTED])
    frames["Orders"] = pd.concat([orders, rows.astype({"order_date": orders["order_date"].dtype})], ignore_index=True)
    path = tmp_path_factory.mktemp("summaries") / "sales.xlsx"
    write_sales_workbook(frames, path)
    return path


@pytest.fixture(scope="module")
def sheets(book):
    return read_workbook(book).frames


@pytest.fixture(scope="module")
def facts(book):
    out = {}
    for key in ("2026-Q3", "2026"):
        period = parse_period(key)
        out[key] = summary_facts(load_month(book, None, period=period), period)
    return out


def net_sales(orders: pd.DataFrame, first, last) -> pd.Series:
    """Net sales per rep from the Orders sheet: booked and returned lines dated first..last."""
    live = orders[orders["status"].isin(["booked", "returned"])]
    live = live[(live["order_date"] >= pd.Timestamp(first)) & (live["order_date"] <= pd.Timestamp(last))]
    return live.groupby("rep_id")["amount"].sum()


def members(sheets, team: str, last) -> list[str]:
    reps = sheets["Reps"]
    active = reps[reps["active"].fillna(True).astype(bool)
                  & (reps["hire_date"].isna() | (reps["hire_date"] <= pd.Timestamp(last)))]
    return active[active["team"] == team]["rep_id"].tolist()


def xlsx_numbers(data: bytes) -> list[float]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, (int, float))]


def xlsx_texts(data: bytes) -> str:
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return " ".join(str(c) for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str))


@pytest.mark.parametrize("key", ["2026-Q3", "2026"])
def test_a_reps_and_a_teams_net_sales_and_target_match_the_sheets_in_the_model_xlsx_and_html(facts, sheets, key):
    period, f = parse_period(key), facts[key]
    net = net_sales(sheets["Orders"], period.first, period.last)
    rep = next(r for r in f.reps if r.key == REP)
    team_name = rep.rep.team
    team = next(t for t in f.teams if t.key == team_name)
    expected_rep = round(float(net[REP]), 2)
    expected_team = round(float(net.reindex(members(sheets, team_name, period.last)).fillna(0).sum()), 2)
    assert rep.sales[0].actual == pytest.approx(expected_rep, abs=0.005)
    assert team.sales[0].actual == pytest.approx(expected_team, abs=0.005)
    # the targets: the one phasing, within a cent a month of the exact share of the annual target
    assert abs(round(rep.sales[0].target * 100) - exact_period(sheets, "rep", REP, period)) <= 3 * len(period.months)
    assert abs(round(team.sales[0].target * 100) - exact_period(sheets, "team", team_name, period)) \
        <= 2 * len(period.months)
    assert round(sum(r.target for r in team.reps) * 100) == round(team.sales[0].target * 100)   # reps tie to the team
    t = language("en")
    for ctx, actual in ((rep, expected_rep), (team, expected_team)):
        target = ctx.sales[0].target
        numbers = xlsx_numbers(summary_xlsx(ctx))
        assert any(abs(n - actual) < 0.005 for n in numbers) and any(abs(n - target) < 0.005 for n in numbers)
        html = summary_html(ctx)
        assert t.money(actual) in html and t.money(target) in html and t.ratio(actual, target) in html
    title = "Quarter summary: 2026-Q3" if key == "2026-Q3" else "Year summary: 2026"
    assert title in summary_html(rep) and title in xlsx_texts(summary_xlsx(team))


def test_an_open_year_has_its_target_to_date_and_a_closed_quarter_has_none(facts, sheets):
    year, quarter = facts["2026"], facts["2026-Q3"]
    assert year.open_period and not quarter.open_period
    as_of = sheets["Orders"][sheets["Orders"]["status"].isin(["booked", "returned"])]["order_date"].max()
    assert year.as_of == as_of.date()
    rep = next(r for r in year.reps if r.key == REP)
    assert [s.label for s in rep.sales] == ["Year", "Year to date"]
    # the target to date: the months passed whole, the month in progress by its working days passed
    # (exact_period over the year's first day to the as-of day), within a cent a month
    so_far = parse_period("2026")
    so_far = type(so_far)("year", "2026", so_far.first, as_of.date())
    assert abs(round(rep.sales[1].target * 100) - exact_period(sheets, "rep", REP, so_far)) <= 3 * len(so_far.months)
    team = next(t for t in year.teams if t.key == rep.rep.team)
    assert round(sum(r.sales[1].target for r in year.reps if r.rep.team == team.key) * 100) == \
        round(team.sales[1].target * 100)                               # the reps' to date tie to the team's
    assert [s.label for s in next(r for r in quarter.reps if r.key == REP).sales] == ["Quarter"]
    # the months run to the as-of month, their targets adding up to the months' share of the year
    assert [m.label for m in rep.months] == [f"2026-{m:02d}" for m in range(1, as_of.month + 1)]


def test_the_months_of_the_quarter_against_their_targets_and_the_best_and_worst(facts, sheets):
    period = parse_period("2026-Q3")
    rep = next(r for r in facts["2026-Q3"].reps if r.key == REP)
    orders = sheets["Orders"]
    expected = {m: round(float(net_sales(orders, pd.Period(m, "M").start_time,
                                         pd.Period(m, "M").end_time.normalize()).get(REP, 0.0)), 2)
                for m in period.months}
    assert {m.label: m.actual for m in rep.months} == pytest.approx(expected, abs=0.005)
    assert round(sum(m.target for m in rep.months) * 100) == round(rep.sales[0].target * 100)   # months tie exactly
    for m in rep.months:
        assert abs(m.target * 100 - exact_period(sheets, "rep", REP, parse_period(m.label))) <= 3
    by_attainment = sorted(rep.months, key=lambda m: m.actual / m.target)
    assert rep.best_worst.by == "attainment"
    assert rep.best_worst.best.label == by_attainment[-1].label and rep.best_worst.worst.label == by_attainment[0].label
    html = summary_html(rep)
    assert "Best: " + language("en").month(by_attainment[-1].label) in html
    assert "Picked by attainment" in html


def test_growth_against_the_year_before_counts_the_planted_orders_by_the_rules(facts, sheets, unplanted):
    period = parse_period("2026-Q3")
    rep = next(r for r in facts["2026-Q3"].reps if r.key == REP)
    before = net_sales(unplanted["Orders"], "2025-07-01", "2025-09-30")
    assert rep.growth.before == pytest.approx(round(float(before[REP]) + PLANTED_BEFORE, 2), abs=0.005)
    now = net_sales(sheets["Orders"], period.first, period.last)[REP]
    assert rep.growth.rate == pytest.approx((now - rep.growth.before) / rep.growth.before)
    assert (rep.growth.first, rep.growth.last) == ("2025-07-01", "2025-09-30")
    team = next(t for t in facts["2026-Q3"].teams if t.key == rep.rep.team)
    ids = members(sheets, rep.rep.team, period.last)
    assert team.growth.before == pytest.approx(
        round(float(net_sales(sheets["Orders"], "2025-07-01", "2025-09-30").reindex(ids).fillna(0).sum()), 2), abs=0.005)
    t = language("en")
    assert t.money(rep.growth.before) in summary_html(rep)
    assert f"+{t.pct(rep.growth.rate)}" in summary_html(rep) or t.pct(rep.growth.rate) in summary_html(rep)
    # the open year against the same days of 2025
    year = next(r for r in facts["2026"].reps if r.key == REP)
    as_of = facts["2026"].as_of
    same_days = net_sales(sheets["Orders"], "2025-01-01", as_of.replace(year=2025))
    assert year.growth.before == pytest.approx(round(float(same_days[REP]), 2), abs=0.005)


def test_growth_says_the_data_does_not_reach_back_when_it_does_not(demo_book):
    # the small demo's orders start in September 2025: Q3 2025 is not in them
    period = parse_period("2026-Q3")
    facts = summary_facts(load_month(demo_book, None, period=period, language="zh-CN"), period)
    rep = facts.reps[0]
    assert rep.growth.before is None and rep.growth.rate is None
    assert facts.company.growth.before is None
    assert "工作簿的订单未追溯到 2025-07-01" in summary_html(rep)
    assert "2026年第3季度总结" in summary_html(rep)
    en = summary_facts(load_month(demo_book, None, period=period), period).teams[0]
    assert "do not reach back to 2025-07-01" in summary_html(en)
    growth = summary_html(en).split("Growth against the same period a year before</h2>")[1].split("<h2")[0]
    assert "%" not in growth          # no guessed rate


def test_the_kpi_scorecard_over_the_quarter(facts, sheets):
    period = parse_period("2026-Q3")
    rep = next(r for r in facts["2026-Q3"].reps if r.key == REP)
    lines = {k.kpi: k for k in rep.scorecard.kpis}
    kpis = sheets["KPIs"].set_index("kpi")
    assert lines["sales"].actual == pytest.approx(rep.sales[0].actual) and lines["sales"].target == rep.sales[0].target
    acts = sheets["Activities"]
    acts = acts[(acts["rep_id"] == REP) & acts["type"].isin(["call", "visit", "demo", "quote"])
                & (acts["date"] >= pd.Timestamp(period.first)) & (acts["date"] <= pd.Timestamp(period.last))]
    assert lines["activities"].actual == len(acts)
    assert lines["activities"].target == kpis.loc["activities", "target"] * 3      # a count: monthly target x months
    assert lines["win_rate"].target == kpis.loc["win_rate", "target"]              # a rate keeps its target
    team = next(t for t in facts["2026-Q3"].teams if t.key == rep.rep.team)
    team_lines = {k.kpi: k for k in team.scorecard.kpis}
    assert team_lines["activities"].target == kpis.loc["activities", "target"] * 3 * len(team.reps)


def test_returns_and_tier_movements_of_the_quarter(facts, sheets):
    period = parse_period("2026-Q3")
    rep = next(r for r in facts["2026-Q3"].reps if r.key == REP)
    o = sheets["Orders"]
    returned = o[(o["rep_id"] == REP) & (o["status"] == "returned") & (o["order_date"] >= pd.Timestamp(period.first))
                 & (o["order_date"] <= pd.Timestamp(period.last))]
    assert rep.returns.count == len(returned)
    assert rep.returns.amount == pytest.approx(round(float(returned["amount"].sum()), 2), abs=0.005)
    assert [x.amount for x in rep.returns.largest] == sorted(returned["amount"].tolist())[:10]
    mv = rep.movements
    owned = sheets["Customers"][sheets["Customers"]["owner_rep_id"] == REP]
    assert sum(mv.counts.values()) <= len(owned) and all(c.movement == "down" for c in mv.moved_down)
    assert (mv.start, mv.end) == ("2026-06-30", "2026-09-30")
    company = facts["2026-Q3"].company
    assert sum(company.movements.counts.values()) == sum(sum(t.movements.counts.values()) for t in facts["2026-Q3"].teams)


def test_commission_of_the_quarter_is_the_sum_of_the_month_statements(facts, book, tmp_path):
    rep = next(r for r in facts["2026-Q3"].reps if r.key == REP)
    team = next(t for t in facts["2026-Q3"].teams if t.key == rep.rep.team)
    ids = {r.rep_id for r in team.reps}
    earned, team_earned = 0, 0
    for month in parse_period("2026-Q3").months:
        summary = month_result(load_month(book, month), Ledger(tmp_path / "ledger.sqlite")).summary
        statement = summary[summary["period"] == month]
        earned += int(statement.loc[statement["rep_id"] == REP, "earned_cents"].sum())
        team_earned += int(statement.loc[statement["rep_id"].isin(ids), "earned_cents"].sum())
    assert round(rep.commission.earned * 100) == earned and earned > 0
    assert round(team.commission.earned * 100) == team_earned
    assert [m.month for m in rep.commission.months] == ["2026-07", "2026-08", "2026-09"]
    assert language("en").money(earned / 100) in summary_html(rep)


def test_champions_and_ranks(facts):
    f = facts["2026-Q3"]
    for team in f.teams:
        ranked = sorted((r for r in team.reps if r.target > 0), key=lambda r: (-(r.actual / r.target), -r.actual))
        assert [r.rank for r in team.reps] == list(range(1, len(team.reps) + 1))
        best = [r for r in ranked if r.actual > 0][0]
        assert team.champion.rep_id == best.rep_id
    champions = [t.champion for t in f.teams]
    top = max(champions, key=lambda r: (r.actual / r.target, r.actual))
    assert f.company.champion.rep_id == top.rep_id
    assert [t.rank for t in f.company.teams] == list(range(1, len(f.teams) + 1))
    atts = [t.attainment for t in f.company.teams]
    assert atts == sorted(atts, reverse=True)
    assert f.company.sales[0].actual == pytest.approx(sum(t.sales[0].actual for t in f.teams), abs=0.005)


def test_no_plans_sheet_says_so(tmp_path, unplanted):
    frames = {k: v for k, v in unplanted.items() if k != "Plans"}
    frames["Reps"] = frames["Reps"].assign(plan_id=None)
    path = tmp_path / "no-plans.xlsx"
    write_sales_workbook(frames, path)
    period = parse_period("2026-Q3")
    facts = summary_facts(load_month(path, None, period=period), period)
    assert facts.company.commission is None
    assert "No Plans sheet: no commission computed." in summary_html(facts.reps[0])


def test_the_pdf_shows_the_figures_in_both_languages(book, tmp_path):
    period = parse_period("2026-Q3")
    for lang, title in (("en", "Quarter summary: 2026-Q3"), ("zh-CN", "2026年第3季度总结")):
        facts = summary_facts(load_month(book, None, period=period, language=lang), period)
        t = language(lang)
        for ctx in (next(r for r in facts.reps if r.key == REP), facts.teams[0], facts.company):
            path = tmp_path / f"{ctx.kind}-{lang}.pdf"
            path.write_bytes(summary_pdf(ctx))
            text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                                  check=True).stdout
            assert title in text
            assert t.money(ctx.sales[0].actual) in text and t.money(ctx.sales[0].target) in text
            assert t.money(ctx.growth.before) in text


@pytest.mark.parametrize("key", ["2026-Q3", "2026"])
def test_salesdesk_reports_period_writes_every_summary_with_the_sheets_figures(book, sheets, tmp_path, key):
    from click.testing import CliRunner

    from generators.cli import main

    result = CliRunner().invoke(main, ["reports", str(book), "--period", key, "--formats", "xlsx,html",
                                       "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    period, folder = parse_period(key), tmp_path / key
    net = net_sales(sheets["Orders"], period.first, period.last)
    team = sheets["Reps"].set_index("rep_id").loc[REP, "team"]
    ids = members(sheets, team, period.last)
    t = language("en")
    for path, actual in ((folder / "reps" / f"{REP}", float(net[REP])),
                         (folder / "teams" / team, float(net.reindex(ids).fillna(0).sum())),
                         (folder / "company" / "company", float(net.reindex(members_all(sheets, period.last))
                                                                 .fillna(0).sum()))):
        assert any(abs(n - actual) < 0.005 for n in xlsx_numbers(path.with_suffix(".xlsx").read_bytes())), path
        assert t.money(actual) in path.with_suffix(".html").read_text(encoding="utf-8"), path
    import json
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {(d["kind"], d["key"]) for d in manifest["deliveries"]} >= {("rep", REP), ("team", team),
                                                                        ("company", "company")}
    title = "Quarter summary: 2026-Q3" if key == "2026-Q3" else "Year summary: 2026"
    assert all(d["title"].startswith(title) for d in manifest["deliveries"])


def members_all(sheets, last) -> list[str]:
    return [r for team in sheets["Reps"]["team"].unique() for r in members(sheets, team, last)]


def test_a_rep_left_out_is_named_on_the_team_summary_and_not_in_its_figures(tmp_path, unplanted):
    frames = {k: v.copy() for k, v in unplanted.items()}
    orders = frames["Orders"]
    bad = orders.index[(orders["rep_id"] == REP) & (orders["status"] == "booked")][0]
    orders.loc[bad, "amount"] = None           # a required cell blank: the rep is left out whole
    path = tmp_path / "bad.xlsx"
    write_sales_workbook(frames, path)
    period = parse_period("2026-Q3")
    md = load_month(path, None, period=period)
    assert REP in md.bad_reps
    facts = summary_facts(md, period)
    team_name = unplanted["Reps"].set_index("rep_id").loc[REP, "team"]
    team = next(t for t in facts.teams if t.key == team_name)
    assert [r.rep_id for r in team.left_out] == [REP] and REP not in {r.rep_id for r in team.reps}
    assert REP not in {r.key for r in facts.reps}
    net = net_sales(md.frames["Orders"], period.first, period.last)
    others = [r for r in members(unplanted, team_name, period.last) if r != REP]
    assert team.sales[0].actual == pytest.approx(round(float(net.reindex(others).fillna(0).sum()), 2), abs=0.005)
    html = summary_html(team)
    assert "the team's figures exclude them" in html.replace("&#39;", "'") and REP in html


def test_a_quarter_with_one_complete_month_and_names_that_look_like_markup(book):
    from dataclasses import replace

    period = parse_period("2026-Q4")            # the orders end in October: one month complete, the quarter open
    facts = summary_facts(load_month(book, None, period=period), period)
    rep = next(r for r in facts.reps if r.key == REP)
    assert facts.open_period and [m.label for m in rep.months] == ["2026-10"]
    assert rep.best_worst.best == rep.best_worst.worst
    assert "The only complete month so far: October 2026" in summary_html(rep)
    hostile = replace(rep, rep=replace(rep.rep, name='<b>=HYPERLINK("x")</b> #set page(width: 1cm)'))
    html = summary_html(hostile)
    assert "<b>=HYPERLINK" not in html and "&lt;b&gt;=HYPERLINK" in html
    ws = openpyxl.load_workbook(io.BytesIO(summary_xlsx(hostile))).active
    assert ws["A1"].data_type == "s" and '<b>=HYPERLINK("x")</b> #set page(width: 1cm) (R0003)' in ws["A1"].value
    pdf = subprocess.run(["pdftotext", "-layout", "-", "-"], input=summary_pdf(hostile), capture_output=True,
                         check=True).stdout.decode()
    assert '#set page(width: 1cm)' in pdf


def test_best_and_worst_month_are_of_the_months_with_data(book, sheets):
    # the orders start in November 2024: the year 2024's January to October have no data, not no sales
    year = parse_period("2024")
    company = summary_facts(load_month(book, None, period=year), year).company
    first = sheets["Orders"]["order_date"].min().strftime("%Y-%m")
    assert first == "2024-11" and [m.label for m in company.months][:2] == ["2024-01", "2024-02"]
    assert {company.best_worst.best.label, company.best_worst.worst.label} <= {"2024-11", "2024-12"}
