"""One rule book: a rep scores the same in the planning workbook's SD_SCORECARD and in the
monthly report, for a closed month and for a month still open (targets pro-rated)."""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest

from addin.engine import rules
from generators.monthdata import load_month
from generators.report_data import month_facts
from workbooks import planning_book
from workbooks.reader import read_workbook
from workbooks.salesbook import write_sales_workbook

DATE_COLUMNS = {"Orders": "order_date", "Activities": "date", "Satisfaction": "date", "Opportunities": "created",
                "OpportunityHistory": "date"}


def _ending(frames: dict[str, pd.DataFrame], last_day: str) -> dict[str, pd.DataFrame]:
    """The data as it stood on ``last_day``: nothing dated later."""
    day = pd.Timestamp(last_day)
    out = dict(frames)
    for sheet, col in DATE_COLUMNS.items():
        out[sheet] = frames[sheet][frames[sheet][col] <= day].copy()
    credits = frames["OrderCredits"]
    out["OrderCredits"] = credits[credits["order_id"].isin(out["Orders"]["order_id"])].copy()
    opps = out["Opportunities"]
    reopened = opps["closed"] > day
    opps.loc[reopened, "closed"] = pd.NaT
    opps.loc[reopened & opps["stage"].isin(["won", "lost"]), "stage"] = "negotiation"
    return out


def _planning_scores(path) -> pd.DataFrame:
    ws = openpyxl.load_workbook(path, data_only=True)["Scorecard"]
    header = [c.value for c in ws[6]]                 # the header row of SD_SCORECARD's spill
    score_at = header.index("score")
    rep_at = max(i for i in range(score_at) if header[i] == "rep")
    rows = []
    for r in range(7, ws.max_row + 1):
        rep = ws.cell(r, rep_at + 1).value
        if rep:
            rows.append({"rep_id": rep, "score": ws.cell(r, score_at + 1).value,
                         "rank": ws.cell(r, score_at + 2).value, "status": ws.cell(r, score_at + 3).value})
    return pd.DataFrame(rows).set_index("rep_id")


@pytest.mark.parametrize("last_day, month, open_month", [("2026-10-31", "2026-09", False),
                                                          ("2026-10-14", "2026-10", True)])
def test_a_rep_scores_the_same_in_the_planning_workbook_and_the_report(tmp_path, demo_frames, last_day, month,
                                                                        open_month):
    book = tmp_path / "sales.xlsx"
    write_sales_workbook(_ending(demo_frames, last_day), book)
    md = load_month(book, month)
    assert not md.incomplete
    facts = month_facts(md)
    assert facts.open_month is open_month
    report = pd.DataFrame([{"rep_id": c.key, "score": c.scorecard.score, "status": c.scorecard.status}
                           for c in facts.reps]).set_index("rep_id")
    report["rank"] = report["score"].rank(ascending=False, method="min").astype(int)

    frames = read_workbook(book).frames
    plan = tmp_path / "planning.xlsx"
    planning_book.write(planning_book.build(frames, int(month[:4]), month), plan, frames)
    planning = _planning_scores(plan).loc[report.index]

    assert len(report) == len(demo_frames["Reps"]) and report["score"].notna().all()
    assert planning["score"].tolist() == pytest.approx(report["score"].tolist(), abs=1e-12)
    assert planning["status"].tolist() == report["status"].tolist()
    assert planning["rank"].tolist() == report["rank"].tolist()
    as_of = rules.as_of_date(frames["Orders"]["order_date"], frames["Orders"]["status"], month)
    assert (rules.prorate(as_of, month) is not None) is open_month


ADDRESSES = {"ana.b+q@sub.example.co.uk": True, "R0001@example.com": True, "josé@example.com": False,
             "x@example.c0m": False, "a@b": False, "a b@example.com": False, "a@xn--fiqs8s.xn--fiqz9s": True,
             "a@@example.com": False, "a@example.com\nBcc: x@evil.com": False}


