"""The monthly report as a PDF, typeset from the report model (``templates/report.typ``).

This module says what each section shows, worded and formatted in the report's language
(``workbooks.i18n``); the template says where it goes on the page. Every value reaches the
template as a string (or a bar's share), so what the PDF prints is what the HTML and xlsx
reports print.
"""
from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache

from addin.engine.money import exact_sum
from workbooks.i18n import Language, language

from .report_text import focus_statement, forecast_words, report_notes, titles
from .report_model import (FORECAST_CATEGORIES, KPI_BAR_SCALE, CustomerRow, FunnelStage, RankedRep, RepMonth, ReturnLine, SalesRow,
                           TeamMonth)
from .typeset import typeset

COMMISSION_COLUMNS = (("sales commission", "commission"), ("gate and cap", "gate_and_cap"), ("clawbacks", "clawback"),
                      ("SPIFFs", "spiff"), ("adjustments", "adjustment"), ("earned", "earned"), ("to pay", "paid"))


def rep_pdf(ctx: RepMonth) -> bytes:
    return typeset("report.typ", rep_content(ctx))


def team_pdf(ctx: TeamMonth) -> bytes:
    return typeset("report.typ", team_content(ctx))


def report_pdf(ctx: RepMonth | TeamMonth) -> bytes:
    return rep_pdf(ctx) if ctx.kind == "rep" else team_pdf(ctx)


# --- the document's frame -----------------------------------------------------------------

def page_frame(t: Language, title: str, header_left: str, period: str) -> dict:
    """What every PDF's pages carry (templates/common.typ document-setup): the language, the title,
    the header (who, the period) and "page x of y" in the language."""
    lang, _, region = t.code.partition("-")
    return {"lang": lang, "region": region or None, "title": one_line(title), "header_left": one_line(header_left),
            "header_right": t.month(period), "page_of": t("Page {page} of {pages}"), "labels": {"none": t("None.")}}


def _frame(ctx, t: Language, header_left: str) -> dict:
    """A report around its sections: the title and subtitle the HTML report and mail use too."""
    title, subtitle = titles(ctx)
    subtitle = t("{subtitle}; data as of {date}.", subtitle=subtitle, date=ctx.as_of)
    return page_frame(t, title, header_left, ctx.month) | {
        "kind": ctx.kind, "subtitle": one_line(subtitle), "notes": report_notes(ctx),
        "tiles": [], "sections": {}}


def table(header: list[str], rows: list[list], align: str, widths=None, total=None) -> dict:
    """A table for the template: ``align`` has one letter per column (l, r, c); ``widths``
    (fr or "auto") for a table whose values wrap in their cells; ``est`` its width in ems on
    one line a row, for the template's faster one-line layout (templates/common.typ)."""
    content = {"header": header, "rows": rows, "align": list(align)}
    if not any(_breaks_line(v) for row in [header, *rows, *([total] if total else [])] for v in row):
        est = sum(_column_ems(header, rows, total, j) for j in range(len(header)))
        if est < math.inf:
            content["est"] = round(est, 2)
    if widths is not None:
        content["widths"] = list(widths)
    if total is not None:
        content["total"] = total
    return content


BAR_EMS = 9.0      # a bar's width in the one-line layout (templates/common.typ one-line-table)
LINE_BREAKS = re.compile("[\n\r\v\f\x85\u2028\u2029]")


def one_line(text: str) -> str:
    """A title or page header from data on one line (a line break in a name becomes a space)."""
    return LINE_BREAKS.sub(" ", text)


def _breaks_line(value) -> bool:
    """A value that Typst would print on two lines (an Alt+Enter in a cell): its table gets a cell per value."""
    text = value.get("text", "") if isinstance(value, dict) else value
    return isinstance(text, str) and LINE_BREAKS.search(text) is not None


def _column_ems(header: list[str], rows: list[list], total, j: int) -> float:
    values = [r[j] for r in rows] + ([total[j]] if total else [])
    widest = max([_ems(v) for v in values] + [0.0])
    return max(widest, 1.1 * _ems(header[j]))      # headers are bold


def _ems(value) -> float:
    """A value's width in ems on one line, over- rather than underestimated; infinite for text
    whose width is not known well enough (then its table gets a cell per value, which wraps)."""
    if isinstance(value, dict):
        return BAR_EMS if "bar" in value else _ems(value.get("text", "")) + 0.5
    return sum(_char_ems(ch) for ch in str(value or ""))


