"""The forecast (addin/engine/forecast.py, docs/forecast.md): a planted pipeline against a hand
computation for a rep, a team and the company; the Stages sheet and a deal's own probability;
the Forecast sheet of summary.xlsx and the figures on the rendered reports, end to end."""
from __future__ import annotations

import datetime as dt
import re
import sys
from html import unescape
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from addin.engine import forecast as engine
from generators.cli import main
from workbooks.engine_args import forecast_deals
from workbooks.i18n import language
from workbooks.salesbook import write_sales_workbook

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from forecast_backtest import as_of_frames      # noqa: E402

AS_OF = dt.date(2026, 10, 14)          # a Wednesday: 10 working days of October's 22 have passed
MONTH = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
QUARTER = (dt.date(2026, 10, 1), dt.date(2026, 12, 31))    # 22 + 21 + 23 = 66 working days
TEAMS = {"A1": "A", "A2": "A", "B1": "B"}


def _orders() -> pd.DataFrame:
    rows = [("A1", "2026-10-02", 1000.00, "booked"), ("A1", "2026-10-05", -100.00, "returned"),
            ("A1", "2026-10-06", 500.00, "cancelled"), ("A1", "2026-10-20", 300.00, "booked"),   # after the as-of day
            ("A1", "2026-09-30", 700.00, "booked"),                                               # before the period
            ("A2", "2026-10-14", 250.55, "booked"), ("B1", "2026-10-01", 2000.00, "booked")]
    return pd.DataFrame(rows, columns=["rep_id", "order_date", "amount", "status"]).astype({"order_date": "datetime64[ns]"})


def _opportunities() -> pd.DataFrame:
    nan = np.nan
    rows = [("d1", "A1", "negotiation", 1000.00, "2026-10-20", nan),   # 80%: commit
            ("d2", "A1", "quote", 500.00, "2026-10-31", 0.9),          # its own 90% wins over the stage's
            ("d3", "A1", "demo", 333.33, "2026-10-25", nan),           # 40%
            ("d4", "A1", "lead", nan, "2026-10-22", nan),              # no amount: counts 0, listed
            ("d5", "A1", "qualified", 800.00, "2026-10-10", nan),      # slipped
            ("d6", "A1", "quote", 600.00, "2026-11-15", nan),          # the quarter only; 75% by the Stages sheet
            ("d7", "A2", "demo", 1000.00, "2026-10-14", nan),          # expected on the as-of day: slipped
            ("d8", "A2", "quote", 2000.01, "2026-10-15", nan),         # quote: 75% by the Stages sheet
            ("d9", "B1", "won", 5000.00, "2026-10-20", nan),           # closed: not in the pipeline
            ("d10", "B1", "negotiation", 1234.56, None, nan),          # no expected close: counted nowhere
            ("d11", "B1", "negotiation", 100.05, "2026-10-31", 0.5)]   # 50.025 weighted: 50.03 half-up
    opps = pd.DataFrame(rows, columns=["opp_id", "rep_id", "stage", "amount", "expected_close", "probability"])
    return opps.assign(customer_id="C1", expected_close=pd.to_datetime(opps["expected_close"]))


def _frames(stages: dict | None = {"quote": 0.75}) -> dict[str, pd.DataFrame]:
    frames = {"Orders": _orders(), "Opportunities": _opportunities()}
    if stages is not None:
        frames["Stages"] = pd.DataFrame({"stage": list(stages), "probability": list(stages.values())})
    return frames


def _forecast(frames, period) -> pd.DataFrame:
    return engine.forecast(frames["Orders"], forecast_deals(frames), list(TEAMS), *period, AS_OF)


def cents(x: float) -> int:
    return round(x * 100)