def test_one_email_rule_for_validate_and_mail():
    from generators.mail import valid_address
    from workbooks.contract import REPS
    from workbooks.schema import parse_column

    typed, bad = parse_column(pd.Series(list(ADDRESSES), dtype=object), REPS.column("email"))
    assert (~bad).tolist() == list(ADDRESSES.values())
    assert [valid_address(a) for a in ADDRESSES] == list(ADDRESSES.values())


def test_every_figure_shown_twice_agrees_or_says_why(demo_book):
    from generators.commissions import month_result
    from generators.ledger import Ledger
    from generators.report_data import attach_commission

    md = load_month(demo_book, "2026-10")
    facts = month_facts(md)
    attach_commission(facts, month_result(md, Ledger(demo_book.parent / "rule-book-ledger.sqlite")).summary)
    notes = {"sales": 0, "activities": 0, "targets": 0}
    for c in facts.reps:
        kpi = {k.kpi: k for k in c.scorecard.kpis}
        section = sum(a.actual for a in c.activities)
        assert kpi["activities"].actual == section, c.key             # one definition of an activity
        planned = sum(a.planned for a in c.activities)
        differs = round(kpi["activities"].target) != round(planned)
        assert (c.activities_note is not None) == differs
        notes["activities"] += differs
        assert kpi["sales"].actual == pytest.approx(c.sales[0].actual, abs=0.005)
        credited, booked = c.commission.credited_sales, c.sales[0].actual
        assert (c.sales_note is not None) == (round(credited - booked, 2) != 0)   # says why the two differ
        notes["sales"] += c.sales_note is not None
    for t in facts.teams:
        month = t.sales[0]
        assert round(sum(x.actual for x in t.reps), 2) == month.actual              # parts tie to the whole
        rep_targets = round(sum(x.target for x in t.reps), 2)
        assert (t.target_note is not None) == (rep_targets != month.target)
        notes["targets"] += t.target_note is not None
    # every demo rep is active and their annual targets add up to their team's: the month ties, no note
    assert notes["targets"] == 0
    assert notes["sales"] > 0        # the demo has split credit: the check above is not vacuous


def test_rep_quotas_share_out_the_team_month_exactly():
    """Three reps whose annual targets add up to the team's: every month their quotas sum to
    the team's month to the cent, every rep's months to the rep's year, each within a cent of
    its exact share; a team whose reps do not add up keeps each phased on its own."""
    from fractions import Fraction

    import numpy as np

    from addin.engine.planning import tied_parts
    from workbooks.engine_args import rep_quotas, team_targets

    annual = {"R1": 100000.01, "R2": 200000.02, "R3": 33333.33}
    frames = {
        "Seasonality": pd.DataFrame({"month": range(1, 13), "weight": [7, 3, 5, 5, 5, 9, 5, 5, 11, 5, 5, 13]}),
        "Reps": pd.DataFrame({"rep_id": ["R1", "R2", "R3", "S1"], "team": ["T", "T", "T", "U"]}),
        "Targets": pd.DataFrame({"level": ["team", "rep", "rep", "rep", "team", "rep"],
                                 "key": ["T", "R1", "R2", "R3", "U", "S1"], "year": [2026] * 6,
                                 "annual_target": [333333.36, *annual.values(), 1000.00, 999.99]}),
    }
    q = rep_quotas(frames, [2026])
    team = team_targets(frames["Targets"], frames["Seasonality"]["weight"].tolist(), [2026])
    t_cents = (team[team["team"] == "T"].set_index("period")["target"] * 100).round().astype(int)
    by_month = q[q["rep_id"].isin(annual)].groupby("period")["quota_cents"].sum()
    assert (by_month == t_cents).all()
    for rep, a in annual.items():
        assert q.loc[q["rep_id"] == rep, "quota_cents"].sum() == round(a * 100)
        cells = q[q["rep_id"] == rep].set_index("period")["quota_cents"]
        exact = [Fraction(round(a * 100)) * int(t_cents[p]) / 33333336 for p in cells.index]
        assert all(abs(c - e) < 1 for c, e in zip(cells, exact))
    s1 = q[q["rep_id"] == "S1"]["quota_cents"]
    assert s1.sum() == 99999                  # U's rep does not add up to U: phased on its own
    # the pure function: both margins, and a refusal when they cannot tie
    cells = tied_parts(np.array([5, 5, 1]), np.array([3, 4, 4]))
    assert cells.sum(axis=0).tolist() == [5, 5, 1] and cells.sum(axis=1).tolist() == [3, 4, 4]
    with pytest.raises(Exception):
        tied_parts(np.array([5]), np.array([4]))


