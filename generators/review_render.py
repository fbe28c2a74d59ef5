"""The weekly review (周报) as xlsx, HTML and PDF, for a rep or a team (``ctx.kind``).

What the review says is built once (``review_content``: titled sections of lines, tables and
notes, worded in the review's language, values kept typed) and drawn by each format: the xlsx by
``report_xlsx``'s blocks and page layout (numbers as numbers, attainment as a formula, data text
always text), the HTML by templates/review.html.j2 (autoescaped), the PDF by templates/review.typ
(the content as JSON, never markup). The three renderers are module-level and picklable, as the
period run's workers need.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from babel.dates import format_date

from addin.engine.kpi import attainment_of
from addin.engine.money import exact_sum
from workbooks.i18n import DASH, Language, language
from workbooks.xlsxstyle import INT, MONEY, NUMBER

from .report_html import _inliner, environment
from .report_model import is_behind
from .report_pdf import page_frame, table as pdf_table
from .report_text import forecast_deal_table, forecast_table, forecast_words, report_notes
from .report_xlsx import ReportBlocks, SheetWriter, _hf
from .report_layout import lay_out
from .review_model import Deal, Review, StageMove
from .typeset import typeset

# the week's first and last day in words (babel date patterns), by language: "5–11 Oct", "10月5日–10月11日"
SPAN_PATTERNS = {"en": {"same_month": ("d", "d MMM"), "same_year": ("d MMM", "d MMM"), "other": ("d MMM y", "d MMM y")},
                 "zh-CN": {"same_month": ("M月d日", "M月d日"), "same_year": ("M月d日", "M月d日"),
                           "other": ("y年M月d日", "y年M月d日")}}
STYLES = {"money": MONEY, "int": INT, "number": NUMBER}


@dataclass
class Table:
    """A table of typed values: ``kinds`` per column (text, term, money, int, number, pct);
    ``ratio`` (column, numerator, denominator) for an attainment column; ``totals`` its summed columns;
    ``marks`` a status per row (red: behind pace) for the attainment cell."""
    headers: list[str]
    kinds: list[str]
    rows: list[list]
    ratio: tuple[int, int, int] | None = None
    totals: list[int] | None = None
    marks: list[str] | None = None


@dataclass
class Section:
    title: str
    lines: list[str] = field(default_factory=list)
    tables: list[tuple[str | None, Table]] = field(default_factory=list)     # (subtitle, table)
    notes: list[str] = field(default_factory=list)


# --- words --------------------------------------------------------------------------------------

def week_name(t: Language, week: str, first: str, last: str) -> str:
    """'Week 41, 2026 (5–11 Oct)' / '2026年第41周（10月5日–10月11日）' (``Language.period`` and its days)."""
    a, b = dt.date.fromisoformat(first), dt.date.fromisoformat(last)
    case = "same_month" if (a.year, a.month) == (b.year, b.month) else "same_year" if a.year == b.year else "other"
    pa, pb = SPAN_PATTERNS.get(t.code, SPAN_PATTERNS["en"])[case]
    span = f"{format_date(a, pa, locale=t.locale)}\u2013{format_date(b, pb, locale=t.locale)}"
    return t("{period} ({span})", period=t.period(week), span=span)


def review_titles(ctx: Review) -> tuple[str, str]:
    t = language(ctx.lang)
    week = week_name(t, ctx.week, ctx.first, ctx.last)
    if ctx.kind == "rep":
        r = ctx.rep
        return (t("Weekly review: {who}, {week}", who=f"{r.name} ({r.rep_id})", week=week),
                t("Team {team}, manager {manager}", team=r.team, manager=r.manager or "-"))
    return (t("Weekly team review: {team}, {week}", team=ctx.team.team, week=week),
            t("Manager {manager}", manager=ctx.team.manager or "-"))


def review_title(ctx: Review) -> str:
    """The review's title, for the manifest and the mail."""
    return review_titles(ctx)[0]


def _who(ctx: Review) -> str:
    return f"{ctx.rep.name} ({ctx.rep.rep_id})" if ctx.kind == "rep" else ctx.team.team


def _sales_label(t: Language, label: str, month: str) -> str:
    labels = {"Week": t("Week"), "Week to date": t("Week to date"),
              "Month to date": t("{month} to date", month=t.month(month))}
    return labels.get(label, label)


def _mark(actual: float, target: float) -> str:
    """red: behind pace against a target already to date (``report_model.is_behind``, the one rule)."""
    return "red" if is_behind(attainment_of(actual, target), None) else ""