@lru_cache(maxsize=4096)
def _char_ems(ch: str) -> float:
    """A character's advance in ems in Noto Sans CJK SC: Latin letters 0.2 to 0.9 em (the wide
    ones counted as 1), ideographs and full-width forms 1 em; other scripts (Thai, Tamil, Arabic
    ...) and symbols of uncertain width come from fallback fonts: not estimated (infinite)."""
    if unicodedata.east_asian_width(ch) in "WF" or ch in "MWmw@%&ÆŒæœ":
        return 1.0
    if ord(ch) < 0x250 or ch in "–—‘’“”…€•·":
        return 0.75 if ch.isupper() else 0.6
    return math.inf


def _status(text: str, status: str | None) -> dict:
    return {"text": text, "status": status or ""}


# --- sections both kinds share ---------------------------------------------------------------

def _sales_section(t: Language, heading: str, rows: tuple[SalesRow, ...], targets: bool) -> dict:
    if not targets:
        return {"title": t(heading), "table": table([t("period"), t("actual")],
                                                       [[t(s.label), t.money(s.actual)] for s in rows], "lr")}
    return {"title": t(heading), "table": table(
        [t("period"), t("actual"), t("target"), t("attainment")],
        [[t(s.label), t.money(s.actual), t.money(s.target), t.ratio(s.actual, s.target)] for s in rows], "lrrr")}


def _forecast_sections(ctx: RepMonth | TeamMonth, t: Language) -> dict:
    """The open month's forecast (report_model.Forecast) and the deals it lists."""
    f, words = ctx.forecast, forecast_words(ctx)
    header = [t("category")] + [h for p in f.periods for h in (f"{t(p.span)} {p.period}", t("gap to target"))]
    rows = [[t("target")] + [v for p in f.periods for v in (t.money(p.target), "")]]
    rows += [[t(label)] + [v for p in f.periods for v in (t.money(p[field]), t.money(p[field] - p.target)
                                                          if p.target > 0 else "")]
             for field, label, _ in FORECAST_CATEGORIES]
    out = {"forecast": {"title": t("Forecast"), "table": table(header, rows, "l" + "r" * (len(header) - 1)),
                        "notes": [words["rule"]]}}
    for key, deals in (("slipped", f.slipped), ("unpriced", f.unpriced)):
        if deals:
            out[key] = {"title": words[key], "table": table(
                [t("deal"), t("rep"), t("customer"), t("stage"), t("expected close"), t("amount")],
                [[d.opp_id, d.rep_id, d.customer_id or "", t.term(d.stage), d.expected_close or "",
                  t.money(d.amount) if d.amount is not None else t("no amount")] for d in deals], "lllllr")}
    return out


def _funnel_section(t: Language, funnel: tuple[FunnelStage, ...], lines: list[str] = ()) -> dict:
    top = max([f.reached for f in funnel] + [1])
    rows = [[t.term(f.stage), t.num(f.reached, 0), {"bar": f.reached / top},
             "" if f.advanced is None else t.num(f.advanced, 0),
             t.ratio(f.advanced, f.reached) if f.advanced is not None else ""] for f in funnel]
    return {"title": t("Funnel (deals created in the last 12 months)"), "lines": list(lines),
            "table": table([t("stage"), t("reached"), "", t("advanced to next"), t("conversion")], rows, "lrlrr",
                            widths=["auto", "auto", 1, "auto", "auto"])}     # the bar beside "reached" draws it


def _customer_section(t: Language, title: str, rows: tuple[CustomerRow, ...]) -> dict:
    return {"title": title, "table": table(
        [t("customer"), t("name"), t("tier"), t("tier last month"), t("last contact"), t("next revisit")],
        [[c.customer_id, c.name, t.term(c.tier), t.term(c.previous_tier), c.last_contact or t("never"),
          c.next_revisit or ""] for c in rows], "llllll", widths=[2, 4, 2, 2, 2, 2])}


def _trend_sections(t: Language, trend: tuple[SalesRow, ...], targets: bool) -> dict:
    top = _nice_top(max([x.actual for x in trend] + ([x.target for x in trend] if targets else []) + [0.0]))
    chart = {"labels": [x.period[5:] for x in trend], "actual": [x.actual for x in trend],
             "target": [x.target if targets else None for x in trend], "top": top,
             "axis": [t.compact(top * i / 4) for i in range(5)],
             "legend": [t("actual"), t("target")] if targets else [t("actual")]}
    actual = exact_sum(x.actual for x in trend)
    if targets:
        target = exact_sum(x.target for x in trend)
        trend_table = table([t("month"), t("actual"), t("target"), t("attainment")],
                            [[x.period, t.money(x.actual), t.money(x.target), t.ratio(x.actual, x.target)]
                             for x in trend], "lrrr",
                            total=[t("Total"), t.money(actual), t.money(target), t.ratio(actual, target)])
    else:
        trend_table = table([t("month"), t("actual")], [[x.period, t.money(x.actual)] for x in trend], "lr",
                            total=[t("Total"), t.money(actual)])
    return {"trend": {"title": t("Twelve-month trend"), "chart": chart},
            "trend_table": {"title": t("Sales against target, last 12 months") if targets else t("Sales"),
                            "table": trend_table}}


