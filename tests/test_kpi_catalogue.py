"""Every KPI of the catalogue and three of one's own, measured for every rep as an independent
pandas computation from the sheets says (a closed and an open month), the same in the planning
workbook's Scorecard; validate refuses what it cannot measure with one line each."""
from __future__ import annotations

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from addin.engine import kpi_catalogue, kpi_measure, measures
from generators.cli import main
from generators.monthdata import load_month
from generators.report_data import month_facts
from tests.test_rule_book import _ending, _planning_scores
from workbooks import planning_book
from workbooks.engine_args import rep_quotas
from workbooks.reader import read_workbook
from workbooks.salesbook import write_sales_workbook

OWN = {"visits_and_demos": 'count(Activities, type in ("visit", "demo"))',
       "analytics_sales": 'sum(Orders.amount, product = "Analytics Suite", status = "booked")',
       "closing_rate": 'ratio(count(Opportunities, stage = "won", by = closed), '
                       'count(Opportunities, stage in ("won", "lost"), by = closed))'}
STAGES = ["lead", "qualified", "demo", "quote", "negotiation", "won"]


def every_kpi() -> pd.DataFrame:
    """Each built-in KPI and the three of one's own, weights adding up to 100."""
    rows = [(d.id, d.direction, None if d.id in kpi_catalogue.SALES_KPIS else 1.0, None)
            for d in kpi_catalogue.CATALOGUE] + [(k, "higher", 1.0, m) for k, m in OWN.items()]
    weights = [4] * len(rows)
    weights[0] += 100 - sum(weights)
    return pd.DataFrame({"kpi": [r[0] for r in rows], "weight": weights, "direction": [r[1] for r in rows],
                         "cap": 1.5, "target": [r[2] for r in rows], "green": 1.0, "amber": 0.8,
                         "measure": [r[3] for r in rows]})


def _in(frame, column, start, end):
    return frame[(frame[column] >= start) & (frame[column] <= end)]


def _share_won(closed: pd.DataFrame) -> pd.Series:
    """Won over closed, per rep with closed deals."""
    n = closed.groupby("rep_id").size()
    return (closed["stage"] == "won").groupby(closed["rep_id"]).sum().reindex(n.index) / n


def expected_measures(f: dict, month: str, reps: list[str], next_quota: pd.Series) -> pd.DataFrame:
    """The rules of docs/workbook.md, computed here on their own, row by row where that is clearer."""
    p = pd.Period(month, "M")
    start, end = p.start_time.normalize(), p.end_time.normalize()
    trailing = (p - 2).start_time.normalize()
    o = _in(f["Orders"], "order_date", start, end)
    booked = o[o["status"] == "booked"]
    a = _in(f["Activities"], "date", start, end)
    opp = f["Opportunities"]
    closed = _in(opp, "closed", trailing, end)
    out = pd.DataFrame(index=pd.Index(reps, name="rep_id"))
    g = lambda frame: frame.groupby("rep_id")   # noqa: E731
    out["sales"] = g(o[o["status"] != "cancelled"])["amount"].sum()
    out["revenue"] = g(booked)["amount"].sum()
    out["margin"] = g(booked)["amount"].sum() - g(booked)["cost"].sum()
    out["margin_pct"] = out["margin"] / out["revenue"]
    out["orders"] = g(booked)["order_id"].nunique()
    out["deal_size"] = out["revenue"] / out["orders"]
    every_booked = f["Orders"][f["Orders"]["status"] == "booked"]
    first_day = every_booked.groupby("customer_id")["order_date"].transform("min")
    firsts = every_booked[every_booked["order_date"] == first_day]
    first = firsts.loc[firsts.groupby("customer_id")["order_id"].idxmin()]
    out["new_customers"] = g(_in(first, "order_date", start, end)).size()
    out["activities"] = g(a[a["type"] != "email"]).size()
    for kpi, kind in (("calls", "call"), ("visits", "visit"), ("demos", "demo"), ("quotes", "quote"),
                      ("emails", "email")):
        out[kpi] = g(a[a["type"] == kind]).size()
    out["win_rate"] = _share_won(closed)
    won = closed[closed["stage"] == "won"]
    out["cycle_days"] = g(won.assign(days=(won["closed"] - won["created"]).dt.days))["days"].mean()
    out["satisfaction"] = g(_in(f["Satisfaction"], "date", trailing, end))["score"].mean()
    still_open = opp[(opp["created"] <= end) & ~(opp["closed"] <= end)]
    out["pipeline_coverage"] = g(still_open)["amount"].sum().reindex(reps).fillna(0) / next_quota
    made = _in(opp, "created", start, end)
    reached = made.apply(lambda r: STAGES.index(r["lost_stage"] or "lead") if r["stage"] == "lost"
                         else STAGES.index(r["stage"]), axis=1)
    for i, kpi in enumerate(("leads", "qualified", "demos_held", "quotes_sent", "negotiations")):
        out[kpi] = g(made[reached >= i]).size()
    out["visits_and_demos"] = out["visits"].fillna(0) + out["demos"].fillna(0)
    out["analytics_sales"] = g(booked[booked["product"] == "Analytics Suite"])["amount"].sum()
    decided = _in(opp, "closed", start, end)
    out["closing_rate"] = _share_won(decided)
    additive = [d.id for d in kpi_catalogue.CATALOGUE if d.team == "sum"] + ["visits_and_demos", "analytics_sales"]
    out[additive] = out[additive].fillna(0)
    return out