def test_a_planted_pipeline_against_a_hand_computation():
    frames = _frames()
    month, quarter = _forecast(frames, MONTH), _forecast(frames, QUARTER)
    a1 = 1000.00 - 100.00                              # booked less the return; cancelled and later lines not
    assert month.loc["A1"].to_dict() == {
        "booked": cents(a1), "commit": cents(a1 + 1000.00 + 500.00),
        "most_likely": cents(a1 + 800.00 + 450.00 + 133.33),             # 333.33 x 40% = 133.332 -> 133.33
        "best_case": cents(a1 + 1000.00 + 500.00 + 333.33 + 0), "run_rate": cents(a1 * 22 / 10)}
    assert quarter.loc["A1"].to_dict() == {
        "booked": cents(a1), "commit": cents(a1 + 1000.00 + 500.00 + 600.00),   # d6, a quote: 75% (Stages)
        "most_likely": cents(a1 + 800.00 + 450.00 + 133.33 + 450.00),
        "best_case": cents(a1 + 1000.00 + 500.00 + 333.33 + 600.00), "run_rate": cents(a1 * 66 / 10)}
    assert month.loc["A2"].to_dict() == {
        "booked": 25055, "commit": 25055 + 200001, "most_likely": 25055 + 150001,   # 2000.01 x 75% = 1500.0075
        "best_case": 25055 + 200001, "run_rate": 55121}                            # 250.55 x 22 / 10 = 551.21
    assert month.loc["B1"].to_dict() == {"booked": 200000, "commit": 200000, "most_likely": 200000 + 5003,
                                         "best_case": 200000 + 10005, "run_rate": 440000}

    teams = engine.rolled_up(month, TEAMS)
    assert teams.loc["A"].to_dict() == (month.loc["A1"] + month.loc["A2"]).to_dict()
    assert teams.loc["A", "most_likely"] == 90000 + 125000 + 13333 + 25055 + 150001
    company = teams.sum()
    assert company.to_dict() == {"booked": 90000 + 25055 + 200000, "commit": 240000 + 225056 + 200000,
                                 "most_likely": 228333 + 175056 + 205003, "best_case": 273333 + 225056 + 210005,
                                 "run_rate": 198000 + 55121 + 440000}

    deals = forecast_deals(frames)
    assert sorted(engine.slipped(deals, AS_OF)["opp_id"]) == ["d5", "d7"]
    rest = engine.ahead(deals, AS_OF, *QUARTER)
    assert rest.loc[rest["amount"].isna(), "opp_id"].tolist() == ["d4"]


def test_the_stages_sheet_overrides_the_default_and_a_deals_own_probability_wins():
    with_sheet = _forecast(_frames({"quote": 0.75}), MONTH)
    defaults = _forecast(_frames(None), MONTH)
    assert with_sheet.loc["A2", "commit"] == 25055 + 200001           # quote at 75%: committed
    assert defaults.loc["A2", "commit"] == 25055                       # quote at the default 60%: not
    assert defaults.loc["A2", "most_likely"] == 25055 + 120001         # 2000.01 x 60% = 1200.006
    # d2 is a quote with its own 90%: committed and weighted at 90% either way
    for f in (with_sheet, defaults):
        assert f.loc["A1", "commit"] == 90000 + 100000 + 50000
    probs = forecast_deals(_frames({"quote": 0.75, "lead": 0.05})).set_index("opp_id")["probability"]
    assert probs[["d2", "d4", "d8", "d1"]].tolist() == [0.9, 0.05, 0.75, 0.8]
    assert engine.stage_probabilities() == engine.DEFAULT_STAGE_PROBABILITY


def test_the_same_input_gives_the_same_forecast():
    first = _forecast(_frames(), QUARTER)
    shuffled = {k: v.sample(frac=1, random_state=1) for k, v in _frames().items()}
    pd.testing.assert_frame_equal(first, _forecast(shuffled, QUARTER))
    pd.testing.assert_frame_equal(first, _forecast(_frames(), QUARTER))


def test_before_the_period_starts_nothing_is_extrapolated():
    frames = _frames()
    later = engine.forecast(frames["Orders"], forecast_deals(frames), list(TEAMS), dt.date(2026, 11, 1),
                            dt.date(2026, 11, 30), AS_OF)
    assert (later["booked"] == 0).all() and (later["run_rate"] == 0).all()
    assert later.loc["A1", "best_case"] == 60000                       # d6, in November


# --- end to end: the month's reports ----------------------------------------------------------

