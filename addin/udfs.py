"""SalesDesk's worksheet functions for Excel, registered through xlwings.

The only module that imports xlwings. Each wrapper turns Excel values (2-D lists, blanks,
error cells, date serials) into validated engine inputs, calls the engine and returns a
scalar or a 2-D list that spills. Names, arguments and help live in ``addin.registry``.
"""
from __future__ import annotations

import datetime as dt

import numpy as np
import xlwings as xw

from . import excel
from .engine import rules
from .engine.errors import InputError
from .engine.funnel import coverage, cycle_days, deal_size, funnel, win_rate
from .engine.kpi import Kpi, attainment, runrate, score, scorecard
from .engine.kpi_catalogue import direction_of
from .engine.kpi_measure import MeasureError, accumulates, parse
from .engine.planning import ALLOCATION_METHODS, GRAINS, allocate, allocation_weights, phase, ramp_share, ramp_shares
from .registry import REGISTRY, Arg, sheet_function
from .engine.rounding import split_exact
from .engine.tiering import DEFAULT_TIER_RULES, TierRule, abc, revisit, rfm, tiers

from .engine.commission import Tier, commission, draw_schedule
from .engine.rounding import to_decimal

PLANNING, KPIS, FUNNEL, CUSTOMERS, COMMISSIONS = "Planning", "KPIs", "Funnel", "Customers", "Commissions"


def worksheet_function(name: str, **spec):
    """Register a worksheet function (``addin.registry``) and apply xlwings' decorators from
    that one entry: they record metadata for Excel on Windows and macOS and change nothing
    elsewhere. Ranges arrive as 2-D lists; error cells as text (#N/A)."""
    def register(func):
        sheet_function(name, **spec)(func)
        entry = REGISTRY[name]
        wrapped = entry.func
        for arg in reversed(entry.args):
            options = {"doc": arg.help, "err_to_str": True}
            if arg.range:
                options["ndim"] = 2
            wrapped = xw.arg(arg.name, **options)(wrapped)
        return xw.func(category=f"SalesDesk {entry.category}")(wrapped)
    return register


def _decimals(value) -> int:
    d = excel.number(value, "decimals", blank=0)
    if d != int(d) or not 0 <= d <= 10:
        raise InputError("decimals", "decimals must be a whole number from 0 to 10", value=value)
    return int(d)


def _holidays(value):
    return [d for d in excel.dates(value, "holidays", required=False) if d is not None] if value is not None else None


def _optional_numbers(value, argument):
    cells = excel.column_of(value, argument)
    if not cells or all(excel.is_blank(c) for c in cells):
        return None
    return excel.numbers(cells, argument)


# --- planning -----------------------------------------------------------------------

@worksheet_function("SD_SPLIT", category=PLANNING,
                help="Splits a total in proportion to weights, rounded so the parts sum exactly to the total "
                     "(largest remainder; on tied remainders the later row gets the unit). Blank weights count as 0.",
                args=[Arg("total", "The amount to split."),
                      Arg("weights", "One column (or row) of weights, zero or more.", range=True),
                      Arg("decimals", "Decimal places of the parts.", optional=True, default=0)],
                example="=SD_SPLIT(120000, B2:B13)", returns="a column of parts", spills=True)
def SD_SPLIT(total, weights, decimals=0):
    parts = split_exact(excel.number(total, "total"), excel.numbers(weights, "weights"), _decimals(decimals))
    return [[float(p)] for p in parts]


@worksheet_function("SD_PHASE", category=PLANNING,
                help="Phases an annual target into months, quarters or ISO weeks; always sums exactly to annual. "
                     "Months follow seasonality weights, or their working days without them; weeks take each "
                     "month's target by working day, so a week across two months takes from both.",
                args=[Arg("annual", "The annual target."), Arg("year", "The calendar year, e.g. 2026."),
                      Arg("seasonality", "12 monthly weights (January first).", optional=True, range=True),
                      Arg("grain", "month, quarter or week.", optional=True, default="month"),
                      Arg("holidays", "Dates that are not working days.", optional=True, range=True),
                      Arg("decimals", "Decimal places of the targets.", optional=True, default=0)],
                example='=SD_PHASE(1200000, 2026, Seasonality!B2:B13, "quarter")',
                returns="two columns: period label (2026-01, 2026-Q1, 2026-W01) and target", spills=True)