@pytest.mark.parametrize("last_day, month, open_month", [("2026-10-31", "2026-09", False),
                                                          ("2026-10-14", "2026-10", True)])
def test_every_kpi_is_measured_as_its_rule_says_and_the_same_in_the_planning_workbook(
        tmp_path, demo_frames, last_day, month, open_month):
    frames = dict(_ending(demo_frames, last_day), KPIs=every_kpi())
    book = tmp_path / "sales.xlsx"
    write_sales_workbook(frames, book)
    md = load_month(book, month)
    assert not md.incomplete and not md.data.errors
    facts = month_facts(md)
    assert facts.open_month is open_month
    report = pd.DataFrame({c.key: {k.kpi: k.actual for k in c.scorecard.kpis} for c in facts.reps}).T
    reps = report.index.tolist()
    quotas = rep_quotas(md.frames, [2026])
    next_quota = quotas[quotas["period"] == str(pd.Period(month, "M") + 1)].set_index("rep_id")["quota_cents"] / 100
    expected = expected_measures(md.frames, month, reps, next_quota.reindex(reps))
    for kpi in expected.columns:
        assert report[kpi].astype(float).tolist() == pytest.approx(expected[kpi].tolist(), rel=1e-9, nan_ok=True), kpi
    for kpi in ("new_customers", "leads", "negotiations", "visits_and_demos", "analytics_sales", "pipeline_coverage"):
        assert report[kpi].astype(float).sum() > 0, kpi          # the data exercises the rule
    assert all(c.scorecard.score is not None for c in facts.reps)

    plan = tmp_path / "planning.xlsx"
    data = read_workbook(book).frames
    planning_book.write(planning_book.build(data, int(month[:4]), month), plan, data)
    planning = _planning_scores(plan).loc[reps]
    scores = pd.Series({c.key: c.scorecard.score for c in facts.reps})[reps]
    assert planning["score"].tolist() == pytest.approx(scores.tolist(), abs=1e-12)
    ws = openpyxl.load_workbook(plan, data_only=True)["Scorecard"]
    header = [c.value for c in ws[6]]
    for row in ws.iter_rows(min_row=7, values_only=True):
        if row[0] in report.index:
            for kpi in expected.columns:
                got = row[header.index(kpi)]
                want = report.loc[row[0], kpi]
                assert (got is None and pd.isna(want)) or got == pytest.approx(want, rel=1e-12), (row[0], kpi)


def test_every_catalogue_kpi_has_its_measure_and_a_chinese_label():
    from workbooks.i18n import language
    zh = language("zh-CN")
    assert set(measures.BUILT_IN) == set(kpi_catalogue.BY_ID) == set(measures.NEEDS)
    for d in kpi_catalogue.CATALOGUE:
        assert d.kind in kpi_catalogue.KINDS and d.team in ("sum", "rows") and d.direction in ("higher", "lower")
        assert zh(d.label) != d.label, d.label