@pytest.fixture(scope="module")
def open_month(tmp_path_factory, demo_frames):
    """The small demo as it stood on 2026-10-14 (an open month), its reports in xlsx and HTML."""
    folder = tmp_path_factory.mktemp("forecast")
    frames = as_of_frames(demo_frames, AS_OF)
    frames["Payroll"] = demo_frames["Payroll"][demo_frames["Payroll"]["period"] < "2026-10"]
    book = folder / "sales.xlsx"
    write_sales_workbook(frames, book)
    result = CliRunner().invoke(main, ["reports", str(book), "--month", "2026-10", "--out", str(folder / "out"),
                                       "--formats", "xlsx,html"])
    assert result.exit_code == 0, result.output
    return frames, folder / "out" / "2026-10"


def _sheet_rows(path: Path) -> pd.DataFrame:
    ws = openpyxl.load_workbook(path, read_only=True)["Forecast"]
    rows = list(ws.iter_rows(values_only=True))
    return pd.DataFrame(rows[1:], columns=rows[0])


def test_the_forecast_sheet_of_summary_xlsx(open_month):
    frames, out = open_month
    rows = _sheet_rows(out / "summary.xlsx")
    assert list(rows.columns) == ["period", "level", "key", "target", "booked", "commit", "most_likely", "best_case",
                                  "run_rate"]
    assert sorted(rows["period"].unique()) == ["2026-10", "2026-Q4"]
    reps = frames["Reps"][frames["Reps"]["active"].fillna(True).astype(bool)]
    teams = dict(zip(reps["rep_id"], reps["team"]))
    figures = list(engine.CATEGORIES)
    for period, bounds in (("2026-10", MONTH), ("2026-Q4", QUARTER)):
        here = rows[rows["period"] == period].set_index(["level", "key"])
        expected = engine.forecast(frames["Orders"], forecast_deals(frames), list(teams), *bounds, AS_OF) / 100
        got = here.loc["rep"].loc[expected.index, figures].astype(float)
        pd.testing.assert_frame_equal(got, expected.astype(float), check_names=False, check_index_type=False)
        for team, members in reps.groupby("team")["rep_id"]:       # a team: the exact sum of its reps
            assert [cents(v) for v in here.loc[("team", team), figures]] == \
                [sum(cents(v) for v in here.loc["rep"].loc[list(members), c]) for c in figures]
        company = here.loc["company"].iloc[0]
        assert [cents(company[c]) for c in ["target", *figures]] == \
            [sum(cents(v) for v in here.loc["team"][c]) for c in ["target", *figures]]
        assert (here.loc["rep"]["commit"] >= here.loc["rep"]["booked"]).all()
        assert (here.loc["rep"]["best_case"] >= here.loc["rep"]["most_likely"]).all()


def _shown(html: str, period: str, category: str) -> str:
    return unescape(re.search(rf'data-figure="{period}:{category}"[^>]*>([^<]*)<', html).group(1))


def test_the_figures_on_the_rendered_rep_and_team_reports(open_month):
    _, out = open_month
    rows = _sheet_rows(out / "summary.xlsx").set_index(["period", "level", "key"])
    t = language("en")
    rep_html = (out / "reps" / "R0001.html").read_text(encoding="utf-8")
    team = rows.xs("team", level="level").index.get_level_values("key")[0]
    team_html = (out / "teams" / f"{team}.html").read_text(encoding="utf-8")
    for html, level, key in ((rep_html, "rep", "R0001"), (team_html, "team", team)):
        for period in ("2026-10", "2026-Q4"):
            for c in engine.CATEGORIES:
                assert _shown(html, period, c) == t.money(rows.loc[(period, level, key), c])
    dashboard = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="forecast"' in dashboard and 'data-level="company"' in dashboard


