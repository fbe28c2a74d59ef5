"""Coaching (addin/engine/coaching.py, docs/coaching.md): each rep's largest real gaps of the
last three months, at most three, on the rep's report, the team's training plan, the dashboard
and summary.xlsx's Coaching sheet."""
from __future__ import annotations

import datetime as dt

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from addin.engine import coaching
from addin.engine.funnel import DEFAULT_ORDER
from generators.cli import main
from workbooks.salesbook import write_sales_workbook

MONTH = "2026-10"
WIN = coaching.window(MONTH, dt.date(2026, 10, 31), None)
STANDARD = {"lead": 5, "qualified": 5, "demo": 2, "quote": 2, "negotiation": 2, "won": 4}   # 75%, 67%, 80%, 75%, 67%
PLANTED = {
    "R1": STANDARD, "R2": STANDARD, "R3": STANDARD, "R4": STANDARD,
    # demo -> quote 3 of 10 (30%) against the team's 80%: the planted weak stage
    "R5": {"lead": 5, "qualified": 5, "demo": 7, "quote": 0, "negotiation": 1, "won": 2},
    # demo -> quote 0 of 4: far below, but only 4 deals reached the demo (MIN_EVIDENCE is 5)
    "R6": {"lead": 2, "qualified": 2, "demo": 4},
    # five stages short of the team: 30%, 50%, 40%, 42%, 40%; the three largest are kept
    "R7": {"lead": 140, "qualified": 30, "demo": 18, "quote": 7, "negotiation": 3, "won": 2},
}


def _opportunities(plan: dict[str, dict[str, int]], created="2026-09-15") -> pd.DataFrame:
    rows = [(rep, stage) for rep, stages in plan.items() for stage, n in stages.items() for _ in range(n)]
    return pd.DataFrame({
        "opp_id": [f"P{i:05d}" for i in range(len(rows))], "rep_id": [r for r, _ in rows],
        "customer_id": "C1", "stage": [s for _, s in rows], "created": pd.Timestamp(created),
        "closed": pd.NaT, "amount": 1000.0, "lost_stage": None})


def _reps(ids) -> pd.DataFrame:
    return pd.DataFrame({"rep_id": list(ids), "team": "T", "capacity": 1.0})


def _found(opps: pd.DataFrame, reps=None) -> pd.DataFrame:
    return coaching.coaching({"Opportunities": opps}, _reps(PLANTED) if reps is None else reps, WIN)


def test_a_planted_weak_stage_is_found_with_its_figures():
    found = _found(_opportunities(PLANTED))
    r5 = found[found["rep_id"] == "R5"]
    assert r5["focus"].tolist() == ["demo_to_quote"]
    row = r5.iloc[0]
    assert row["measure"] == "demo_to_quote_conversion"
    assert row["rep_value"] == pytest.approx(3 / 10) and row["team_median"] == pytest.approx(8 / 10)
    assert row["gap"] == pytest.approx(0.5) and pd.isna(row["target"])
    assert coaching.BY_ID["demo_to_quote"].label == "product demonstrations that lead to quotes"


def test_reps_without_real_gaps_get_none_and_too_few_deals_is_no_gap():
    found = _found(_opportunities(PLANTED))
    assert not found["rep_id"].isin(["R1", "R2", "R3", "R4"]).any()
    assert "R6" not in set(found["rep_id"])               # 0 of 4 demos to a quote: below the minimum of deals
    # with one more deal reaching the demo (5, none quoted) the same gap is real
    more = _found(_opportunities({**PLANTED, "R6": {"lead": 2, "qualified": 2, "demo": 5}}))
    assert more.loc[more["rep_id"] == "R6", "focus"].tolist() == ["demo_to_quote"]


def test_a_gap_below_the_documented_size_is_not_reported():
    # demo -> quote 7 of 10 (70%) against 80%: 10 points, under GAP_POINTS (15)
    plan = {**PLANTED, "R5": {"lead": 5, "qualified": 5, "demo": 3, "quote": 3, "negotiation": 1, "won": 3}}
    found = _found(_opportunities(plan))
    assert "demo_to_quote" not in set(found.loc[found["rep_id"] == "R5", "focus"])


