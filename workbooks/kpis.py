"""The KPIs sheet read against the KPI catalogue: what validate says of its rows, and the
scorecard's KPIs with the measures of their own that the reports and the planning workbook use."""
from __future__ import annotations

import pandas as pd

from addin.engine.kpi import Kpi
from addin.engine.kpi_catalogue import CATALOGUE, definition, direction_of, kpi_kind, nearest
from addin.engine.kpi_measure import Measure, MeasureError, accumulates, check, default_kind, parse

from .schema import ROW, Problem

WEIGHTS_TOTAL = 100.0     # the KPIs sheet's weights are points out of 100


def own_measure_text(row: dict) -> str | None:
    """The row's measure of its own, or None (blank or no measure column)."""
    text = row.get("measure")
    return text.strip() if isinstance(text, str) and text.strip() else None


def kind_of(row: dict, own: dict[str, Measure]) -> str:
    """How a KPIs row's values read: the sheet's kind, else its own measure's, else the catalogue's."""
    kind = row.get("kind")
    if isinstance(kind, str) and kind:
        return kind
    return default_kind(own[row["kpi"]]) if row["kpi"] in own else kpi_kind(row["kpi"])


def scorecard_kpis(kpis: pd.DataFrame) -> tuple[list[Kpi], dict[str, Measure]]:
    """The scorecard's KPIs in sheet order, and the measures of their own by KPI id. A KPI with a
    measure accumulates over the month as its measure does (count, sum, distinct)."""
    out, own = [], {}
    for r in kpis.to_dict("records"):
        text = own_measure_text(r)
        if text:
            own[r["kpi"]] = parse(text)
        out.append(Kpi(r["kpi"], float(r["weight"]), direction_of(r["kpi"], r["direction"]), None if pd.isna(r["cap"]) else float(r["cap"]),
                       None if pd.isna(r["target"]) else float(r["target"]), float(r["green"]), float(r["amber"]),
                       accumulates(own[r["kpi"]]) if text else None))
    return out, own


def kpi_problems(frames: dict[str, pd.DataFrame]) -> list[Problem]:
    """Every KPIs row neither in the catalogue nor with a measure of its own (an error naming the
    nearest known id), every measure that cannot be read or does not fit the workbook (an error
    naming the character), and weights that do not add up to 100 (a warning)."""
    kpis = frames.get("KPIs")
    if kpis is None or not len(kpis):
        return []
    problems, seen = [], {}
    for r in kpis.to_dict("records"):
        text, row = own_measure_text(r), int(r[ROW]) if ROW in r else None
        key = str(r["kpi"]).strip().lower()        # how ids are read (kpi_catalogue.definition)
        if key in seen and seen[key][0] != r["kpi"]:    # written the same way: the sheet's key check says so
            problems.append(Problem("KPIs", row, "kpi", r["kpi"], f"the same KPI as row {seen[key][1]} ({seen[key][0]}): "
                                    "ids are read without case and surrounding spaces", "each KPI once"))
        seen.setdefault(key, (r["kpi"], row))
        if text:
            try:
                check(parse(text), frames)
            except MeasureError as e:
                problems.append(Problem("KPIs", row, "measure", text, f"{e.problem} (character {e.at})",
                                        e.expected))
        elif definition(r["kpi"]) is None:
            problems.append(_unknown(r["kpi"], row))
    total = float(kpis["weight"].sum())
    if abs(total - WEIGHTS_TOTAL) > 1e-9:
        problems.append(Problem("KPIs", None, "weight", round(total, 6), "weights do not add up to 100",
                                "weights adding up to 100 (the score divides by their sum, so each weighs "
                                "its share of it)", severity="warning"))
    return problems


def _unknown(kpi: str, row: int | None) -> Problem:
    from .i18n import LANGUAGES, language
    spelled = {language(code)(d.label).lower(): d.id for code in LANGUAGES for d in CATALOGUE}
    near = nearest(kpi, spelled)
    hint = f"{near} or another" if near else "a"
    return Problem("KPIs", row, "kpi", kpi, "unknown KPI" + (f" (did you mean {near}?)" if near else ""),
                   f"{hint} KPI of the catalogue (docs/workbook.md), or a measure of its own in the measure column")


MEASURE_LANGUAGE = [
    "### Measures of your own", "",
    "A KPIs row whose `kpi` is not in the catalogue needs a `measure`: one expression of the small language "
    "below (a `measure` on a catalogue id replaces the catalogue's rule). It is read, never run as code; "
    "`validate` names the row and the character where it goes wrong.", "",
    "| function | counts, for each rep, in the month |", "|---|---|",
    "| `count(Sheet, conditions...)` | the rows |",
    "| `sum(Sheet.column, conditions...)` | the sum of a number column |",
    "| `distinct(Sheet.column, conditions...)` | how many different values the column has |",
    "| `mean(Sheet.column, conditions...)` | the mean of a number column (blank without rows) |",
    "| `ratio(measure, measure)` | the first over the second (blank where the second is 0) |", "",
    'A condition is `column = "text"`, `column = 3` or `column in ("a", "b")`; a row counts when it meets '
    "them all. Chinese punctuation (，（）“”) reads like its ASCII form. A measure sees the rows of the rep "
    "(`rep_id`) dated in the month by the sheet's own date column:", "",
    "| sheet | dated by |", "|---|---|",
    "| Orders | `order_date` (every line: add `status = \"booked\"` to leave out returns and cancelled lines) |",
    "| Activities | `date` |",
    "| Opportunities | `created`, or `closed` with the condition `by = closed` |",
    "| Satisfaction | `date` |", "",
    "`count`, `sum` and `distinct` accumulate over the month (an open month's target is pro-rated, a rep "
    "without rows has 0); `mean` and `ratio` do not. Without a `kind`, `count` and `distinct` read as counts, "
    "`ratio` as a percentage, `sum` and `mean` as plain numbers. Examples:", "",
    '- `count(Activities, type = "visit")`',
    '- `sum(Orders.amount, product = "Analytics Suite", status = "booked")`',
    '- `distinct(Orders.customer_id, status = "booked")`',
    "- `mean(Satisfaction.score)`",
    '- `ratio(count(Opportunities, stage = "won", by = closed), count(Opportunities, stage in ("won", "lost"), '
    'by = closed))`', "",
]


def catalogue_markdown() -> list[str]:
    """The KPI catalogue and the measure language, as docs/workbook.md shows them under KPIs."""
    out = ["### The KPI catalogue", "",
           "Each `kpi` below is measured by SalesDesk per rep and month. *Accumulates*: grows through the month, "
           "so an open month's target is pro-rated by working days elapsed and a rep without rows has 0. "
           "*Team*: a team's figure is the sum of its reps' (sum) or the rule applied to the team's rows (rows).",
           "", "| kpi | label | 中文 | kind | usual direction | accumulates | team | how it is measured |",
           "|---|---|---|---|---|---|---|---|"]
    from .i18n import language
    zh = language("zh-CN")
    for d in CATALOGUE:
        out.append(f"| `{d.id}` | {d.label} | {zh(d.label)} | {d.kind} | {d.direction} | "
                   f"{'yes' if d.cumulative else 'no'} | "
                   f"{d.team} | {d.rule} |")
    return out + [""] + MEASURE_LANGUAGE