# --- the content ----------------------------------------------------------------------------------

def review_content(ctx: Review) -> list[Section]:
    """The review's sections in reading order, worded in its language."""
    t = language(ctx.lang)
    has = lambda sheet: sheet not in ctx.missing    # noqa: E731
    sections = [_sales_section(t, ctx, has("Targets"))]
    if ctx.forecast:
        sections.append(_forecast_section(t, ctx))
    if ctx.kind == "team":
        sections.append(_ranking_section(t, ctx))
    if has("Opportunities"):
        sections.append(_pipeline_section(t, ctx))
    if has("Activities"):
        sections.append(_activities_section(t, ctx))
    sections.append(_next_week_section(t, ctx, has("Customers"), has("Opportunities")))
    return sections


def _sales_section(t: Language, ctx: Review, targets: bool) -> Section:
    s = Section(t("Sales against target"))
    rows = [[_sales_label(t, r.label, ctx.month), r.actual, r.target, None] for r in ctx.sales]
    marks = [_mark(r.actual, r.target) if r.label != "Week" or not ctx.open_week else "" for r in ctx.sales]
    if targets:
        s.tables.append((None, Table([t("period"), t("actual"), t("target"), t("attainment")],
                                     ["text", "money", "money", "pct"], rows, ratio=(3, 1, 2), marks=marks)))
    else:
        s.tables.append((None, Table([t("period"), t("actual")], ["text", "money"], [r[:2] for r in rows])))
    s.notes.append(t("Net sales (booked less returns) by the order's rep; the month to date runs from the first of "
                     "{month} to {date}, its target pro-rated by working days.", month=t.month(ctx.month),
                     date=ctx.as_of))
    if ctx.open_week:
        s.notes.append(t("The week is still open: its target to date is pro-rated by the working days passed."))
    return s


def _forecast_section(t: Language, ctx: Review) -> Section:
    """Where the week's month and its quarter will land: the monthly report's table, rule and deals
    without an amount; its slipped deals are counted here and listed in the pipeline's week."""
    s, f, words = Section(t("Forecast")), ctx.forecast, forecast_words(ctx)
    headers, rows = forecast_table(t, f)
    s.tables.append((None, Table(headers, ["text"] + ["money"] * (len(headers) - 1), rows)))
    if f.unpriced:
        headers, rows = forecast_deal_table(t, f.unpriced)
        s.tables.append((words["unpriced"], Table(headers, ["text"] * 5 + ["money"], rows)))
    if f.slipped_count:
        s.notes.append(t("Slipped deals: {count}, {amount}", count=f.slipped_count, amount=t.money(f.slipped_amount)))
    s.notes.append(words["rule"])
    return s


def _ranking_section(t: Language, ctx: Review) -> Section:
    """The reps ranked on the week; while it is open, each rep's target to date beside the week's."""
    s = Section(t("The team's reps on the week"))
    behind = {r.rep_id for r in ctx.behind}
    to_date = [[x] for x in ctx.to_date] if ctx.to_date is not None else [[] for _ in ctx.reps]
    rows = [[r.rank, r.name, r.rep_id, r.actual, r.target, *d, None] for r, d in zip(ctx.reps, to_date)]
    extra = ctx.to_date is not None
    s.tables.append((None, Table([t("rank"), t("name"), t("rep"), t("actual"), t("target")]
                                 + ([t("target to date")] if extra else []) + [t("attainment")],
                                 ["int", "text", "text", "money", "money"] + (["money"] if extra else []) + ["pct"],
                                 rows, ratio=(6 if extra else 5, 3, 4), totals=[3, 4, 5] if extra else [3, 4],
                                 marks=["red" if r.rep_id in behind else "" for r in ctx.reps])))
    s.lines.append(t("Champion of the week: {name} ({rep_id})", name=ctx.champion.name, rep_id=ctx.champion.rep_id)
                   if ctx.champion else t("No champion this week (no rep with sales against a target)."))
    s.lines.append(t("Behind pace: {names}", names=t(", ").join(t("{name} ({rep_id})", name=r.name, rep_id=r.rep_id)
                                                                     for r in ctx.behind))
                   if ctx.behind else t("Behind pace: none"))
    lines = [[x.name, x.rep_id, x.created, x.won, x.won_amount, x.lost, _opt(x.slipped), _opt(x.advanced),
              _opt(x.moved_back), x.activities, x.planned, x.revisits, _opt(x.closing)] for x in ctx.lines]
    s.tables.append((t("Each rep's week"), Table(
        [t("name"), t("rep"), t("created"), t("won"), t("won amount"), t("lost deals"), t("slipped"), t("advanced"),
         t("moved back"), t("activities"), t("planned"), t("revisits next week"), t("closing next week")],
        ["text", "text", "int", "int", "money", "int", "int", "int", "int", "int", "int", "int", "int"], lines,
        totals=[j for j in range(2, 13) if all(isinstance(r[j], (int, float)) for r in lines)])))
    return s