def _nice_top(v: float) -> float:
    """The chart's top: the next of 1, 2, 2.5, 5 x 10^n at or above ``v``."""
    if v <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(v))
    return next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= v)


# --- a rep's report ------------------------------------------------------------------------

def rep_content(ctx: RepMonth) -> dict:
    """Everything a rep's PDF shows, in the report's language."""
    t, r = language(ctx.lang), ctx.rep
    who = f"{r.name} ({r.rep_id})"
    has = lambda sheet: sheet not in ctx.missing   # noqa: E731
    d = _frame(ctx, t, who)
    d["tiles"] = _rep_tiles(ctx, t, has)
    s = d["sections"]
    s["sales"] = _sales_section(t, "Sales against target", ctx.sales, has("Targets"))
    if ctx.runrate:
        s["sales"]["notes"] = [_runrate_line(ctx, t)]
    if ctx.forecast:
        s.update(_forecast_sections(ctx, t))
    if has("KPIs"):
        s["scorecard"] = _scorecard_section(ctx, t)
    s["coaching"] = _coaching_section(ctx, t)
    if has("Opportunities"):
        s["funnel"] = _funnel_section(t, ctx.funnel, [t("Win rate (last three months): {rate}; average cycle: {days} "
                                                        "days.", rate=t.pct(ctx.win_rate), days=t.num(ctx.cycle_days))])
    if has("Activities"):
        s["activities"] = _activities_section(ctx, t)
    if has("Satisfaction"):
        sat = ctx.satisfaction
        s["satisfaction"] = {"title": t("Customer satisfaction"), "lines": [t(
            "This month {mean} (answers: {count}); last three months {trailing} (1 to 5).",
            mean=t.num(sat.month_mean, 2), count=sat.month_count, trailing=t.num(sat.trailing_mean, 2))]}
    if has("Customers"):
        cust = ctx.customers
        s["tiers"] = {"title": t("Customers by tier ({count} customers)", count=cust.total), "table": table(
            [t("tier"), t("customers")], [[t.term(x.tier), t.num(x.count, 0)] for x in cust.tiers], "lr")}
        s["overdue"] = _customer_section(t, t("Overdue revisits"), cust.overdue)
        s["moved_down"] = _customer_section(t, t("Customers that moved down a tier: call them"), cust.moved_down)
    s["returns"] = _returns_section(t, t("Returns this month"), ctx.returns, with_rep=False)
    if has("Plans"):
        s["commission"] = _commission_section(ctx, t)
    s.update(_trend_sections(t, ctx.trend, has("Targets")))
    return d


NO_FOCUS = "No focus: no real gap against the team's median or the targets."


def _coaching_section(ctx: RepMonth, t: Language) -> dict:
    title = t("What to work on (last three months)")
    if not ctx.coaching:
        return {"title": title, "lines": [t(NO_FOCUS)]}
    return {"title": title, "table": table([t("focus"), t("figures")],
                                           [[t(f.label), focus_statement(t, f)] for f in ctx.coaching], "ll",
                                           widths=[2, 3])}


def _training_section(ctx: TeamMonth, t: Language) -> dict:
    title = t("Training plan: who needs which focus (last three months)")
    if not ctx.training:
        return {"title": title, "lines": [t(NO_FOCUS)]}
    return {"title": title, "table": table(
        [t("focus"), t("rep"), t("name"), t("figures")],
        [[t(need.label) if i == 0 else "", r.rep_id, r.name, focus_statement(t, r.focus)]
         for need in ctx.training for i, r in enumerate(need.reps)], "llll", widths=[3, 2, 3, 5])}


