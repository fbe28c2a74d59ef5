"""The weekly review's forecast: the small demo cut to Wednesday 2026-10-14 (bench/forecast_backtest's
as_of_frames: orders and deals as they stood that day), reviewed for 2026-W42 (12-18 Oct). The
review shows October's and Q4's forecast, the monthly report's for the same rep and team as of the
same day, in the model and in the rendered HTML and xlsx; a week whose month and quarter are closed
(2024-W26, ending Sunday 30 June 2024) shows none. The open week's ranking has each rep's target to
date (half-up cents) and its behind-pace rows filled red in the xlsx as in the HTML."""
from __future__ import annotations

import datetime as dt
import html as htmllib
import io
import re
import subprocess
import sys
from dataclasses import replace
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest

from addin.engine.rules import elapsed_share
from generators.monthdata import load_month
from generators.periods import parse_period
from generators.report_data import month_facts
from generators.report_model import FORECAST_CATEGORIES
from generators.review_data import review_facts
from generators.review_render import review_html, review_pdf, review_xlsx
from workbooks import demo
from workbooks.i18n import language
from workbooks.salesbook import write_sales_workbook
from workbooks.xlsxstyle import STATUS_FILL

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from forecast_backtest import as_of_frames      # noqa: E402

AS_OF = dt.date(2026, 10, 14)           # a Wednesday: October and Q4 open
W42 = parse_period("2026-W42")


@pytest.fixture(scope="module")
def open_book(tmp_path_factory, demo_frames) -> Path:
    frames = as_of_frames(demo_frames, AS_OF)
    frames["Payroll"] = demo_frames["Payroll"][demo_frames["Payroll"]["period"] < "2026-10"]
    book = tmp_path_factory.mktemp("week-forecast") / "sales.xlsx"
    write_sales_workbook(frames, book)
    return book


@pytest.fixture(scope="module")
def week(open_book):
    return review_facts(load_month(open_book, None, period=W42), W42)


@pytest.fixture(scope="module")
def month(open_book):
    return month_facts(load_month(open_book, "2026-10"))


def _cells(xlsx: bytes) -> list[list]:
    ws = openpyxl.load_workbook(io.BytesIO(xlsx)).active
    return [list(row) for row in ws.iter_rows()]


def _html_rows(html: str, heading: str) -> list[list[str]]:
    """The text of each table row in the section under ``heading``."""
    part = html.split(f">{heading}</h2>", 1)[1].split("<h2", 1)[0]
    return [[htmllib.unescape(re.sub("<[^>]+>", "", c)).strip() for c in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row)]
            for row in re.findall(r"<tr[^>]*>(.*?)</tr>", part, flags=re.S)]


def test_the_weeks_forecast_is_the_monthly_reports_for_the_same_rep_and_team_as_of_the_same_day(week, month):
    assert week.as_of == month.as_of == AS_OF and week.open_period
    rep = week.reps[0]
    team = next(t for t in week.teams if t.key == rep.rep.team)
    monthly_rep = next(r for r in month.reps if r.key == rep.key)
    monthly_team = next(t for t in month.teams if t.key == team.key)
    assert [p.period for p in rep.forecast.periods] == ["2026-10", "2026-Q4"]
    assert rep.forecast == monthly_rep.forecast and team.forecast == monthly_team.forecast
    # a team's forecast is the exact sum of its reps' (in cents), each period and category
    members = [r for r in week.reps if r.rep.team == team.key]
    for i, p in enumerate(team.forecast.periods):
        for field, _, _ in FORECAST_CATEGORIES:
            assert round(p[field] * 100) == sum(round(r.forecast.periods[i][field] * 100) for r in members)
    assert team.forecast.periods[0].target > 0 and team.forecast.periods[1].best_case > team.forecast.periods[1].booked


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_forecast_is_shown_in_the_html_and_xlsx_of_a_rep_and_a_team(week, lang):
    t = language(lang)
    rep = week.reps[0]
    team = next(x for x in week.teams if x.key == rep.rep.team)
    for ctx in (replace(rep, lang=lang), replace(team, lang=lang)):
        f = ctx.forecast
        rows = {r[0]: r for r in _html_rows(review_html(ctx), t("Forecast"))}
        cells = _cells(review_xlsx(ctx))
        heading = next(i for i, r in enumerate(cells) if r[0].value == t("Forecast"))
        xlsx = {r[0].value: [c.value for c in r] for r in cells[heading + 1:heading + 9]}
        assert rows[t("category")][1:] == [f"{t('Month')} 2026-10", t("gap to target"), f"{t('Quarter')} 2026-Q4",
                                          t("gap to target")]
        for field, label, _ in FORECAST_CATEGORIES:
            month_fig, quarter_fig = f.periods[0][field], f.periods[1][field]
            assert rows[t(label)][1] == t.money(month_fig) and rows[t(label)][3] == t.money(quarter_fig)
            assert rows[t(label)][2] == t.money(round(month_fig - f.periods[0].target, 2))
            assert xlsx[t(label)][1] == pytest.approx(month_fig, abs=1e-9)
            assert xlsx[t(label)][3] == pytest.approx(quarter_fig, abs=1e-9)
        assert xlsx[t("target")][1] == pytest.approx(f.periods[0].target, abs=1e-9)