def test_one_date_serial_rule_for_the_functions_the_reader_and_the_writers(tmp_path):
    """Serials from 61 (1900-03-01) are dates everywhere; 1 to 60, which Excel and LibreOffice
    read a day apart, are refused by the worksheet functions and the reader alike."""
    import datetime as dt

    from addin.engine.errors import InputError
    from addin.excel import serial_to_date
    from addin.libreoffice import to_calc_cell
    from workbooks.schema import _parse_dates
    from workbooks.xlsxout import date_serial

    assert serial_to_date(61) == dt.date(1900, 3, 1)
    assert serial_to_date(46326) == dt.date(2026, 10, 31)
    for bad in (1, 60, 2958466):
        with pytest.raises(InputError, match="between 61"):
            serial_to_date(bad)
    parsed, bad = _parse_dates(pd.Series([61.0, 60.0, 46326.0, 1.0]))
    assert parsed.tolist()[0] == pd.Timestamp("1900-03-01") and parsed.tolist()[2] == pd.Timestamp("2026-10-31")
    assert bad.tolist() == [False, True, False, True]
    day = dt.date(2026, 10, 31)
    assert date_serial(day) == to_calc_cell(day) == 46326.0
    assert date_serial(dt.datetime(2026, 10, 31, 12)) == to_calc_cell(dt.datetime(2026, 10, 31, 12)) == 46326.5
    # a date written by the bulk writer reads back as the same day
    path = tmp_path / "one.xlsx"
    write_sales_workbook({"Reps": pd.DataFrame({"rep_id": ["R1"], "name": ["A"], "team": ["T"],
                                               "hire_date": [pd.Timestamp("1900-03-01")]})}, path)
    assert openpyxl.load_workbook(path)["Reps"]["D2"].value == dt.datetime(1900, 3, 1)


def test_one_attainment_rule_where_a_target_may_be_missing():
    """No target above zero, no attainment (None, shown as "no target"): the reports, statements,
    dashboard and summary use this; the worksheet function says the target is the user's to fix."""
    from addin.engine.errors import InputError
    from addin.engine.kpi import attainment, attainment_of
    from generators import dashboard, reports, statement_model

    assert attainment_of(50.0, 100.0) == 0.5 and attainment_of(0.0, 100.0) == 0.0
    for target in (0, 0.0, None, -5.0):
        assert attainment_of(50.0, target) is None
    with pytest.raises(InputError):
        attainment(50.0, 0)
    assert dashboard._ratio is attainment_of
    assert reports.attainment_of is attainment_of and statement_model.attainment_of is attainment_of


def test_one_status_rule_for_a_score_and_a_kpi_line():
    """A value computed to the threshold in floating point ((0.7 + 0.1) / 0.8 is 0.9999999999999999)
    reaches it, on the scorecard and on each KPI line alike."""
    from addin.engine.kpi import Kpi, status_of
    from generators.report_data import _status

    at_threshold = (0.7 + 0.1) / 0.8
    assert at_threshold < 1.0
    kpi = Kpi("sales", 100.0, "higher", None, None, 1.0, 0.85)
    assert _status(at_threshold, kpi) == str(status_of(at_threshold, 1.0, 0.85)) == "green"
    assert _status(0.84, kpi) == "red" and _status(0.9, kpi) == "amber" and _status(None, kpi) == ""