def test_a_closed_month_shows_its_open_quarters_forecast_and_a_closed_quarter_none(tmp_path, demo_book):
    out = tmp_path / "out"
    for month in ("2026-10", "2026-09"):        # the demo's data end on 31 October: Q4 is open, Q3 closed
        result = CliRunner().invoke(main, ["reports", str(demo_book), "--month", month, "--out", str(out),
                                           "--formats", "html"])
        assert result.exit_code == 0, result.output
    october = openpyxl.load_workbook(out / "2026-10" / "summary.xlsx", read_only=True)
    assert {row[0] for row in october["Forecast"].iter_rows(min_row=2, values_only=True)} == {"2026-Q4"}
    rep = (out / "2026-10" / "reps" / "R0001.html").read_text(encoding="utf-8")
    assert 'data-figure="2026-Q4:most_likely"' in rep and 'data-figure="2026-10:' not in rep
    assert 'data-period="2026-Q4"' in (out / "2026-10" / "index.html").read_text(encoding="utf-8")
    assert "Forecast" not in openpyxl.load_workbook(out / "2026-09" / "summary.xlsx", read_only=True).sheetnames
    assert 'id="forecast"' not in (out / "2026-09" / "reps" / "R0001.html").read_text(encoding="utf-8")
    assert 'id="forecast"' not in (out / "2026-09" / "index.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("headers, expected", [
    (["商机编号", "销售员", "阶段", "创建日期", "金额", "预计成交日期", "赢率"], ("预计成交日期", "赢率")),
    (["Opportunity ID", "Owner", "Stage", "Created", "Amount", "Expected Close Date", "Win Probability"],
     ("Expected Close Date", "Win Probability")),
    (["opp_id", "rep_id", "stage", "created", "Closed Date", "Close Date", "Probability (%)"], ("Close Date", "Probability (%)")),
    (["deal_id", "sales_agent", "deal_stage", "engage_date", "close_date", "close_value"], (None, None)),
])
def test_import_suggest_maps_the_crm_columns_of_expected_close_and_probability(headers, expected):
    from workbooks.contract import BY_NAME
    from workbooks.import_suggest import _matches
    found = _matches(BY_NAME["Opportunities"], headers)
    assert (found.get("expected_close"), found.get("probability")) == expected
    if "close_date" in headers:        # a CRM's close date beside no other: the actual one
        assert found["closed"] == "close_date"


def test_the_stages_sheet_is_validated_and_read_back(tmp_path, demo_frames):
    from workbooks.reader import read_workbook
    frames = dict(demo_frames, Stages=pd.DataFrame({"stage": ["quote", "won", "demo"], "probability": [0.75, 0.9, 1.5]}))
    book = tmp_path / "stages.xlsx"
    write_sales_workbook(frames, book)
    data = read_workbook(book, sheets=["Stages"])
    bad = sorted((p.row, p.column) for p in data.errors if p.sheet == "Stages")
    assert bad == [(3, "stage"), (4, "probability")]
    good = data.frames["Stages"]
    assert dict(zip(good["stage"], good["probability"]))["quote"] == 0.75


def test_a_deal_expected_to_close_before_it_was_created_is_one_line(tmp_path, demo_frames):
    from workbooks.reader import read_workbook
    opps = demo_frames["Opportunities"].copy()
    opps.loc[3, "expected_close"] = opps.loc[3, "created"] - pd.Timedelta(days=30)
    book = tmp_path / "early.xlsx"
    write_sales_workbook(dict(demo_frames, Opportunities=opps), book)
    bad = [p for p in read_workbook(book, sheets=["Opportunities"]).errors if p.sheet == "Opportunities"]
    assert [(p.row, p.column, p.problem) for p in bad] == [(5, "expected_close", "expected to close before it was created")]


def test_the_reports_forecast_lists_slipped_and_unpriced_deals_and_sums_a_team():
    from generators.report_forecast import month_forecast
    frames = dict(_frames(), Teams=pd.DataFrame({"team": ["A", "B"]}))
    card = pd.DataFrame({"rep_id": list(TEAMS), "team": list(TEAMS.values())})
    quotas = {("A1", m): 1000.0 for m in ("2026-10", "2026-11", "2026-12")}
    fc = month_forecast(frames, card, "2026-10", AS_OF, quotas, {("A", "2026-10"): 5000.0})
    a = fc.teams["A"]
    assert [d.opp_id for d in a.slipped] == ["d7", "d5"] and (a.slipped_count, a.slipped_amount) == (2, 1800.0)
    assert [d.opp_id for d in fc.reps["A1"].unpriced] == ["d4"] and fc.teams["B"].slipped_count == 0
    month, quarter = fc.reps["A1"].periods
    assert (month.period, month.target, quarter.period, quarter.target) == ("2026-10", 1000.0, "2026-Q4", 3000.0)
    assert (month.booked, month.most_likely, month.run_rate) == (900.0, 2283.33, 1980.0)
    assert a.periods[0].target == 5000.0 and a.periods[1].target == 5000.0
    assert a.periods[0].most_likely == round(month.most_likely + fc.reps["A2"].periods[0].most_likely, 2)