def test_team_measures_sum_the_additive_and_take_ratios_over_the_team_rows(demo_frames):
    month = "2026-09"
    p = pd.Period(month, "M")
    period = measures.MeasurePeriod(p.start_time, p.end_time.normalize(), (p - 2).start_time)
    rep_team = demo_frames["Reps"].set_index("rep_id")["team"]
    ids = ["sales", "activities", "new_customers", "win_rate", "margin_pct"]
    per_rep = measures.rep_measures(demo_frames, period, ids, rep_team.index)
    per_team = measures.team_measures(demo_frames, period, ids, rep_team.to_dict())
    summed = per_rep.groupby(rep_team).sum()
    assert per_team[["sales", "activities", "new_customers"]].to_numpy() == pytest.approx(
        summed[["sales", "activities", "new_customers"]].to_numpy())
    closed = demo_frames["Opportunities"]
    closed = closed[(closed["closed"] >= period.trailing_start) & (closed["closed"] <= period.end)]
    team = closed["rep_id"].map(rep_team)
    want = (closed["stage"] == "won").groupby(team).sum() / closed.groupby(team).size()
    assert per_team["win_rate"].tolist() == pytest.approx(want.reindex(per_team.index).tolist())


@pytest.mark.parametrize("text, at, says", [
    ('count(Activities, type = )', 26, "found ')'"),
    ('sum(Orders, status = "booked")', 11, "found ','"),
    ('count(Activites)', 7, "no measure counts the sheet Activites"),
    ('count(Orders, status = "booked"', 32, "found the end"),
    ('mean(Satisfaction.score) + 1', 26, "unexpected '+'"),
    ('count(Orders, by = closed)', 15, "Orders rows cannot be dated by closed"),
    ('ratio(count(Orders), 3)', 22, "found 3.0"),
    ('count(Orders, product = "Pro)', 25, "text not closed"),
    ('__import__("os")', 1, "unknown function __import__"),
    ('count(Opportunities, by = closed, by = created)', 35, "by given twice"),
])
def test_a_malformed_measure_names_the_character(text, at, says):
    with pytest.raises(kpi_measure.MeasureError) as e:
        kpi_measure.parse(text)
    assert e.value.at == at and says in e.value.problem


def test_a_measure_in_chinese_punctuation_reads_like_ascii():
    a = kpi_measure.parse('count（Activities， type in （“visit”， “demo”））')
    assert a == kpi_measure.parse('count(Activities, type in ("visit", "demo"))')


def test_a_measure_that_does_not_fit_the_workbook(demo_frames):
    for text, says in (('sum(Orders.product)', "not a number column"), ('count(Orders, colour = "red")', "no column colour"),
                       ('count(Orders, amount = "x")', "holds numbers")):
        with pytest.raises(kpi_measure.MeasureError, match=says):
            kpi_measure.check(kpi_measure.parse(text), demo_frames)


def _validate(tmp_path, demo_frames, kpis: pd.DataFrame) -> list[str]:
    book = tmp_path / "kpis.xlsx"
    write_sales_workbook(dict(demo_frames, KPIs=kpis), book)
    result = CliRunner().invoke(main, ["--no-cache", "validate", str(book)])
    return result.exit_code, [line for line in result.output.splitlines() if "KPIs" in line]


def test_validate_refuses_an_unknown_kpi_and_a_malformed_measure_with_one_line_each(tmp_path, demo_frames):
    kpis = demo_frames["KPIs"].copy()
    kpis["measure"] = None
    kpis.loc[kpis["kpi"] == "win_rate", "kpi"] = "win_rat"
    kpis.loc[len(kpis)] = ["新客户", 0, "higher", None, 3, 1.0, 0.8, None]
    kpis.loc[len(kpis)] = ["site_visits", 0, "higher", None, 3, 1.0, 0.8, 'count(Activities, type = "visit"']
    code, lines = _validate(tmp_path, demo_frames, kpis)
    assert code == 1 and len(lines) == 3, lines
    assert "KPIs row 5 column kpi: unknown KPI (did you mean win_rate?) (win_rat)" in lines[0]
    assert "KPIs row 8 column kpi: unknown KPI (did you mean new_customers?)" in lines[1]
    assert "KPIs row 9 column measure: found the end (character 33)" in lines[2] and "or ) closing count" in lines[2]