def SD_PHASE(annual, year, seasonality=None, grain="month", holidays=None, decimals=0):
    weights = _optional_numbers(seasonality, "seasonality")
    rows = phase(excel.number(annual, "annual"), int(excel.number(year, "year")), None if weights is None else list(weights),
                 excel.text(grain, "grain", default="month", choices=GRAINS), _holidays(holidays), _decimals(decimals))
    return [[label, float(v)] for label, v in rows]


@worksheet_function("SD_RAMP", category=PLANNING,
                help="Share of a full target a new hire carries in a month: 0%, 25%, 50%, 75% in the first four "
                     "full months after hire, 100% after (the hire month itself: 0%). A schedule replaces the default.",
                args=[Arg("hire_date", "The rep's hire date."), Arg("period_start", "First day of the month planned."),
                      Arg("schedule", "Shares for full months 1, 2, ... after hire (0 to 1).", optional=True, range=True)],
                example="=SD_RAMP(Reps!E5, DATE(2026,3,1))", returns="a share from 0 to 1")
def SD_RAMP(hire_date, period_start, schedule=None):
    shares = _optional_numbers(schedule, "schedule")
    return ramp_share(excel.date(hire_date, "hire_date"), excel.date(period_start, "period_start"),
                      None if shares is None else list(shares))


@worksheet_function("SD_ALLOCATE", category=PLANNING,
                help="Allocates a team total to reps so the targets sum exactly to the total. Methods: capacity "
                     "(capacity x ramp), history (75% trailing-12-month sales share, 25% capacity share), equal. "
                     "Pinned targets are kept; min and max are enforced and the difference goes to the others.",
                args=[Arg("total", "The team total."),
                      Arg("reps", "Table: rep_id, capacity, hire_date and optional min, max, pinned (header row "
                                  "by name, or those columns in that order). Blank capacity = 1.", range=True),
                      Arg("method", "capacity, history or equal.", optional=True, default="capacity"),
                      Arg("history", "Table of sales: rep_id, date, amount (for method history).", optional=True,
                          range=True),
                      Arg("period_start", "First day of the period planned (for ramp and history).", optional=True),
                      Arg("ramp_schedule", "Ramp shares replacing the default.", optional=True, range=True),
                      Arg("decimals", "Decimal places of the targets.", optional=True, default=0)],
                example='=SD_ALLOCATE(450000, Reps!A1:F41, "capacity", , DATE(2026,1,1))',
                returns="two columns: rep_id and target", spills=True)
def SD_ALLOCATE(total, reps, method="capacity", history=None, period_start=None, ramp_schedule=None, decimals=0):
    table = excel.table(reps, "reps", ["rep_id", "capacity", "hire_date", "min", "max", "pinned"], required=["rep_id"])
    ids = [excel.text(v, "reps", row=i + 1) for i, v in enumerate(table["rep_id"])]
    if not ids:
        raise InputError("reps", "no reps in the range")
    method = excel.text(method, "method", default="capacity", choices=ALLOCATION_METHODS)
    capacity = np.array([excel.number(v, "reps capacity", row=i + 1, blank=1.0, minimum=0) for i, v in
                         enumerate(table["capacity"])]) if any(c is not None for c in table["capacity"]) else np.ones(len(ids))
    start = excel.date(period_start, "period_start", required=False)
    shares = _optional_numbers(ramp_schedule, "ramp_schedule")
    if start is not None and any(not excel.is_blank(h) for h in table["hire_date"]):
        hires = np.array([excel.date(h, "reps hire_date", row=i + 1, required=False) or np.datetime64("NaT")
                          for i, h in enumerate(table["hire_date"])], dtype="datetime64[D]")
        ramp = ramp_shares(hires, start, None if shares is None else list(shares))
    else:
        ramp = np.ones(len(ids))
    hist = None
    if method == "history":
        hist = _trailing_history(history, ids, start)
    weights = allocation_weights(method, capacity, ramp, hist)
    column = {k: np.array([np.nan if excel.is_blank(v) else excel.number(v, f"reps {k}", row=i + 1) for i, v in
                           enumerate(table[k])]) for k in ("min", "max", "pinned")}
    targets = allocate(excel.number(total, "total"), weights, column["min"], column["max"], column["pinned"],
                       _decimals(decimals))
    return [[rep, float(t)] for rep, t in zip(ids, targets)]