def test_at_most_three_the_largest_first():
    r7 = _found(_opportunities(PLANTED)).query("rep_id == 'R7'")
    # gaps: lead->qualified 45 points, demo->quote 40, quote->negotiation 33, negotiation->won 27, qualified->demo 17
    assert r7["focus"].tolist() == ["lead_to_qualified", "demo_to_quote", "quote_to_negotiation"]
    assert r7["gap"].tolist() == pytest.approx([0.75 - 60 / 200, 0.8 - 12 / 30, 0.75 - 5 / 12])


def test_deals_outside_the_three_months_do_not_count():
    late = _opportunities({"R5": {"quote": 20}}, created="2026-07-31")     # the day before the window
    found = _found(pd.concat([_opportunities(PLANTED), late], ignore_index=True))
    assert found.query("rep_id == 'R5'")["rep_value"].tolist() == pytest.approx([0.3])


def test_the_same_data_in_any_order_gives_the_same_coaching():
    opps = _opportunities(PLANTED)
    first = _found(opps)
    again = _found(opps.sample(frac=1, random_state=4).reset_index(drop=True), _reps(reversed(list(PLANTED))))
    pd.testing.assert_frame_equal(first, again)


def test_a_team_median_needs_three_reps_with_enough_deals():
    found = _found(_opportunities({"R1": STANDARD, "R5": PLANTED["R5"]}), _reps(["R1", "R5"]))
    assert found.empty


def test_every_kpi_of_the_catalogue_but_a_month_end_one_has_a_focus_with_its_label():
    from addin.engine.kpi_catalogue import CATALOGUE
    for k in CATALOGUE:
        f = coaching.BY_ID.get(f"kpi_{k.id}")
        assert (f is None) == (k.id in coaching.NOT_COACHED)
        assert f is None or (f.label == k.label and f.basis == "target")
    stages = [f.id for f in coaching.CATALOGUE if f.measure.endswith("_conversion")]
    assert stages == [f"{a}_to_{b}" for a, b in zip(DEFAULT_ORDER, DEFAULT_ORDER[1:])]


# --- the monthly run: a real workbook, the real command -------------------------------------

def _plant_weak_demos(frames: dict, rep_id: str) -> dict:
    """Every deal of ``rep_id`` created in the three months that got past the demo is lost at the demo."""
    o = frames["Opportunities"].copy()
    past_demo = o["stage"].isin(["quote", "negotiation", "won"]) | \
        ((o["stage"] == "lost") & o["lost_stage"].isin(["quote", "negotiation"]))
    hit = (o["rep_id"] == rep_id) & (o["created"] >= WIN.start) & (o["created"] <= WIN.end) & past_demo
    o.loc[hit, "stage"], o.loc[hit, "lost_stage"] = "lost", "demo"
    o.loc[hit, "closed"] = (o.loc[hit, "created"] + pd.Timedelta(days=3)).clip(upper=WIN.end)
    return {**frames, "Opportunities": o}


def _demo_to_quote(opps: pd.DataFrame, rep_id: str) -> tuple[int, int]:
    """Deals of the rep created in the window that reached the demo, and the quote (by hand)."""
    rank = {s: i for i, s in enumerate(DEFAULT_ORDER)}
    demo = quote = 0
    for r in opps[(opps["rep_id"] == rep_id) & (opps["created"] >= WIN.start) & (opps["created"] <= WIN.end)].itertuples():
        furthest = rank.get(r.lost_stage, 0) if r.stage == "lost" else rank[r.stage]
        demo += furthest >= 2
        quote += furthest >= 3
    return demo, quote


@pytest.fixture(scope="module")
def planted_run(tmp_path_factory, demo_frames):
    frames = _plant_weak_demos(demo_frames, "R0001")
    book = tmp_path_factory.mktemp("coaching") / "sales.xlsx"
    write_sales_workbook(frames, book)
    out = tmp_path_factory.mktemp("coaching-out")
    result = CliRunner().invoke(main, ["reports", str(book), "--month", MONTH, "--out", str(out),
                                       "--formats", "xlsx,html", "--jobs", "1"])
    assert result.exit_code == 0, result.output
    return frames, out / MONTH


