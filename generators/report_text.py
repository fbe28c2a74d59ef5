"""What every format of a report says in words: its title and subtitle, and the notes at its top.
One place, so the xlsx, HTML and PDF reports and the mail say the same."""
from __future__ import annotations

from workbooks.i18n import Language, language

from .report_model import FORECAST_CATEGORIES, MISSING_NOTES, DealLine, Forecast, Report


def titles(ctx: Report) -> tuple[str, str]:
    t = language(ctx.lang)
    month = t.month(ctx.month)
    if ctx.kind == "rep":
        r = ctx.rep
        return (t("Monthly sales report: {who}, {month}", who=f"{r.name} ({r.rep_id})", month=month),
                t("Team {team}, manager {manager}", team=r.team, manager=r.manager or "-"))
    tm = ctx.team
    return (t("Monthly team report: {team}, {month}", team=tm.team, month=month),
            t("Manager {manager}", manager=tm.manager))


def report_notes(ctx: Report) -> list[str]:
    """What a report says once at its top, in every format: each optional sheet the workbook
    lacks, and on a team's report each rep left out of its figures, with why."""
    t = language(ctx.lang)
    notes = [t(MISSING_NOTES[sheet]) for sheet in ctx.missing]
    left_out = getattr(ctx, "left_out", ())
    if left_out:
        notes.append(t("Left out of this report because of errors in their rows ({n}); the team's figures exclude "
                       "them, errors.xlsx lists every problem:", n=len(left_out)))
        notes += [f"{r.name} ({r.rep_id}): {r.reason}" for r in left_out]
    return notes


def forecast_words(ctx: Report) -> dict[str, str]:
    """The forecast section's words in the report's language (the xlsx and PDF reports; the HTML
    template says the same with the same messages): its rule, and the headings of its deal lists."""
    t, f = language(ctx.lang), ctx.forecast
    return {
        "rule": t("Commit adds the open deals expected by the period's end with a probability of 70% or more; most "
                  "likely adds them all weighted by their probability; best case adds them all at full value; "
                  "run-rate extends the sales booked so far over the period's working days. Deals expected on or "
                  "before {date} have slipped and count in none.", date=ctx.as_of),
        "slipped": t("Slipped deals: {count}, {amount}", count=f.slipped_count, amount=t.money(f.slipped_amount))
        + (" " + t("(the {n} largest below)", n=len(f.slipped)) if f.slipped_count > len(f.slipped) else ""),
        "unpriced": t("Deals expected this quarter without an amount (counted as 0): {count}", count=f.unpriced_count),
    }


def forecast_table(t: Language, f: Forecast) -> tuple[list[str], list[list]]:
    """The forecast's table as typed values (the monthly xlsx report and the weekly review): per
    period its amount and gap to the target (blank without a target), a row per category."""
    headers = [t("category")]
    for p in f.periods:
        headers += [f"{t(p.span)} {p.period}", t("gap to target")]
    rows = [[t("target")] + [v for p in f.periods for v in (p.target, None)]]
    rows += [[t(label)] + [v for p in f.periods for v in (p[field], round(p[field] - p.target, 2) if p.target > 0 else None)]
             for field, label, _ in FORECAST_CATEGORIES]
    return headers, rows


def forecast_deal_table(t: Language, deals: tuple[DealLine, ...]) -> tuple[list[str], list[list]]:
    """A list of the forecast's deals (slipped, or without an amount) as typed values."""
    return ([t("deal"), t("rep"), t("customer"), t("stage"), t("expected close"), t("amount")],
            [[d.opp_id, d.rep_id, d.customer_id or "", t.term(d.stage), d.expected_close, d.amount] for d in deals])


def focus_figure(t, value, kind: str) -> str:
    """A coaching figure as its kind reads: a rate in whole percent (41%), days as a number (the
    measure's label says "(days)"), else as a KPI's value."""
    if value is not None and kind in ("percentage", "days"):
        return t.pct(value, 0) if kind == "percentage" else t.num(value, 1)
    return t.kpi_value(value, kind)


def focus_statement(t, f) -> str:
    """A focus (``report_model.CoachingFocus``) stated with its figures, in the language ``t``:
    "demo -> quote 41% against a team median of 68%" / "演示→报价 41%，团队中位数 68%"."""
    value = focus_figure(t, f.rep_value, f.kind)
    if f.basis == "team":
        return t("{measure} {value} against a team median of {median}", measure=t(f.measure_label), value=value,
                 median=focus_figure(t, f.team_median, f.kind))
    return t("{measure} {value} against a target of {target}", measure=t(f.measure_label), value=value,
             target=focus_figure(t, f.target, f.kind))