def _rep_tiles(ctx: RepMonth, t: Language, has) -> list[dict]:
    month = ctx.sales[0]
    tiles = [{"label": t(month.label), "value": t.money(month.actual),
              "sub": t("{share} of {target}", share=t.ratio(month.actual, month.target), target=t.money(month.target))
              if has("Targets") else ""}]
    if has("KPIs"):
        sc = ctx.scorecard
        tiles.append({"label": t("Score"), "value": t.pct(sc.score), "status": sc.status,
                      "sub": t("rank {rank} of {size} in the team.", rank=sc.rank, size=sc.team_size)})
    if ctx.runrate:
        tiles.append({"label": t("run-rate"), "value": t.money(ctx.runrate.amount),
                      "sub": t.pct(ctx.runrate.attainment, 0) if ctx.runrate.attainment is not None else ""})
    if has("Plans") and ctx.commission:
        tiles.append({"label": t("to pay"), "value": t.money(ctx.commission.paid),
                      "sub": t("earned") + " " + t.money(ctx.commission.earned)})
    return tiles


def _runrate_line(ctx: RepMonth, t: Language) -> str:
    rr = ctx.runrate
    if rr.attainment is not None:
        return t("Month still open: at the current pace the month ends at {amount} ({share} of target), run-rate on "
                 "working days.", amount=t.money(rr.amount), share=t.pct(rr.attainment, 0))
    return t("Month still open: at the current pace the month ends at {amount}, run-rate on working days.",
             amount=t.money(rr.amount))


def _scorecard_section(ctx: RepMonth, t: Language) -> dict:
    sc = ctx.scorecard
    rows = [[t.term(k.label or k.kpi), t.kpi_value(k.actual, k.kind), t.kpi_value(k.target, k.kind),
             _status(t.pct(k.attainment), k.status),
             {"bar": k.attainment or 0.0, "ink": k.status if k.status in ("green", "amber", "red") else "plain",
              "scale": KPI_BAR_SCALE, "mark": 1.0},
             t.num(k.weight, 0)] for k in sc.kpis]
    notes = [t("Targets of cumulative KPIs (sales, activities) are pro-rated to the working days elapsed.")] \
        if ctx.open_month else []
    return {"title": t("KPI scorecard"), "lines": [
        t("KPI score: {score} ({status}), rank {rank} of {size} in the team.", score=t.pct(sc.score),
          status=t.term(sc.status), rank=sc.rank, size=sc.team_size)],
        "table": table([t("KPI"), t("actual"), t("target"), t("attainment"), t("attainment (bar: up to 150%)"),
                         t("weight")], rows, "lrrrlr", widths=["auto", "auto", "auto", "auto", 1, "auto"]),
        "notes": notes}


def _activities_section(ctx: RepMonth, t: Language) -> dict:
    act = sum(a.actual for a in ctx.activities)
    plan = sum(a.planned for a in ctx.activities)
    return {"title": t("Activities against the planned weekly cadence"), "table": table(
        [t("activity"), t("actual"), t("planned"), t("attainment")],
        [[t.term(a.type), t.num(a.actual, 0), t.num(a.planned, 0), t.ratio(a.actual, a.planned)]
         for a in ctx.activities], "lrrr", total=[t("Total"), t.num(act, 0), t.num(plan, 0), t.ratio(act, plan)]),
        "notes": [t.note(ctx.activities_note)] if ctx.activities_note else []}


def _returns_section(t: Language, title: str, returns: tuple[ReturnLine, ...], with_rep: bool) -> dict:
    header = [t("order"), t("date")] + ([t("rep")] if with_rep else []) + [t("customer"), t("product"), t("amount")] \
        + ([] if with_rep else [t("original order")])
    rows = [[x.order_id, x.date] + ([x.rep_id] if with_rep else []) + [x.customer_id, x.product, t.money(x.amount)]
            + ([] if with_rep else [x.original_order_id or ""]) for x in returns]
    align = "lllllr" if with_rep else "llllrl"
    total = None
    if returns:
        amount = t.money(exact_sum(x.amount for x in returns))
        total = [t("Total"), "", "", "", "", amount] if with_rep else [t("Total"), "", "", "", amount, ""]
    section = {"title": title, "table": table(header, rows, align, total=total)}
    if not returns:
        section.pop("table")
        section["lines"] = [t("No returns.")] if not with_rep else [t("None.")]
    return section


def _commission_section(ctx: RepMonth, t: Language) -> dict:
    c = ctx.commission
    section = {"title": t("Commission for the month"),
               "notes": [t.note(ctx.sales_note)] if ctx.sales_note else []}
    if c:
        section["table"] = table([t(h) for h, _ in COMMISSION_COLUMNS], [[t.money(c[k]) for _, k in COMMISSION_COLUMNS]],
                                  "r" * len(COMMISSION_COLUMNS))
    else:
        section["lines"] = [t("Not computed in this run.")]
    return section