def test_the_planted_rep_and_the_coaching_sheet_read_back(planted_run):
    frames, folder = planted_run
    reps = frames["Reps"]
    team = reps.set_index("rep_id").loc["R0001", "team"]
    mates = reps.loc[reps["team"] == team, "rep_id"]
    rates = {r: q / d for r in mates for d, q in [_demo_to_quote(frames["Opportunities"], r)] if d >= coaching.MIN_EVIDENCE}
    ws = openpyxl.load_workbook(folder / "summary.xlsx")["Coaching"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == coaching_headers()
    mine = [r for r in rows[1:] if r[0] == "R0001" and r[1] == "demo_to_quote"]
    assert len(mine) == 1
    _, _, measure, value, median, target = mine[0]
    assert measure == "demo_to_quote_conversion" and value == 0 and target is None
    assert median == pytest.approx(pd.Series(list(rates.values())).median())
    per_rep = pd.Series([r[0] for r in rows[1:]]).value_counts()
    assert per_rep.max() <= coaching.MAX_FOCUS
    # the sheet holds exactly the reports' focus: each rep's report lists its rows' foci
    for rep_id, foci in pd.DataFrame(rows[1:], columns=rows[0]).groupby("rep_id")["focus"]:
        html = (folder / "reps" / f"{rep_id}.html").read_text()
        assert all(f'data-focus="{f}"' in html for f in foci)


def coaching_headers():
    from generators.reports import COACHING_HEADERS
    return COACHING_HEADERS


def test_the_rep_report_states_its_focus_and_the_team_report_its_training_plan(planted_run):
    frames, folder = planted_run
    demo, _ = _demo_to_quote(frames["Opportunities"], "R0001")
    html = (folder / "reps" / "R0001.html").read_text()
    assert "What to work on (last three months)" in html and 'data-focus="demo_to_quote"' in html
    assert "product demonstrations that lead to quotes" in html
    assert "demo -&gt; quote 0% against a team median of" in html and demo >= coaching.MIN_EVIDENCE
    team = frames["Reps"].set_index("rep_id").loc["R0001", "team"]
    team_html = (folder / "teams" / f"{team}.html").read_text()
    assert "Training plan: who needs which focus (last three months)" in team_html
    assert 'data-focus="demo_to_quote" data-rep="R0001"' in team_html
    index = (folder / "index.html").read_text()
    assert 'id="training"' in index and 'data-focus="demo_to_quote"' in index
    ws = openpyxl.load_workbook(folder / "reps" / "R0001.xlsx")["Report"]
    cells = [c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str)]
    assert "product demonstrations that lead to quotes" in cells


def test_a_rep_without_real_gaps_says_so(planted_run):
    frames, folder = planted_run
    ws = openpyxl.load_workbook(folder / "summary.xlsx")["Coaching"]
    coached = {r[0] for r in ws.iter_rows(min_row=2, values_only=True)}
    calm = sorted(set(frames["Reps"]["rep_id"]) - coached)
    assert calm and "R0001" in coached
    for rep_id in calm:
        html = (folder / "reps" / f"{rep_id}.html").read_text()
        assert "No focus: no real gap against the team" in html
        assert "data-focus=" not in html


def test_a_focus_is_stated_with_its_figures_in_both_languages():
    from generators.report_model import CoachingFocus
    from generators.report_text import focus_statement
    from workbooks.i18n import language
    f = coaching.BY_ID["demo_to_quote"]
    weak = CoachingFocus(f.id, f.label, f.measure, f.measure_label, f.kind, f.basis, 0.41, 0.68, None)
    assert focus_statement(language("en"), weak) == "demo -> quote 41% against a team median of 68%"
    assert focus_statement(language("zh-CN"), weak) == "演示→报价 41%，团队中位数 68%"
    v = coaching.BY_ID["visit_cadence"]
    visits = CoachingFocus(v.id, v.label, v.measure, v.measure_label, v.kind, v.basis, 6.0, 7.0, 10.0)
    assert focus_statement(language("en"), visits) == "Visits 6 against a target of 10"
    assert focus_statement(language("zh-CN"), visits) == "拜访 6，目标 10"
    assert language("zh-CN")(f.label) == "促成报价的产品演示"
    c = coaching.BY_ID["cycle_length"]
    slow = CoachingFocus(c.id, c.label, c.measure, c.measure_label, c.kind, c.basis, 50.0, 38.0, None)
    assert focus_statement(language("en"), slow) == "Sales cycle (days) 50.0 against a team median of 38.0"