def _trailing_history(history, ids, start):
    if history is None:
        raise InputError("history", "method history needs a history range (rep_id, date, amount)")
    if start is None:
        raise InputError("period_start", "method history needs period_start (history is the 12 months before it)")
    t = excel.table(history, "history", ["rep_id", "date", "amount"], required=["rep_id", "date", "amount"])
    reps = np.array([excel.text(v, "history rep_id", row=i + 1) for i, v in enumerate(t["rep_id"])], dtype=object)
    days = excel.dates_array(t["date"], "history date")
    amounts = excel.numbers(t["amount"], "history amount")
    lo = np.datetime64(dt.date(start.year - 1, start.month, 1))
    keep = (days >= lo) & (days < np.datetime64(start))
    sums = {}
    for r, a in zip(reps[keep], amounts[keep]):
        sums[r] = sums.get(r, 0.0) + a
    return np.array([sums.get(r, 0.0) for r in ids])


# --- KPIs ---------------------------------------------------------------------------

@worksheet_function("SD_ATTAINMENT", category=KPIS, help="Actual divided by target.",
                args=[Arg("actual", "Actual value."), Arg("target", "Target, more than zero.")],
                example="=SD_ATTAINMENT(C2, D2)", returns="a ratio (1 = 100%)")
def SD_ATTAINMENT(actual, target):
    return attainment(excel.number(actual, "actual"), excel.number(target, "target"))


@worksheet_function("SD_RUNRATE", category=KPIS,
                help="Paces the month: month-to-date / working days elapsed (as_of included) x working days in the "
                     "month, and that projection against the month's target.",
                args=[Arg("mtd_actual", "Sales month to date."), Arg("as_of", "The date the MTD figure is as of."),
                      Arg("month_target", "The month's target."),
                      Arg("holidays", "Dates that are not working days.", optional=True, range=True)],
                example="=SD_RUNRATE(C2, TODAY(), D2)", returns="two cells: projected amount, projected attainment",
                spills=True)
def SD_RUNRATE(mtd_actual, as_of, month_target, holidays=None):
    projected, att = runrate(excel.number(mtd_actual, "mtd_actual"), excel.date(as_of, "as_of"),
                             excel.number(month_target, "month_target"), _holidays(holidays))
    return [[projected, att]]


@worksheet_function("SD_SCORE", category=KPIS,
                help="Weighted KPI score: sum of weight x min(actual/target, cap) over the sum of weights; for a "
                     "lower-is-better KPI the ratio is target/actual. Below the gate the score is 0.",
                args=[Arg("actuals", "Actual per KPI.", range=True), Arg("targets", "Target per KPI.", range=True),
                      Arg("weights", "Weight per KPI.", range=True),
                      Arg("directions", "higher or lower per KPI (blank = higher).", optional=True, range=True),
                      Arg("caps", "Highest ratio counted per KPI (blank = none).", optional=True, range=True),
                      Arg("gate", "Minimum score; below it the result is 0.", optional=True)],
                example="=SD_SCORE(B2:B7, C2:C7, D2:D7, E2:E7, F2:F7)", returns="a score (1 = on target)")
def SD_SCORE(actuals, targets, weights, directions=None, caps=None, gate=None):
    a = excel.numbers(actuals, "actuals", blank=None)
    t = excel.numbers(targets, "targets", blank=None)
    w = excel.numbers(weights, "weights", minimum=0)
    d = [excel.text(v, "directions", row=i + 1, default="higher", choices=("higher", "lower"))
         for i, v in enumerate(excel.column_of(directions, "directions"))] if directions is not None else None
    c = [None if excel.is_blank(v) else excel.number(v, "caps", row=i + 1, minimum=0)
         for i, v in enumerate(excel.column_of(caps, "caps"))] if caps is not None else None
    g = None if excel.is_blank(gate) else excel.number(gate, "gate")
    return score(list(a), list(t), list(w), d, c, g)


KPI_COLUMNS = ["kpi", "weight", "direction", "cap", "target", "green", "amber"]