def test_a_week_whose_month_and_quarter_are_closed_shows_no_forecast(tmp_path):
    frames = demo.build(reps=6, teams=2, months=4, seed=5, end="2024-06")
    book = tmp_path / "sales.xlsx"
    write_sales_workbook(frames, book)
    w26 = parse_period("2024-W26")                   # 24-30 June 2024: June and Q2 end on its Sunday
    facts = review_facts(load_month(book, None, period=w26), w26)
    assert facts.as_of >= dt.date(2024, 6, 28) and facts.reps and facts.teams     # the last working day passed
    assert all(c.forecast is None for c in (*facts.reps, *facts.teams))
    t = language("en")
    for ctx in (facts.reps[0], facts.teams[0]):
        assert f">{t('Forecast')}</h2>" not in review_html(ctx)
        assert not any(r[0].value == t("Forecast") for r in _cells(review_xlsx(ctx)))


def _half_up(amount: float, share: float) -> float:
    return float((Decimal(repr(amount)) * Decimal(repr(share))).quantize(Decimal("0.01"), ROUND_HALF_UP))


def test_the_open_weeks_ranking_has_the_target_to_date_and_its_behind_rows_filled_red(week):
    share = elapsed_share(AS_OF, W42.first, W42.last)
    assert share == pytest.approx(3 / 5)
    mixed = [x for x in week.teams if 0 < len(x.behind) < len(x.reps)]     # rows filled and rows not
    assert mixed
    team = mixed[0]
    assert list(team.to_date) == [pytest.approx(_half_up(r.target, share), abs=0.006) for r in team.reps]
    t = language("en")
    cells = _cells(review_xlsx(team))
    header = next(i for i, r in enumerate(cells) if r[0].value == t("rank"))
    assert [c.value for c in cells[header][:7]] == [t("rank"), t("name"), t("rep"), t("actual"), t("target"),
                                                  t("target to date"), t("attainment")]
    behind = {r.rep_id for r in team.behind}
    red = STATUS_FILL["red"]["bg_color"].lstrip("#").upper()
    for r, row in zip(team.reps, cells[header + 1:header + 1 + len(team.reps)]):
        assert row[2].value == r.rep_id and row[5].value == pytest.approx(team.to_date[team.reps.index(r)])
        filled = (row[6].fill.fgColor.rgb or "").upper().endswith(red)
        assert filled == (r.rep_id in behind), r.rep_id
    html = _html_rows(review_html(team), t("The team's reps on the week"))
    assert html[0][:7] == [t("rank"), t("name"), t("rep"), t("actual"), t("target"), t("target to date"),
                           t("attainment")]
    assert html[1][5] == t.money(team.to_date[0])


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_the_pdf_of_an_open_week_shows_its_forecast(week, lang):
    t = language(lang)
    for ctx in (week.reps[0], week.teams[0]):
        pdf = review_pdf(replace(ctx, lang=lang))
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout.decode()
        lines = [" ".join(line.split()) for line in text.splitlines()]
        for field, label, _ in FORECAST_CATEGORIES:
            p = ctx.forecast.periods
            assert any(line.startswith(f"{t(label)} {t.money(p[0][field])}") and t.money(p[1][field]) in line
                       for line in lines), label


def test_a_past_weeks_review_has_no_forecast_for_the_pipeline_is_known_only_as_it_is_now(open_book):
    w41 = parse_period("2026-W41")                 # 5-11 Oct: October and Q4 still open on its as-of day
    past = review_facts(load_month(open_book, None, period=w41), w41)
    assert past.as_of < AS_OF and all(r.forecast is None for r in past.reps + past.teams)
    heading = ">" + language("en")("Forecast") + "</h2>"        # the section's heading (its style inlined)
    assert heading not in review_html(past.teams[0])
    assert heading in review_html(review_facts(load_month(open_book, None, period=W42), W42).teams[0])
