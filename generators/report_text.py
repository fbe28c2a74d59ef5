"""What every format of a report says in words: its title and subtitle, and the notes at its top.
One place, so the xlsx, HTML and PDF reports and the mail say the same."""
from __future__ import annotations

from workbooks.i18n import language

from .report_model import MISSING_NOTES, Report


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