@worksheet_function("SD_SCORECARD", category=KPIS,
                help="The scorecard: per rep, capped attainment per KPI, weighted score, rank (1 = best, ties "
                     "share) and status (green/amber/red against the weighted KPI thresholds). A column "
                     "<kpi>_target in the actuals gives a rep's own target. With as_of, targets of cumulative "
                     "KPIs (sales, activities, ...) are pro-rated by working days elapsed.",
                args=[Arg("actuals_table", "Header row: rep, then one column per KPI (and optional <kpi>_target "
                                           "columns); one row per rep.", range=True),
                      Arg("kpis_table", "The KPIs sheet: kpi, weight, direction, cap, target, green, amber.",
                          range=True),
                      Arg("as_of", "For a month still open: the date actuals are as of.", optional=True)],
                example="=SD_SCORECARD(Actuals!A1:M41, KPIs!A1:G7)",
                returns="a table with a header row: rep, one attainment column per KPI, score, rank, status",
                spills=True)
def SD_SCORECARD(actuals_table, kpis_table, as_of=None):
    kpis = _kpis(kpis_table)
    reps, actuals, rep_targets = _actuals(actuals_table, kpis)
    prorate = None
    if not excel.is_blank(as_of):
        day = excel.date(as_of, "as_of")
        prorate = rules.prorate(day, f"{day:%Y-%m}")
    ratios, scores, ranks, status = scorecard(reps, actuals, kpis, rep_targets, prorate)
    out = [["rep", *[k.name for k in kpis], "score", "rank", "status"]]
    ratio_rows = np.where(np.isnan(ratios), None, ratios).tolist()
    for rep, rr, s, rk, st in zip(reps, ratio_rows, scores.tolist(), ranks.tolist(), status.tolist()):
        out.append([rep, *rr, None if s != s else s, rk, st])
    return out


def _kpis(kpis_table) -> list[Kpi]:
    rows = excel.rows_of(kpis_table)
    named = bool(rows) and any(isinstance(h, str) and h.strip().lower() == "measure" for h in rows[0])
    kt = excel.table(kpis_table, "kpis_table", KPI_COLUMNS + ["measure"] * named, required=["kpi", "weight"])

    def optional(column, i):
        v = kt[column][i]
        return None if excel.is_blank(v) else excel.number(v, f"kpis_table {column}", row=i + 1)

    return [Kpi(name=excel.text(name, "kpis_table kpi", row=i + 1),
                weight=excel.number(kt["weight"][i], "kpis_table weight", row=i + 1, minimum=0),
                direction=direction_of(name, excel.text(kt["direction"][i], "kpis_table direction", row=i + 1,
                                                        default="", choices=("higher", "lower"))),
                cap=optional("cap", i), target=optional("target", i),
                green=excel.number(kt["green"][i], "kpis_table green", row=i + 1, blank=1.0),
                amber=excel.number(kt["amber"][i], "kpis_table amber", row=i + 1, blank=0.85),
                cumulative=_own_accumulates(kt.get("measure", [None] * len(kt["kpi"]))[i], i))
            for i, name in enumerate(kt["kpi"])]


def _own_accumulates(text, i: int) -> bool | None:
    """Whether a KPI's measure of its own accumulates over the month (None: no measure, the
    catalogue says)."""
    if excel.is_blank(text):
        return None
    try:
        return accumulates(parse(str(text)))
    except MeasureError as e:
        raise InputError("kpis_table measure", str(e), value=text, row=i + 1) from None


def _rep_targets(header: list[str], body: list, kpis: list[Kpi], shape) -> np.ndarray | None:
    """The reps' own targets from columns named ``<kpi>_target`` (NaN where a KPI has none)."""
    tcols = {j: header.index(f"{k.name.lower()}_target") for j, k in enumerate(kpis)
             if f"{k.name.lower()}_target" in header}
    if not tcols:
        return None
    rep_targets = np.full(shape, np.nan)
    present = list(tcols)
    rep_targets[:, present] = excel.matrix(body, "actuals_table", list(tcols.values()),
                                           [kpis[j].name + "_target" for j in present])
    return rep_targets


def _actuals(actuals_table, kpis: list[Kpi]):
    """The reps, their actuals per KPI and their own targets (a column ``<kpi>_target``; NaN = the KPI's)."""
    rows = excel.rows_of(actuals_table)
    if len(rows) < 2:
        raise InputError("actuals_table", "expected a header row (rep, KPI names) and at least one rep row")
    header = [str(h).strip().lower().replace(" ", "_") if h is not None else "" for h in rows[0]]
    body = [r for r in rows[1:] if not all(excel.is_blank(v) for v in r)]
    missing = [k.name for k in kpis if k.name.lower() not in header]
    if missing:
        raise InputError("actuals_table", f"the header row has no column for KPI {', '.join(missing)}")
    actuals = excel.matrix(body, "actuals_table", [header.index(k.name.lower()) for k in kpis], [k.name for k in kpis])
    rep_targets = _rep_targets(header, body, kpis, actuals.shape)
    reps = [excel.text(r[0], "actuals_table rep", row=i + 2) for i, r in enumerate(body)]
    return reps, actuals, rep_targets