def test_validate_warns_of_weights_not_adding_up_to_100(tmp_path, demo_frames):
    kpis = demo_frames["KPIs"].copy()
    kpis.loc[kpis["kpi"] == "sales", "weight"] = 50
    code, lines = _validate(tmp_path, demo_frames, kpis)
    assert code == 0 and len(lines) == 1 and "weights do not add up to 100 (110)" in lines[0], lines


def test_one_champion_rule_ties_to_higher_sales_then_the_lowest_rep_id():
    from addin.engine.rules import champions
    cand = pd.DataFrame({"team": ["A", "A", "A", "A", "B", "B"], "rep_id": ["R3", "R2", "R1", "R4", "R5", "R6"],
                         "sales": [200.0, 100.0, 100.0, 0.0, 50.0, 80.0],
                         "attainment": [1.2, 1.2, 1.2, 9.0, float("nan"), 0.5]})
    best = champions(cand, ["team"]).set_index("team")["rep_id"]
    assert best.to_dict() == {"A": "R3", "B": "R6"}          # R4 sold nothing, R5 has no quota
    assert champions(cand[cand["rep_id"] != "R3"], [])["rep_id"].tolist() == ["R1"]


def _spiff_and_report(tmp_path, book):
    from generators.commissions import month_result
    from generators.ledger import Ledger
    from generators.report_data import attach_commission

    md = load_month(book, "2026-10")
    facts = month_facts(md)
    result = month_result(md, Ledger(tmp_path / f"{book.stem}.sqlite"))
    attach_commission(facts, result.summary)
    lines = result.lines
    paid = lines[(lines["kind"] == "spiff") & (lines["period"] == "2026-10")
                 & lines["note"].str.contains("highest attainment in team")]
    paid_to = {note.split("team ")[1].split(" (")[0]: rep for note, rep in zip(paid["note"], paid["rep_id"])}
    return facts, paid_to


def test_the_report_says_who_is_paid_the_champion_spiff_when_credited_sales_pick_another(tmp_path, demo_frames,
                                                                                         demo_book):
    """The champion SPIFF goes to the champion the team report names, or the report says to whom
    and why: here the named champion's October orders are credited to a teammate."""
    from workbooks.i18n import language

    facts, paid_to = _spiff_and_report(tmp_path, demo_book)
    assert {t.key: t.champion.rep_id for t in facts.teams} == paid_to and all(t.champion_note is None
                                                                              for t in facts.teams)
    team = facts.teams[0]
    champ, mate = team.champion.rep_id, next(r.rep_id for r in team.reps if r.rep_id != team.champion.rep_id)
    o, credits = demo_frames["Orders"], demo_frames["OrderCredits"]
    moved = o.loc[(o["rep_id"] == champ) & (o["order_date"] >= "2026-10-01") & (o["status"] == "booked"), "order_id"]
    credits = pd.concat([credits[~credits["order_id"].isin(moved)],
                         pd.DataFrame({"order_id": moved, "rep_id": mate, "share": 1.0})], ignore_index=True)
    book = tmp_path / "credited.xlsx"
    write_sales_workbook(dict(demo_frames, OrderCredits=credits), book)
    facts, paid_to = _spiff_and_report(tmp_path, book)
    t = next(x for x in facts.teams if x.key == team.key)
    assert t.champion.rep_id == champ != paid_to[t.key]            # booked to champ, credited elsewhere
    named = {k: v for k, v, _ in t.champion_note.amounts}
    assert named["rep_id"] == paid_to[t.key]
    assert paid_to[t.key] in language("zh-CN").note(t.champion_note)
    assert all(x.champion_note is None for x in facts.teams if x.key != team.key)


def test_the_dashboard_champion_is_the_best_team_champion_by_the_same_rule(demo_book):
    from generators.dashboard import _champion
    facts = month_facts(load_month(demo_book, "2026-10"))
    best = _champion(facts)
    assert best["attainment"] == max(t.champion.actual / t.champion.target for t in facts.teams)