def _no_expected_close(t: Language) -> str:
    return t("Slipped deals and deals expected to close need the expected_close column of the Opportunities sheet.")


def _opt(n):
    return DASH if n is None else n


def _deal_table(t: Language, deals: tuple[Deal, ...], when: str, team: bool) -> Table:
    headers = [t("deal"), t("customer"), t("customer name"), t("stage now"), t("amount"), when] + ([t("rep")] if team else [])
    rows = [[d.opp_id, d.customer_id, d.customer, t.term(d.stage), d.amount, d.date] + ([d.rep_id] if team else [])
            for d in deals]
    return Table(headers, ["text", "text", "text", "text", "money", "text"] + (["text"] if team else []), rows,
                 totals=[4] if rows else None)


def _move_table(t: Language, moves: tuple[StageMove, ...], team: bool) -> Table:
    headers = [t("deal"), t("customer"), t("customer name"), t("from stage"), t("to stage"), t("amount"), t("date")] + \
        ([t("rep")] if team else [])
    rows = [[m.opp_id, m.customer_id, m.customer, t.term(m.from_stage), t.term(m.to_stage), m.amount, m.date]
            + ([m.rep_id] if team else []) for m in moves]
    return Table(headers, ["text", "text", "text", "text", "text", "money", "text"] + (["text"] if team else []), rows)


def _pipeline_section(t: Language, ctx: Review) -> Section:
    p, team = ctx.pipeline, ctx.kind == "team"
    s = Section(t("The pipeline's week"))
    s.lines.append(t("Created {created}, won {won}, lost {lost}; slipped {slipped}.", created=len(p.created),
                     won=len(p.won), lost=len(p.lost), slipped=DASH if p.slipped is None else len(p.slipped)))
    s.tables += [(t("Deals created"), _deal_table(t, p.created, t("created on"), team)),
                 (t("Deals won"), _deal_table(t, p.won, t("closed on"), team)),
                 (t("Deals lost"), _deal_table(t, p.lost, t("closed on"), team))]
    if p.slipped is None:
        s.notes.append(_no_expected_close(t))
    else:
        s.tables.append((t("Slipped: still open on or after their expected close"),
                         _deal_table(t, p.slipped, t("expected close"), team)))
    if p.advanced is None:
        s.notes.append(t("Stage moves need the OpportunityHistory sheet."))
    else:
        s.tables += [(t("Stage moves: advanced"), _move_table(t, p.advanced, team)),
                     (t("Stage moves: moved back"), _move_table(t, p.moved_back, team))]
    s.notes.append(t("A blank amount counts as 0 in the totals."))
    return s


def _activities_section(t: Language, ctx: Review) -> Section:
    s = Section(t("Activities against the planned weekly cadence"))
    s.tables.append((None, Table([t("activity"), t("actual"), t("planned"), t("attainment")],
                                 ["text", "int", "int", "pct"],
                                 [[t.term(a.type), a.actual, a.planned, None] for a in ctx.activities],
                                 ratio=(3, 1, 2), totals=[1, 2])))
    s.notes.append(t("Planned for {days} working days of the week at the weekly cadence and capacity.",
                     days=ctx.working_days))
    return s


def _next_week_section(t: Language, ctx: Review, customers: bool, opportunities: bool) -> Section:
    n, team = ctx.next_week, ctx.kind == "team"
    s = Section(t("Next week: {week}", week=week_name(t, _week_key(n.first), n.first, n.last)))
    if customers:
        rows = [[c.customer_id, c.name, t.term(c.tier), c.last_contact or t("never"), c.next_revisit]
                + ([c.owner_rep_id] if team else []) for c in n.revisits]
        s.tables.append((t("Revisits falling due"), Table(
            [t("customer"), t("customer name"), t("tier"), t("last contact"), t("due")] + ([t("rep")] if team else []),
            ["text"] * (6 if team else 5), rows)))
    if opportunities:
        if n.closing is None:
            s.notes.append(_no_expected_close(t))
        else:
            s.tables.append((t("Open deals expected to close"), _deal_table(t, n.closing, t("expected close"), team)))
    return s