# --- funnel -------------------------------------------------------------------------

def _stages(value):
    rows = excel.rows_of(value)
    if rows and isinstance(rows[0][0], str) and rows[0][0].strip().lower() in ("stage", "stages"):
        rows = rows[1:]
    stages = [r[0] if r else None for r in rows]
    lost = [r[1] if len(r) > 1 else None for r in rows]
    keep = [i for i, s in enumerate(stages) if not excel.is_blank(s)]
    for i in keep:
        if excel.is_error(stages[i]):
            raise InputError("stages", "fix the error cell it refers to", value=str(stages[i]), row=i + 1)
    return [str(stages[i]) for i in keep], [None if excel.is_blank(lost[i]) else str(lost[i]) for i in keep]


@worksheet_function("SD_FUNNEL", category=FUNNEL,
                help="Stage conversion: per stage, deals that reached it, that advanced to the next stage, and the "
                     "conversion. A deal reached its stage and all before it; won deals reached all; lost deals "
                     "reached the stage in the second column (lost_stage), or only the first stage without it.",
                args=[Arg("stages", "One column of stages, or two: stage and lost_stage.", range=True),
                      Arg("order", "Stage names in order, ending with the win stage.", optional=True, range=True)],
                example="=SD_FUNNEL(Opportunities!D2:D500)",
                returns="a table with a header row: stage, reached, advanced, conversion", spills=True)
def SD_FUNNEL(stages, order=None):
    s, lost = _stages(stages)
    custom = [excel.text(v, "order", row=i + 1) for i, v in enumerate(excel.column_of(order, "order")) if not excel.is_blank(v)] \
        if order is not None else None
    rows = funnel(s, custom or None, lost)
    return [["stage", "reached", "advanced", "conversion"], *[list(r) for r in rows]]


@worksheet_function("SD_WINRATE", category=FUNNEL, help="Won deals / (won + lost); open deals do not count.",
                args=[Arg("stages", "One column of stages.", range=True)],
                example="=SD_WINRATE(Opportunities!D2:D500)", returns="a ratio")
def SD_WINRATE(stages):
    return win_rate(_stages(stages)[0])


@worksheet_function("SD_CYCLE", category=FUNNEL, help="Mean days from created to closed over closed deals (rows with "
                                                  "both dates).",
                args=[Arg("created", "Created dates.", range=True), Arg("closed", "Closed dates; blank = open.", range=True)],
                example="=SD_CYCLE(Opportunities!E2:E500, Opportunities!F2:F500)", returns="days")
def SD_CYCLE(created, closed):
    return cycle_days(excel.dates(created, "created", required=False), excel.dates(closed, "closed", required=False))


@worksheet_function("SD_DEALSIZE", category=FUNNEL, help="Mean amount of won deals.",
                args=[Arg("amounts", "Deal amounts.", range=True), Arg("stages", "Stages, same rows.", range=True)],
                example="=SD_DEALSIZE(Opportunities!G2:G500, Opportunities!D2:D500)", returns="an amount")
def SD_DEALSIZE(amounts, stages):
    stage_cells = excel.column_of(stages, "stages")
    return deal_size(list(excel.numbers(amounts, "amounts")), [None if excel.is_blank(s) else str(s) for s in stage_cells])


@worksheet_function("SD_COVERAGE", category=FUNNEL,
                help="Pipeline coverage of the remaining target; with a win rate also the expected revenue "
                     "(pipeline x win rate) and its share of the remaining target.",
                args=[Arg("pipeline", "Open pipeline value."), Arg("remaining_target", "Target still to reach."),
                      Arg("win_rate", "Expected win rate, 0 to 1.", optional=True)],
                example="=SD_COVERAGE(B2, C2, SD_WINRATE(Opportunities!D2:D500))",
                returns="one row: coverage [, expected revenue, expected share]", spills=True)
