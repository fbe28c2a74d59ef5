"""What a quarter's or year's summary says, section by section, in its language: the one place
that words the summaries, so the xlsx, HTML and PDF (``summary_render``) say the same.

Each section is a title, lines of text, a table of raw values with each column's kind (money,
pct, int, text, or kpi: a (value, the KPI's kind) pair) and notes; each format writes the values
its way (the xlsx as numbers with formulas for attainment, the HTML and PDF as formatted text).
"""
from __future__ import annotations

from dataclasses import dataclass

from addin.engine.kpi import attainment_of
from addin.engine.money import exact_sum
from workbooks.i18n import Language, language

from .report_model import MISSING_NOTES, CustomerRow, SalesRow
from .report_text import report_notes
from .summary_model import CompanySummary, Growth, RepSummary, Summary, TeamSummary


@dataclass(frozen=True)
class Column:
    header: str
    kind: str = "text"          # text, money, pct, int, kpi


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    lines: tuple[str, ...] = ()
    columns: tuple[Column, ...] = ()
    rows: tuple[tuple, ...] = ()
    total: tuple | None = None       # the total row's values (None where a column has none)
    notes: tuple[str, ...] = ()
    ratio: tuple[int, int, int] | None = None   # (attainment column, actual column, target column)

    @property
    def has_table(self) -> bool:
        return bool(self.columns)


@dataclass(frozen=True)
class Tile:
    label: str
    value: str
    sub: str = ""
    status: str = ""


def period_name(t: Language, ctx: Summary) -> str:
    """'2026-Q3' / '2026年第3季度'; '2026' / '2026年'."""
    return t.period(ctx.period.key) if t.code != "en" else ctx.period.key


def titles(ctx: Summary) -> tuple[str, str]:
    """The summary's title ("Quarter summary: 2026-Q3" / "2026年第3季度总结", with whom it is
    about) and its subtitle (team and manager; data as of)."""
    t, p = language(ctx.lang), ctx.period
    head = t("Quarter summary: {year}-Q{quarter}", year=p.key[:4], quarter=p.key[6:]) if p.kind == "quarter" \
        else t("Year summary: {year}", year=p.key[:4])
    if ctx.kind == "rep":
        r = ctx.rep
        who, sub = f"{r.name} ({r.rep_id})", t("Team {team}, manager {manager}", team=r.team, manager=r.manager or "-")
    elif ctx.kind == "team":
        who, sub = t("Team {team}", team=ctx.team.team), t("Manager {manager}", manager=ctx.team.manager or "-")
    else:
        who, sub = t("The company"), t("All teams ({n})", n=len(ctx.teams))
    return f"{head} · {who}", t("{subtitle}; data as of {date}.", subtitle=sub, date=ctx.as_of)


def header_left(ctx: Summary) -> str:
    """Whom the summary is about, for a page's header."""
    if ctx.kind == "rep":
        return f"{ctx.rep.name} ({ctx.rep.rep_id})"
    t = language(ctx.lang)
    return t("Team {team}", team=ctx.team.team) if ctx.kind == "team" else t("The company")


def notes(ctx: Summary) -> list[str]:
    """The summary's notes at its top (sheets the workbook lacks, reps left out) and, while the
    period is open, that it is."""
    t = language(ctx.lang)
    out = report_notes(ctx)
    if ctx.open_period:
        out.append(t("The period is still open: its figures run to {date}; the target to date is the months' targets "
                     "passed and the month in progress pro-rated by its working days passed (as the monthly report "
                     "counts a closed month).", date=ctx.as_of))
    return out


def tiles(ctx: Summary) -> list[Tile]:
    t, s = language(ctx.lang), ctx.sales[-1]
    has_targets = "Targets" not in ctx.missing
    out = [Tile(t(s.label), t.money(s.actual),
                t("{share} of {target}", share=t.ratio(s.actual, s.target), target=t.money(s.target))
                if has_targets else "")]
    if ctx.kind == "rep":
        out.append(Tile(t("rank in the team"), t("{rank} of {size}", rank=ctx.rank, size=ctx.team_size)))
    elif ctx.kind == "team":
        out.append(Tile(t("rank among the teams"), t("{rank} of {size}", rank=ctx.rank, size=ctx.team_count)))
    g = ctx.growth
    out.append(Tile(t("growth on a year before"), _signed_pct(t, g.rate),
                    t("{first} to {last}", first=g.first, last=g.last) if g.before is not None
                    else t("no orders a year before")))
    if ctx.commission is not None:
        out.append(Tile(t("commission earned"), t.money(ctx.commission.earned),
                        t("to pay") + " " + t.money(ctx.commission.paid)))
    return out


def _signed_pct(t: Language, rate: float | None) -> str:
    if rate is None:
        return "–"
    return ("+" if rate > 0 else "") + t.pct(rate)