def test_a_blank_direction_is_the_catalogues_usual_one_in_the_report_and_in_sd_scorecard():
    from addin import udfs
    from workbooks.kpis import scorecard_kpis
    sheet = pd.DataFrame({"kpi": ["cycle_days", "sales", "visits_and_demos"], "weight": [50, 30, 20],
                          "direction": [None, None, None], "cap": None, "target": [40.0, None, 10.0],
                          "green": 1.0, "amber": 0.8, "measure": [None, None, OWN["visits_and_demos"]]})
    kpis, _ = scorecard_kpis(sheet)
    assert [k.direction for k in kpis] == ["lower", "higher", "higher"]
    table = [list(sheet.columns)] + sheet.astype(object).where(sheet.notna(), None).values.tolist()
    out = udfs.SD_SCORECARD([["rep", "cycle_days", "sales", "visits_and_demos", "sales_target"],
                             ["R1", 20, 100, 10, 100]], table)
    assert out[1][1] == 2.0          # cycle 20 days against 40, lower is better: 40/20


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_every_format_of_the_team_report_says_who_is_paid_the_champion_spiff(tmp_path, demo_book, lang):
    import io
    import shutil
    from dataclasses import replace

    from generators.report_html import render
    from generators.report_model import Note
    from generators.report_pdf import team_pdf
    from generators.report_xlsx import team_workbook
    from workbooks.i18n import language

    team = month_facts(load_month(demo_book, "2026-10")).teams[0]
    other = next(r for r in team.reps if r.rep_id != team.champion.rep_id)
    note = Note("The champion SPIFF ({spiff}) is paid to {name} ({rep_id}): it counts credited sales (an order "
                "shared between reps counts by each rep's share; returns are not taken off), on which {name} has "
                "the team's highest attainment, {attainment}%. The champion above is by the sales booked to "
                "each rep.", (("spiff", "Team champion", None), ("name", other.name, None),
                              ("rep_id", other.rep_id, None), ("attainment", 123.45, 1)))
    ctx = replace(team, champion_note=note, lang=lang)
    said = language(lang).note(note)
    assert "123.5%" in said and other.name in said and ("冠军奖金" in said) is (lang == "zh-CN")
    cells = [c for row in openpyxl.load_workbook(io.BytesIO(team_workbook(ctx))).worksheets[0].iter_rows(values_only=True)
             for c in row if isinstance(c, str)]
    assert said in cells
    assert said.replace("'", "&#39;") in render(ctx) or said in render(ctx)
    if shutil.which("pdftotext"):
        from tests.test_pdf import pdf_text
        text = " ".join(" ".join(pdf_text(team_pdf(ctx), tmp_path)).split())
        assert other.rep_id in text and "123.5%" in text


@pytest.mark.parametrize("text, at, says", [
    ("ratio(" * 21 + "count(Orders)" + ", count(Orders))" * 21, 121, "ratios nested more than 20 deep"),
    ("ratio(" * 1000 + "count(Orders)" + ", count(Orders))" * 1000, 2001, "a measure of 22,013 characters"),
])
def test_a_measure_too_deep_or_too_long_is_one_line_not_a_crash(text, at, says):
    with pytest.raises(kpi_measure.MeasureError) as e:
        kpi_measure.parse(text)
    assert e.value.at == at and says in e.value.problem
    assert isinstance(kpi_measure.parse("ratio(" * 20 + "count(Orders)" + ", count(Orders))" * 20), kpi_measure.Ratio)


def test_a_missing_column_is_named_where_it_is_written(demo_frames):
    with pytest.raises(kpi_measure.MeasureError) as e:
        kpi_measure.check(kpi_measure.parse("sum(Orders.nope)"), demo_frames)
    assert e.value.at == 12 and "Orders has no column nope" in e.value.problem


def test_the_same_kpi_written_twice_in_another_case_is_refused(tmp_path, demo_frames):
    kpis = demo_frames["KPIs"].copy()
    kpis["measure"] = None
    kpis.loc[len(kpis)] = ["SALES ", 5, "higher", None, 1, 1.0, 0.8, None]
    code, lines = _validate(tmp_path, demo_frames, kpis)
    assert code == 1, lines
    assert any("column kpi: the same KPI as row 2 (sales)" in line for line in lines), lines