def SD_COVERAGE(pipeline, remaining_target, win_rate=None):
    rate = None if excel.is_blank(win_rate) else excel.number(win_rate, "win_rate")
    return [coverage(excel.number(pipeline, "pipeline"), excel.number(remaining_target, "remaining_target"), rate)]


# --- customers ----------------------------------------------------------------------

def _transactions(customer_ids, dates, amounts):
    ids = excel.column_of(customer_ids, "customer_ids")
    day = excel.dates_array(dates, "dates")
    amt = excel.numbers(amounts, "amounts", blank=None)
    if not (len(ids) == len(day) == len(amt)):
        raise InputError("amounts", f"customer_ids, dates and amounts must have the same number of rows "
                                    f"({len(ids)}, {len(day)}, {len(amt)})")
    ids = np.array(ids, dtype=object)
    blank = np.array([excel.is_blank(v) for v in ids]) if None in ids or "" in ids else np.zeros(len(ids), dtype=bool)
    if blank.any():
        raise InputError("customer_ids", "a customer id is required on every row", value=None,
                         row=int(np.argmax(blank)) + 1, has_value=True)
    return ids, day, amt


def _as_of(value):
    return None if excel.is_blank(value) else np.datetime64(excel.date(value, "as_of"))


TRANSACTION_ARGS = [Arg("customer_ids", "Customer of each transaction.", range=True),
                    Arg("dates", "Date of each transaction.", range=True),
                    Arg("amounts", "Amount of each transaction (returns negative).", range=True),
                    Arg("as_of", "Date recency is measured to (default: the latest date in the data).", optional=True)]
RFM_COLUMNS = ["customer_id", "recency_days", "frequency", "monetary", "R", "F", "M", "code", "segment"]


@worksheet_function("SD_RFM", category=CUSTOMERS,
                help="RFM per customer: days since the last order, orders, net sales, and 1..bins scores from "
                     "equal-count bins (equal values share a score; more recent scores higher), the code (e.g. 543) "
                     "and the recency/frequency segment (champions ... hibernating). Returns reduce monetary.",
                args=[*TRANSACTION_ARGS,
                      Arg("bins", "Number of score bins, 2 to 9.", optional=True, default=5),
                      Arg("segments", "Table replacing the segment map: segment, r_min, r_max, f_min, f_max "
                                      "(1-5 scale, first match wins).", optional=True, range=True)],
                example="=SD_RFM(Orders!D2:D20000, Orders!B2:B20000, Orders!G2:G20000)",
                returns="a table with a header row: " + ", ".join(RFM_COLUMNS), spills=True)
def SD_RFM(customer_ids, dates, amounts, as_of=None, bins=5, segments=None):
    ids, day, amt = _transactions(customer_ids, dates, amounts)
    b = int(excel.number(bins, "bins", blank=5))
    frame = rfm(ids, day, amt, _as_of(as_of), b)
    if segments is not None:
        frame["segment"] = _custom_segments(segments, frame, b)
    return [RFM_COLUMNS, *frame[RFM_COLUMNS].to_numpy().tolist()]


def _custom_segments(segments, frame, bins):
    t = excel.table(segments, "segments", ["segment", "r_min", "r_max", "f_min", "f_max"], required=["segment"])
    r5 = np.ceil(frame["R"].to_numpy() * 5 / bins).astype(int)
    f5 = np.ceil(frame["F"].to_numpy() * 5 / bins).astype(int)
    out = np.full(len(frame), "", dtype=object)
    for i, name in enumerate(t["segment"]):
        lim = [excel.number(t[k][i], f"segments {k}", row=i + 1, blank=d) for k, d in
               (("r_min", 1), ("r_max", 5), ("f_min", 1), ("f_max", 5))]
        hit = (out == "") & (r5 >= lim[0]) & (r5 <= lim[1]) & (f5 >= lim[2]) & (f5 <= lim[3])
        out[hit] = excel.text(name, "segments segment", row=i + 1)
    return out


@worksheet_function("SD_ABC", category=CUSTOMERS,
                help="ABC (Pareto) class per row by cumulative share of value, largest first: A up to a_share, "
                     "B up to b_share, C after. The item whose value crosses a boundary stays in the upper class; "
                     "zero and negative values are C.",
                args=[Arg("ids", "Item or customer ids.", range=True), Arg("values", "Value per row.", range=True),
                      Arg("a_share", "Cumulative share closing class A.", optional=True, default=0.8),
                      Arg("b_share", "Cumulative share closing class B.", optional=True, default=0.95)],
                example="=SD_ABC(A2:A500, B2:B500)", returns="two columns: id and class, in input order", spills=True)