def sections(ctx: Summary) -> list[Section]:
    """The summary's sections in reading order."""
    t = language(ctx.lang)
    has = lambda sheet: sheet not in ctx.missing    # noqa: E731
    out = [_sales(t, ctx, has("Targets"))]
    if ctx.kind == "team":
        out.append(_rep_ranking(t, ctx))
    if ctx.kind == "company":
        out.append(_team_ranking(t, ctx))
    if ctx.kind != "rep":
        out.append(_champion(t, ctx))
    out += [_months(t, ctx, has("Targets")), _best_worst(t, ctx), _growth(t, ctx.growth)]
    if has("KPIs"):
        out.append(_scorecard(t, ctx))
    if has("Customers"):
        out += _movements(t, ctx)
    out.append(_returns(t, ctx))
    out.append(_commission(t, ctx))
    return out


ATTAINMENT_COLUMNS = ("money", "money", "pct")


def _attainment_table(t: Language, first: str, rows: tuple[SalesRow, ...], labels) -> dict:
    return dict(columns=(Column(t(first)), Column(t("actual"), "money"), Column(t("target"), "money"),
                         Column(t("attainment"), "pct")),
                rows=tuple((labels(s), s.actual, s.target, attainment_of(s.actual, s.target)) for s in rows),
                ratio=(3, 1, 2))


def _sales(t: Language, ctx: Summary, targets: bool) -> Section:
    if not targets:
        return Section("sales", t("Net sales"), columns=(Column(t("period")), Column(t("actual"), "money")),
                       rows=tuple((t(s.label), s.actual) for s in ctx.sales))
    return Section("sales", t("Sales against target"), **_attainment_table(t, "period", ctx.sales, lambda s: t(s.label)))


def _rep_ranking(t: Language, ctx: TeamSummary) -> Section:
    reps = ctx.reps
    return Section("ranking", t("Reps ranked on the period's attainment"),
                   columns=(Column(t("rank"), "int"), Column(t("rep")), Column(t("name")), Column(t("actual"), "money"),
                            Column(t("target"), "money"), Column(t("attainment"), "pct"), Column(t("score"), "pct")),
                   rows=tuple((x.rank, x.rep_id, x.name, x.actual, x.target, attainment_of(x.actual, x.target),
                               x.score) for x in reps),
                   total=_total_row(7, [x.actual for x in reps], [x.target for x in reps], t("Total")),
                   ratio=(5, 3, 4))


def _total_row(width: int, actuals: list[float], targets: list[float], label: str) -> tuple:
    """A ranking's total row: the exact sums of actual and target (columns 3 and 4) and their attainment."""
    actual, target = exact_sum(actuals), exact_sum(targets)
    row = [label] + [None] * (width - 1)
    row[3:6] = [actual, target, attainment_of(actual, target)]
    return tuple(row)


def _team_ranking(t: Language, ctx: CompanySummary) -> Section:
    teams = ctx.teams
    return Section("ranking", t("Teams ranked on the period's attainment"),
                   columns=(Column(t("rank"), "int"), Column(t("team")), Column(t("manager")),
                            Column(t("actual"), "money"), Column(t("target"), "money"), Column(t("attainment"), "pct")),
                   rows=tuple((x.rank, x.team, x.manager or "", x.actual, x.target, x.attainment) for x in teams),
                   total=_total_row(6, [x.actual for x in teams], [x.target for x in teams], t("Total")),
                   ratio=(5, 3, 4))


def _champion(t: Language, ctx: TeamSummary | CompanySummary) -> Section:
    ch = ctx.champion
    if ch is None:
        return Section("champion", t("Champion of the period"), lines=(t("No rep with a target and sales."),))
    line = t("{name} ({rep_id}): {actual} against {target}", name=ch.name, rep_id=ch.rep_id,
             actual=t.money(ch.actual), target=t.money(ch.target)) + f" ({t.ratio(ch.actual, ch.target)})"
    if ctx.kind == "company" and ctx.champion_team:
        line += " · " + t("Team {team}", team=ctx.champion_team)
    rule = t("The highest attainment of the period among reps with a target and sales; ties go to the higher "
             "sales.") if ctx.kind == "team" else t("The best of the teams' champions, by the same rule.")
    return Section("champion", t("Champion of the period"), lines=(line,), notes=(rule,))


def _months(t: Language, ctx: Summary, targets: bool) -> Section:
    months = ctx.months
    actual = exact_sum(m.actual for m in months)
    if not targets:
        return Section("months", t("The months of the period"),
                       columns=(Column(t("month")), Column(t("actual"), "money")),
                       rows=tuple((t.month(m.label), m.actual) for m in months), total=(t("Total"), actual))
    target = exact_sum(m.target for m in months)
    notes = (t("Months after {date} have no figures yet.", date=ctx.as_of),) \
        if len(months) < len(ctx.period.months) else ()
    return Section("months", t("The months of the period against their targets"),
                   **_attainment_table(t, "month", months, lambda s: t.month(s.label)),
                   total=(t("Total"), actual, target, attainment_of(actual, target)), notes=notes)