def _week_key(first: str) -> str:
    year, week, _ = dt.date.fromisoformat(first).isocalendar()
    return f"{year}-W{week:02d}"


# --- xlsx -----------------------------------------------------------------------------------------

def review_xlsx(ctx: Review) -> bytes:
    """One printable sheet (report_xlsx's blocks and page layout); data text is never a formula."""
    t = language(ctx.lang)
    title, subtitle = review_titles(ctx)
    blocks = ReportBlocks(t)
    blocks.note(t("{subtitle}; data as of {date}.", subtitle=subtitle, date=ctx.as_of))
    for line in report_notes(ctx):
        blocks.note(line)
    for sec in review_content(ctx):
        blocks.section(sec.title)
        for line in sec.lines:
            blocks.note(line)
        for sub, tab in sec.tables:
            if sub:
                blocks.subtitle(sub)
            blocks.table(tab.headers, tab.rows, [STYLES.get(k) for k in tab.kinds], ratio=tab.ratio,
                         totals=tab.totals, marks=tab.marks)
        for note in sec.notes:
            blocks.note(note)
    writer = SheetWriter(title, _who(ctx), ctx.month, t)
    week = _hf(week_name(t, ctx.week, ctx.first, ctx.last))
    writer.ws.set_header(f"&L{_hf(_who(ctx))}&C{week}&R{t.page_of_pages()}")
    writer.ws.set_footer(f"&L{_hf(t('SalesDesk weekly review'))}&R{_hf(_who(ctx))}, {week}")
    return writer.draw(lay_out(blocks.blocks))


# --- HTML and PDF: the same content as text ------------------------------------------------------

def _shown(t: Language, v, kind: str) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, str):
        return v
    if kind == "money":
        return t.money(v)
    if kind == "pct":
        return t.pct(v)
    return t.num(v, 0) if kind in ("int", "number") else str(v)


def _as_text(t: Language, tab: Table) -> dict:
    """A table's values as the language writes them; the attainment as kpi.attainment_of; totals."""
    rows = []
    for i, row in enumerate(tab.rows):
        cells = [_shown(t, v, k) for v, k in zip(row, tab.kinds)]
        if tab.ratio:
            j, num, den = tab.ratio
            cells[j] = t.pct(attainment_of(row[num], row[den])) if attainment_of(row[num], row[den]) is not None else ""
            if tab.marks and tab.marks[i]:
                cells[j] = {"text": cells[j], "status": tab.marks[i]}
        rows.append(cells)
    total = None
    if tab.totals and tab.rows:
        total = [""] * len(tab.headers)
        total[0] = t("Total")
        for j in tab.totals:
            total[j] = _shown(t, exact_sum([r[j] for r in tab.rows]), tab.kinds[j])
    align = "".join("r" if k in ("money", "int", "number", "pct") else "l" for k in tab.kinds)
    return {"header": tab.headers, "rows": rows, "align": align, "total": total}


def review_html(ctx: Review) -> str:
    t = language(ctx.lang)
    title, subtitle = review_titles(ctx)
    sections = [{"title": s.title, "lines": s.lines, "notes": s.notes,
                 "tables": [(sub, _as_text(t, tab)) for sub, tab in s.tables]} for s in review_content(ctx)]
    html = environment(ctx.lang).get_template("review.html.j2").render(
        ctx=ctx, title=title, subtitle=subtitle, notes=report_notes(ctx), sections=sections)
    return _inliner().inline(html)


def review_pdf(ctx: Review) -> bytes:
    t = language(ctx.lang)
    title, subtitle = review_titles(ctx)
    content = page_frame(t, title, _who(ctx), ctx.month) | {
        "header_right": week_name(t, ctx.week, ctx.first, ctx.last),
        "subtitle": t("{subtitle}; data as of {date}.", subtitle=subtitle, date=ctx.as_of),
        "notes": report_notes(ctx), "sections": []}
    for s in review_content(ctx):
        tables = []
        for sub, tab in s.tables:
            x = _as_text(t, tab)
            tables.append({"subtitle": sub, "table": pdf_table(x["header"], x["rows"], x["align"], total=x["total"])})
        content["sections"].append({"title": s.title, "lines": s.lines, "notes": s.notes, "tables": tables})
    return typeset("review.typ", content)