def SD_ABC(ids, values, a_share=0.8, b_share=0.95):
    names = excel.column_of(ids, "ids")
    vals = excel.numbers(values, "values", blank=0.0)
    if len(names) != len(vals):
        raise InputError("values", f"expected {len(names)} rows like ids, got {len(vals)}")
    classes = abc(vals, excel.number(a_share, "a_share", blank=0.8), excel.number(b_share, "b_share", blank=0.95))
    return [[n, c] for n, c in zip(names, classes.tolist())]


TIER_COLUMNS = ["customer_id", "tier", "cadence_days", "code", "segment", "abc", "recency_days", "frequency", "monetary"]
RULE_COLUMNS = ["tier", "cadence_days", "abc", "r_min", "r_max", "f_min", "f_max", "m_min", "m_max",
                "recency_min", "recency_max"]


def _rules(value):
    if value is None:
        return DEFAULT_TIER_RULES
    t = excel.table(value, "rules", RULE_COLUMNS, required=["tier", "cadence_days"])
    out = []
    for i in range(len(t["tier"])):
        num = {k: None if excel.is_blank(t[k][i]) else excel.number(t[k][i], f"rules {k}", row=i + 1)
               for k in RULE_COLUMNS[3:]}
        abc_text = t["abc"][i]
        out.append(TierRule(tier=excel.text(t["tier"][i], "rules tier", row=i + 1),
                            cadence_days=int(excel.number(t["cadence_days"][i], "rules cadence_days", row=i + 1, minimum=0)),
                            abc=None if excel.is_blank(abc_text) else frozenset(str(abc_text).replace(",", "").replace(" ", "").upper()),
                            **num))
    return out


@worksheet_function("SD_TIER", category=CUSTOMERS,
                help="The working tier per customer (high-value, potential, ordinary, at-risk, lost) from RFM and "
                     "ABC by a rule table (first match wins; docs/tiering.md has the default), with the revisit "
                     "cadence in days.",
                args=[*TRANSACTION_ARGS,
                      Arg("rules", "Rule table: tier, cadence_days, abc, r_min, r_max, f_min, f_max, m_min, m_max, "
                                   "recency_min, recency_max.", optional=True, range=True)],
                example="=SD_TIER(Orders!D2:D20000, Orders!B2:B20000, Orders!G2:G20000, DATE(2026,10,31))",
                returns="a table with a header row: " + ", ".join(TIER_COLUMNS), spills=True)
def SD_TIER(customer_ids, dates, amounts, as_of=None, rules=None):
    ids, day, amt = _transactions(customer_ids, dates, amounts)
    frame = tiers(ids, day, amt, _as_of(as_of), _rules(rules))
    return [TIER_COLUMNS, *frame[TIER_COLUMNS].to_numpy().tolist()]


@worksheet_function("SD_REVISIT", category=CUSTOMERS,
                help="Next revisit date per customer (last contact + the tier's cadence) and whether it is overdue "
                     "as of a date. A customer never contacted is due on as_of and overdue.",
                args=[Arg("customer_ids", "Customers.", range=True), Arg("tiers", "Tier per customer.", range=True),
                      Arg("last_contact_dates", "Last contact per customer (blank = never).", range=True),
                      Arg("cadence_table", "Table: tier, cadence_days (default: the default tier rules).",
                          optional=True, range=True),
                      Arg("as_of", "The date overdue is judged on (default: today).", optional=True)],
                example="=SD_REVISIT(A2:A500, B2:B500, C2:C500, , TODAY())",
                returns="a table with a header row: customer_id, next_revisit, overdue", spills=True)