# --- a team's report -----------------------------------------------------------------------

def team_content(ctx: TeamMonth) -> dict:
    """Everything a team's PDF shows, in the report's language."""
    t, tm = language(ctx.lang), ctx.team
    has = lambda sheet: sheet not in ctx.missing   # noqa: E731
    d = _frame(ctx, t, t("Team {team}", team=tm.team))
    month = ctx.sales[0]
    d["tiles"] = [{"label": t(month.label), "value": t.money(month.actual),
                   "sub": t("{share} of {target}", share=t.ratio(month.actual, month.target),
                            target=t.money(month.target)) if has("Targets") else ""},
                  {"label": t("Reps in the team"), "value": t.num(len(ctx.reps), 0),
                   "sub": t("Behind pace:") + " " + t.num(len(ctx.risks.behind_pace), 0)}]
    s = d["sections"]
    s["sales"] = _sales_section(t, "Team against target", ctx.sales, has("Targets"))
    if ctx.forecast:
        s.update(_forecast_sections(ctx, t))
    ch = ctx.champion
    s["champion"] = {"title": t("Sales champion of the month"), "lines": [
        t("{name} ({rep_id}): {actual} against {target}", name=ch.name, rep_id=ch.rep_id, actual=t.money(ch.actual),
          target=t.money(ch.target)) + f" ({t.ratio(ch.actual, ch.target)})" if ch else t("No rep with a target.")]
        + ([t.note(ctx.champion_note)] if ctx.champion_note else [])}
    s["ranking"] = _ranking_section(ctx, t)
    if has("KPIs"):
        s["underperformers"] = _rep_list(t, t("Underperformers (status red)"), ctx.underperformers, score=True)
    s["training"] = _training_section(ctx, t)
    s["behind_pace"] = _rep_list(t, t("Risks: behind pace"), ctx.risks.behind_pace, score=False)
    if has("Customers"):
        s["overdue_high_value"] = {"title": t("Risks: overdue revisits of high-value customers"), "table": table(
            [t("customer"), t("name"), t("rep"), t("last contact"), t("next revisit")],
            [[c.customer_id, c.name, c.owner_rep_id, c.last_contact or t("never"), c.next_revisit or ""]
             for c in ctx.risks.overdue_high_value], "lllll", widths=[2, 5, 2, 2, 2])}
    s["large_returns"] = _returns_section(t, t("Risks: large returns"), ctx.risks.large_returns, with_rep=True)
    if has("Opportunities"):
        s["funnel"] = _funnel_section(t, ctx.funnel)
    if has("Customers"):
        mv = ctx.movements
        s["movements"] = {"title": t("Tier movements of the team's customers"), "table": table(
            [t("moved"), t("customers")], [[t.term(k), t.num(v, 0)] for k, v in mv.counts.items()], "lr")}
        s["moved_down"] = _customer_section(t, t("Customers that moved down a tier (the most valuable first)"),
                                            mv.moved_down)
    s.update(_trend_sections(t, ctx.trend, has("Targets")))
    return d


def _ranking_section(ctx: TeamMonth, t: Language) -> dict:
    reps = ctx.reps
    actual, target = exact_sum(x.actual for x in reps), exact_sum(x.target for x in reps)
    return {"title": t("Reps ranked by score"), "table": table(
        [t("rank"), t("rep"), t("name"), t("actual"), t("target"), t("attainment"), t("score"), t("status")],
        [[str(x.rank), x.rep_id, x.name, t.money(x.actual), t.money(x.target), t.ratio(x.actual, x.target),
          _status(t.pct(x.score), x.status), t.term(x.status)] for x in reps],
        "rlllrrrl", widths=["auto", 2, 4, "auto", "auto", "auto", "auto", "auto"],
        total=[t("Total"), "", "", t.money(actual), t.money(target), t.ratio(actual, target), "", ""]),
        "notes": [t.note(ctx.target_note)] if ctx.target_note else []}


def _rep_list(t: Language, title: str, reps: tuple[RankedRep, ...], score: bool) -> dict:
    header = [t("rep"), t("name"), t("attainment")] + ([t("score")] if score else [])
    rows = [[x.rep_id, x.name, t.ratio(x.actual, x.target)] + ([_status(t.pct(x.score), x.status)] if score else [])
            for x in reps]
    return {"title": title, "table": table(header, rows, "llr" + ("r" if score else ""),
                                            widths=[2, 4, "auto"] + (["auto"] if score else []))}