def _best_worst(t: Language, ctx: Summary) -> Section:
    bw = ctx.best_worst
    title = t("Best and worst month")
    if bw.best is None:
        return Section("best_worst", title, lines=(t("No month of the period is complete yet."),))

    def said(m: SalesRow) -> str:
        if bw.by == "attainment":
            return t("{month}: {actual}, {share} of its target", month=t.month(m.label), actual=t.money(m.actual),
                     share=t.ratio(m.actual, m.target))
        return t("{month}: {actual}", month=t.month(m.label), actual=t.money(m.actual))
    by = t("Picked by attainment (sales against each month's target).") if bw.by == "attainment" else \
        t("Picked by sales (the months have no targets).")
    if bw.best.label == bw.worst.label:       # one month complete: it is both
        return Section("best_worst", title, lines=(t("The only complete month so far: {month}",
                                                     month=said(bw.best)),))
    return Section("best_worst", title, lines=(t("Best: {month}", month=said(bw.best)),
                                               t("Worst: {month}", month=said(bw.worst))), notes=(by,))


def _growth(t: Language, g: Growth) -> Section:
    title = t("Growth against the same period a year before")
    if g.before is None:
        return Section("growth", title, lines=(t("The workbook's orders do not reach back to {first}: there is no "
                                                 "year before to compare with.", first=g.first),))
    line = t("Net sales {actual} against {before} from {first} to {last}: {rate}.", actual=t.money(g.actual),
             before=t.money(g.before), first=g.first, last=g.last, rate=_signed_pct(t, g.rate))
    notes = () if g.rate is not None else (t("No sales in the year before: no growth rate."),)
    return Section("growth", title, lines=(line,), notes=notes)


def _scorecard(t: Language, ctx: Summary) -> Section:
    sc = ctx.scorecard
    lines = (t("KPI score over the period: {score} ({status}).", score=t.pct(sc.score), status=t.term(sc.status)),) \
        if sc.score is not None else ()
    rule = t("Each KPI is measured over the whole period. A KPI that adds up (sales, orders, activities) is scored "
             "against its monthly target times the months (and the reps, for a team); a rate or an average keeps "
             "its monthly target; sales against the period's target.")
    notes = (rule,) + ((t("Targets of cumulative KPIs (sales, activities) are pro-rated to the working days "
                          "elapsed."),) if ctx.open_period else ())
    return Section("scorecard", t("KPI scorecard over the period"), lines=lines,
                   columns=(Column(t("KPI")), Column(t("actual"), "kpi"), Column(t("target"), "kpi"),
                            Column(t("attainment"), "pct"), Column(t("status")), Column(t("weight"), "int")),
                   rows=tuple((t.term(k.label or k.kpi), (k.actual, k.kind), (k.target, k.kind), k.attainment,
                               t.term(k.status), k.weight) for k in sc.kpis), notes=notes)


def _customer_rows(t: Language, rows: tuple[CustomerRow, ...]) -> tuple[tuple, ...]:
    return tuple((c.customer_id, c.name, c.owner_rep_id, t.term(c.previous_tier), t.term(c.tier),
                  c.last_contact or t("never")) for c in rows)


def _movements(t: Language, ctx: Summary) -> list[Section]:
    mv = ctx.movements
    counts = Section("movements", t("Tier movements from {start} to {end}", start=mv.start, end=mv.end),
                     columns=(Column(t("moved")), Column(t("customers"), "int")),
                     rows=tuple((t.term(k), v) for k, v in mv.counts.items()),
                     total=(t("Total"), sum(mv.counts.values())))
    down = Section("moved_down", t("Customers that moved down a tier (the most valuable first)"),
                   columns=(Column(t("customer")), Column(t("name")), Column(t("rep")), Column(t("tier at the start")),
                            Column(t("tier at the end")), Column(t("last contact"))),
                   rows=_customer_rows(t, mv.moved_down))
    return [counts, down]


def _returns(t: Language, ctx: Summary) -> Section:
    r = ctx.returns
    title = t("Returns in the period")
    if not r.count:
        return Section("returns", title, lines=(t("No returns."),))
    line = t("{count} returned line(s), {amount} in all; the largest:", count=r.count, amount=t.money(r.amount))
    return Section("returns", title, lines=(line,),
                   columns=(Column(t("order")), Column(t("date")), Column(t("rep")), Column(t("customer")),
                            Column(t("product")), Column(t("amount"), "money"), Column(t("original order"))),
                   rows=tuple((x.order_id, x.date, x.rep_id, x.customer_id, x.product, x.amount,
                               x.original_order_id or "") for x in r.largest))


def _commission(t: Language, ctx: Summary) -> Section:
    title = t("Commission earned in the period")
    c = ctx.commission
    if c is None:
        return Section("commission", title, lines=(t(MISSING_NOTES["Plans"]),))
    if not c.months:
        return Section("commission", title, lines=(t("No month of the period has a statement yet."),))
    return Section("commission", title,
                   columns=(Column(t("month")), Column(t("earned"), "money"), Column(t("to pay"), "money")),
                   rows=tuple((t.month(m.month), m.earned, m.paid) for m in c.months),
                   total=(t("Total"), c.earned, c.paid),
                   notes=(t("From each month's commission statement; months after {date} have none yet.",
                            date=ctx.as_of),) if len(c.months) < len(ctx.period.months) else ())