def SD_REVISIT(customer_ids, tiers, last_contact_dates, cadence_table=None, as_of=None):
    ids = excel.column_of(customer_ids, "customer_ids")
    tier_names = [excel.text(v, "tiers", row=i + 1) for i, v in enumerate(excel.column_of(tiers, "tiers"))]
    last = excel.dates(last_contact_dates, "last_contact_dates", required=False)
    if not (len(ids) == len(tier_names) == len(last)):
        raise InputError("last_contact_dates", f"customer_ids, tiers and last_contact_dates must have the same rows "
                                               f"({len(ids)}, {len(tier_names)}, {len(last)})")
    cadence = {r.tier: r.cadence_days for r in reversed(DEFAULT_TIER_RULES)}
    if cadence_table is not None:
        t = excel.table(cadence_table, "cadence_table", ["tier", "cadence_days"], required=["tier", "cadence_days"])
        cadence = {excel.text(k, "cadence_table tier", row=i + 1): int(excel.number(v, "cadence_table cadence_days", row=i + 1, minimum=0))
                   for i, (k, v) in enumerate(zip(t["tier"], t["cadence_days"]))}
    days = []
    for i, name in enumerate(tier_names):
        if name not in cadence:
            raise InputError("tiers", f"no cadence for this tier; expected one of {', '.join(cadence)}", value=name, row=i + 1)
        days.append(cadence[name])
    day = excel.date(as_of, "as_of") if not excel.is_blank(as_of) else dt.date.today()
    nxt, overdue = revisit(np.array([np.datetime64("NaT") if d is None else np.datetime64(d) for d in last],
                                    dtype="datetime64[D]"), np.array(days), np.datetime64(day))
    return [["customer_id", "next_revisit", "overdue"],
            *[[c, n, bool(o)] for c, n, o in zip(ids, nxt.astype(object).tolist(), overdue.tolist())]]


# --- commissions --------------------------------------------------------------------

def _tiers(value):
    t = excel.table(value, "tiers", ["lower", "upper", "rate"], required=["lower", "upper", "rate"])
    out = []
    for i in range(len(t["lower"])):
        lower = excel.number(t["lower"][i], "tiers lower", row=i + 1, minimum=0)
        upper = None if excel.is_blank(t["upper"][i]) else excel.number(t["upper"][i], "tiers upper", row=i + 1)
        rate = excel.number(t["rate"][i], "tiers rate", row=i + 1, minimum=0)
        out.append(Tier(to_decimal(lower), None if upper is None else to_decimal(upper), to_decimal(rate)))
    return out


@worksheet_function("SD_COMMISSION", category=COMMISSIONS,
                help="Commission on an amount by tiers (lower bound inclusive, upper exclusive, blank upper = no "
                     "limit). marginal: each tier's rate on the part inside it; retroactive: the rate of the tier "
                     "reached on the whole amount. With quota the bounds are shares of quota (1 = 100%). Each "
                     "tier's commission is rounded half-up to the cent; cap limits the total.",
                args=[Arg("amount", "Credited sales for the period."),
                      Arg("tiers", "Table: lower, upper, rate (header row optional).", range=True),
                      Arg("method", "marginal or retroactive.", optional=True, default="marginal"),
                      Arg("quota", "The period's quota; makes the bounds shares of it.", optional=True),
                      Arg("cap", "Most commission paid for the period.", optional=True)],
                example='=SD_COMMISSION(C5, Plans!C2:E5, "marginal", D5)', returns="the commission, to the cent")
def SD_COMMISSION(amount, tiers, method="marginal", quota=None, cap=None):
    return float(commission(to_decimal(excel.number(amount, "amount")), _tiers(tiers),
                            excel.text(method, "method", default="marginal", choices=("marginal", "retroactive")),
                            None if excel.is_blank(quota) else to_decimal(excel.number(quota, "quota")),
                            None if excel.is_blank(cap) else to_decimal(excel.number(cap, "cap", minimum=0))))


@worksheet_function("SD_DRAW", category=COMMISSIONS,
                help="A monthly draw over periods: paid is never below the draw; a recoverable draw's top-up is "
                     "owed and recovered from later periods' excess over the draw.",
                args=[Arg("gross_amounts", "Commission earned per period, in order.", range=True),
                      Arg("draw", "The draw per period."),
                      Arg("recoverable", "TRUE if shortfalls are recovered later.", optional=True, default=True)],
                example="=SD_DRAW(B2:B13, 1500, TRUE)",
                returns="two columns per period: paid, owed balance after the period", spills=True)
def SD_DRAW(gross_amounts, draw, recoverable=True):
    earned = [to_decimal(v) for v in excel.numbers(gross_amounts, "gross_amounts", blank=0.0)]
    rows = draw_schedule(earned, to_decimal(excel.number(draw, "draw", minimum=0)),
                         excel.boolean(recoverable, "recoverable", default=True))
    return [[float(p), float(o)] for p, o in rows]

