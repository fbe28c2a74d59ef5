"""The planning workbook managers open: data sheets as Excel tables, and Plan, Scorecard,
Customer tiers and Commission calculator sheets whose cells call SalesDesk's worksheet
functions. Every formula carries the value our engine computes for it, so the workbook
shows numbers without the add-in and the same numbers after a recalculation with it.

Cells are first placed in a small model (sheet -> cell -> value or formula); an SD_
formula's cached value is the registered function called on the very values of the
ranges it references, exactly as Excel would pass them.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from addin import udfs  # noqa: F401  (registers the worksheet functions)
from addin.engine import rules
from addin.engine.commission import compute
from addin.engine.kpi_catalogue import SALES_KPIS
from addin.engine.measures import MeasurePeriod, rep_measures
from addin.registry import REGISTRY

from .engine_args import commission_inputs, rep_quotas
from .contract import ACTIVITY_TYPES, BY_NAME, ORDER_STATUSES, SHEETS, STAGES
from .files import atomic_path
from .i18n import language
from .kpis import kind_of, scorecard_kpis
from .schema import ROW
from .xlsxout import CellWriter, date_serial, new_workbook
from .xlsxstyle import BOLD, DATE, HEADER, ITALIC, KIND_FORMAT, MONEY, PERCENT, SECTION, STATUS_FILL, TITLE, shown_width
from .platforms import platform, retarget_formula
from .xlsxscan import column_index, column_letters

INPUT = {"bg_color": "#FFF2CC", "border": 1}
START_WIDTH = 72         # characters: the Start here column, within a portrait A4 page
EXCEL_CALC_ID = 191029   # the calculation engine of current Excel: it keeps the stored values on open


@dataclass
class Formula:
    text: str          # without the leading "="
    value: object
    style: dict | None = None
    spill: tuple[int, int] | None = None   # (rows, cols) for a dynamic array


def ref(sheet: str, r1: int, c1: int, r2: int | None = None, c2: int | None = None, absolute: bool = False) -> str:
    """A1-style reference (0-based row/col in), quoted sheet name."""
    d = "$" if absolute else ""
    a = f"{d}{column_letters(c1 + 1)}{d}{r1 + 1}"
    if r2 is not None:
        a += f":{d}{column_letters(c2 + 1)}{d}{r2 + 1}"
    return f"'{sheet}'!{a}"


class Model:
    def __init__(self, lang: str = "en"):
        self.cells: dict[str, dict[tuple[int, int], object]] = {}
        self.names: dict[str, str] = {}
        self.order: list[str] = []
        self.t = language(lang)      # the labels' language; sheet names, headers formulas read, stay English

    def sheet(self, name: str) -> dict:
        if name not in self.cells:
            self.cells[name] = {}
            self.order.append(name)
        return self.cells[name]

    def put(self, sheet: str, r: int, c: int, value, style: dict | None = None) -> None:
        self.sheet(sheet)[(r, c)] = (value, style)

    def label(self, sheet: str, r: int, c: int, msgid: str, style: dict | None = None, **params) -> None:
        """A label for people, in the workbook's language (workbooks.i18n)."""
        self.put(sheet, r, c, self.t(msgid, **params), style)

    def frame(self, sheet: str, r: int, c: int, frame: pd.DataFrame) -> None:
        s = self.sheet(sheet)
        for j, col in enumerate(frame.columns):
            s[(r, c + j)] = (col, HEADER)
            values = frame[col]
            is_date = pd.api.types.is_datetime64_any_dtype(values)
            style = DATE if is_date else MONEY if col in ("amount", "cost", "annual_target", "paid_commission") else None
            for i, v in enumerate(values.tolist()):
                s[(r + 1 + i, c + j)] = (_plain(v), style)

    def values(self, reference: str) -> list[list]:
        """A reference or defined name as Excel would pass it: rows of cells."""
        reference = self.names.get(reference, reference).lstrip("=")
        sheet, cells = parse_ref(reference)
        (r1, c1), (r2, c2) = cells
        grid = self.cells[sheet]
        out = []
        for r in range(r1, r2 + 1):
            row = []
            for c in range(c1, c2 + 1):
                v = grid.get((r, c), (None, None))[0]
                row.append(v.value if isinstance(v, Formula) else v)
            out.append(row)
        return out

    def argument(self, a, is_range: bool):
        """An argument as xlwings passes it: a range as rows of cells, a single cell given to a
        scalar argument as its value, an empty argument as None."""
        if a is None:
            return None
        if isinstance(a, Lit):
            return a.value
        if not _is_ref(a, self.names):
            return a
        rows = self.values(a)
        if not is_range and len(rows) == 1 and len(rows[0]) == 1:
            return rows[0][0]
        return rows

    def sd(self, sheet: str, r: int, c: int, name: str, args: list, style: dict | None = None) -> object:
        """Place =NAME(args) with its cached result; args are references/names (str starting
        with ' or a defined name), Lit(...) literals, or None for an empty argument."""
        spec = REGISTRY[name]
        values = [self.argument(a, arg.range) for a, arg in zip(args, spec.args)]
        func = spec.func
        result = func(*values)
        text = f"{name}({','.join(_arg_text(a) for a in args)})"
        if isinstance(result, list):
            rows, cols = len(result), max(len(x) for x in result)
            self.put(sheet, r, c, Formula(text, result[0][0], style, (rows, cols)))
            for i, row in enumerate(result):
                for j, v in enumerate(row):
                    if (i, j) != (0, 0):   # a blank inside a spill shows empty, as xlwings returns it
                        self.put(sheet, r + i, c + j, "" if v is None else v, style)
        else:
            self.put(sheet, r, c, Formula(text, result, style))
        return result


@dataclass(frozen=True)
class Lit:
    value: object


def _arg_text(a) -> str:
    if a is None:
        return ""
    if isinstance(a, Lit):
        v = a.value
        if isinstance(v, str):
            return '"' + v.replace('"', '""') + '"'
        if isinstance(v, bool):
            return "TRUE" if v else "FALSE"
        return repr(v) if isinstance(v, float) else str(v)
    return a


def _is_ref(a, names) -> bool:
    return isinstance(a, str) and (a.startswith("'") or a in names)


_REF = re.compile(r"^'(?P<sheet>(?:[^']|'')+)'!\$?(?P<c1>[A-Z]+)\$?(?P<r1>\d+)(?::\$?(?P<c2>[A-Z]+)\$?(?P<r2>\d+))?$")


def parse_ref(text: str) -> tuple[str, tuple[tuple[int, int], tuple[int, int]]]:
    m = _REF.match(text.strip())
    if not m:
        raise ValueError(f"not a reference: {text}")
    r1, c1 = int(m["r1"]) - 1, column_index(m["c1"]) - 1
    r2, c2 = (int(m["r2"]) - 1, column_index(m["c2"]) - 1) if m["c2"] else (r1, c1)
    return m["sheet"].replace("''", "'"), ((r1, c1), (r2, c2))


def _plain(v):
    if v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime()
    if isinstance(v, np.generic):
        return v.item()
    return v


# --- building --------------------------------------------------------------------------

# the sheets the planning workbook is made from (the others may be missing: their parts are blank)
WORKS_FROM = ("Targets", "Seasonality", "KPIs", "Plans")


def build(frames: dict[str, pd.DataFrame], year: int, month: str, target: str = "excel", lang: str = "en") -> Model:
    m = Model(lang)
    m.sheet("Start here")
    for name in ("Plan", "Scorecard", "Customer tiers", "Commission calculator"):
        m.sheet(name)
    data = {k: v.drop(columns=[c for c in (ROW,) if c in v.columns]) for k, v in frames.items()}
    for schema in SHEETS:
        if schema.name in data:
            m.frame(schema.name, 0, 0, data[schema.name])
    live = data["Orders"][rules.counted(data["Orders"]["status"])][["customer_id", "order_date", "amount"]]
    m.frame("SalesLines", 0, 0, live)
    m.names["Seasonality"] = "='Seasonality'!$B$2:$B$13"
    n_kpi = len(data["KPIs"])
    m.names["KpiTable"] = f"='KPIs'!$A$1:${column_letters(len(data['KPIs'].columns))}${n_kpi + 1}"
    _plan_sheet(m, data, year)
    _scorecard_sheet(m, data, frames, month)
    _tiers_sheet(m, data, month, len(live))
    _commission_sheet(m, frames, month)
    _start_here(m, year, month, target)
    m.put("xlwings.conf", 0, 0, "UDF Modules")
    m.put("xlwings.conf", 0, 1, "addin.udfs")
    return m


def _plan_sheet(m: Model, data, year: int) -> None:
    s = "Plan"
    m.label(s, 0, 0, "Target plan {year}", TITLE, year=year)
    m.label(s, 2, 0, "Year")
    m.put(s, 2, 1, year, INPUT)
    m.names["PlanYear"] = "='Plan'!$B$3"
    t = data["Targets"]
    company = float(t[(t["level"] == "team") & (t["year"] == year)]["annual_target"].sum())
    m.label(s, 3, 0, "Company annual target (teams in Targets)")
    m.put(s, 3, 1, Formula('SUMIFS(Targets!$D:$D,Targets!$A:$A,"team",Targets!$C:$C,$B$3)', company, MONEY))
    m.label(s, 5, 0, "Months (by Seasonality)", SECTION)
    m.sd(s, 6, 0, "SD_PHASE", ["'Plan'!B4", "'Plan'!B3", "Seasonality", Lit("month")], MONEY)
    m.label(s, 5, 3, "Quarters", SECTION)
    m.sd(s, 6, 3, "SD_PHASE", ["'Plan'!B4", "'Plan'!B3", "Seasonality", Lit("quarter")], MONEY)
    row = 20
    m.label(s, row, 0, "Allocation to reps: edit method, min, max or pinned (yellow); ramp applies to new hires", SECTION)
    row += 2
    reps = data["Reps"]
    for team in data["Teams"]["team"]:
        members = reps[(reps["team"] == team) & reps["active"].fillna(True).astype(bool)]
        target = float(t[(t["level"] == "team") & (t["key"] == team) & (t["year"] == year)]["annual_target"].sum())
        m.label(s, row, 0, "Team")
        m.put(s, row, 1, team, BOLD)
        m.label(s, row + 1, 0, "Team annual target")
        m.put(s, row + 1, 1, Formula(f'SUMIFS(Targets!$D:$D,Targets!$A:$A,"team",Targets!$B:$B,B{row + 1},Targets!$C:$C,$B$3)',
                                     target, MONEY))
        m.label(s, row + 2, 0, "Method")
        m.put(s, row + 2, 1, "capacity", INPUT)
        m.label(s, row + 3, 0, "Period start")
        m.put(s, row + 3, 1, dt.datetime(year, 1, 1), dict(INPUT, num_format="yyyy-mm-dd"))
        head = row + 5
        for j, h in enumerate(["rep_id", "capacity", "hire_date", "min", "max", "pinned", "ramp"]):
            m.put(s, head, j, h, HEADER)
        for i, rep in enumerate(members.itertuples(index=False)):
            r = head + 1 + i
            m.put(s, r, 0, rep.rep_id)
            m.put(s, r, 1, float(rep.capacity))
            m.put(s, r, 2, _plain(rep.hire_date), DATE)
            for j in (3, 4, 5):
                m.put(s, r, j, None, INPUT)
            m.sd(s, r, 6, "SD_RAMP", [ref(s, r, 2), ref(s, row + 3, 1, absolute=True)], PERCENT)
        last = head + max(len(members), 1)
        m.label(s, head, 8, "allocated target", HEADER)
        m.sd(s, head + 1, 8, "SD_ALLOCATE", [ref(s, row + 1, 1), ref(s, head, 0, last, 5), ref(s, row + 2, 1), None,
                                             ref(s, row + 3, 1)], MONEY)
        row = last + 3


def _scorecard_sheet(m: Model, data, frames, month: str) -> None:
    """The month's scorecard through SD_SCORECARD, on the inputs the monthly report scores
    (``addin.engine.rules``): the same measures, quotas, as-of day and pro-rating, so a rep scores
    the same here as in the report."""
    s = "Scorecard"
    period = pd.Period(month, "M")
    start, end = rules.month_bounds(month)
    orders = frames["Orders"]
    as_of = rules.as_of_date(orders["order_date"], orders["status"], month)
    m.label(s, 0, 0, "Scorecard {month}", TITLE, month=m.t.month(month))
    m.label(s, 2, 0, "Month")
    m.put(s, 2, 1, month)
    m.label(s, 3, 0, "Actuals as of")
    m.put(s, 3, 1, dt.datetime.combine(as_of, dt.time()), dict(INPUT, num_format="yyyy-mm-dd"))
    m.names["AsOf"] = "='Scorecard'!$B$4"
    quotas = rep_quotas(data, sorted({period.year, (period + 1).year}))
    quota, next_quota = (quotas[quotas["period"] == str(p)].set_index("rep_id")["quota_cents"] / 100
                         for p in (period, period + 1))
    reps = data["Reps"][data["Reps"]["active"].fillna(True).astype(bool)]
    reps = reps[reps["hire_date"].isna() | (reps["hire_date"] <= end)]
    kpis = data["KPIs"]["kpi"].tolist()
    own = scorecard_kpis(data["KPIs"])[1]
    kinds = [kind_of(row, own) for row in data["KPIs"].to_dict("records")]
    measures = rep_measures(frames, MeasurePeriod(start, end, rules.trailing_start(month)), kpis, reps["rep_id"],
                            next_quota, own)
    sales_kpis = [k for k in kpis if k in SALES_KPIS]
    actuals, targets = rules.scorecard_inputs(reps["rep_id"], kpis, measures, quota)
    head = 5
    cols = ["rep", *kpis, *(f"{k}_target" for k in sales_kpis)]
    for j, h in enumerate(cols):
        m.put(s, head, j, h, HEADER)
    for i, rep in enumerate(reps["rep_id"]):
        r = head + 1 + i
        m.put(s, r, 0, rep)
        for j in range(len(kpis)):
            v = actuals[i, j]
            # unrounded (the report scores these), shown by the KPI's kind
            m.put(s, r, j + 1, None if np.isnan(v) else float(v), KIND_FORMAT[kinds[j]])
        for j, k in enumerate(sales_kpis):
            v = targets[i, kpis.index(k)]
            m.put(s, r, 1 + len(kpis) + j, None if np.isnan(v) else float(v), MONEY)
    last = head + len(reps)
    table = ref(s, head, 0, last, len(cols) - 1)
    at = len(cols) + 1
    m.label(s, head - 1, at, "The scorecard (SD_SCORECARD)", SECTION)
    open_month = rules.prorate(as_of, month) is not None
    m.sd(s, head, at, "SD_SCORECARD", [table, "KpiTable"] + (["AsOf"] if open_month else []))
    rr = at + len(kpis) + 5
    m.label(s, head - 1, rr, "Run-rate (SD_RUNRATE)", SECTION)
    m.label(s, head, rr, "projected", HEADER)
    m.label(s, head, rr + 1, "projected attainment", HEADER)
    if sales_kpis:
        sales_col, target_col = 1 + kpis.index(sales_kpis[0]), 1 + len(kpis)
        for i in range(len(reps)):
            r = head + 1 + i
            if m.cells[s].get((r, target_col), (None,))[0] is not None:
                m.sd(s, r, rr, "SD_RUNRATE", [ref(s, r, sales_col), "AsOf", ref(s, r, target_col)], MONEY)
    m.status_range = (s, head + 1, at + len(kpis) + 3, last)


def _tiers_sheet(m: Model, data, month: str, n_lines: int) -> None:
    s = "Customer tiers"
    m.label(s, 0, 0, "Customer tiers, RFM and revisits (orders from SalesLines, as of the Scorecard date)", TITLE)
    last = n_lines
    args = [ref("SalesLines", 1, 0, last, 0), ref("SalesLines", 1, 1, last, 1), ref("SalesLines", 1, 2, last, 2), "AsOf"]
    tiers = m.sd(s, 2, 0, "SD_TIER", args)
    acts = data["Activities"]
    as_of = m.values("AsOf")[0][0]
    last_contact = acts[acts["date"] <= pd.Timestamp(as_of)].groupby("customer_id")["date"].max()
    m.put(s, 2, 10, "last_contact", HEADER)
    for i, row in enumerate(tiers[1:], start=3):
        v = last_contact.get(row[0])
        m.put(s, i, 10, None if v is None or pd.isna(v) else v.to_pydatetime(), DATE)
    k = len(tiers) - 1
    m.sd(s, 2, 12, "SD_REVISIT", [ref(s, 3, 0, 2 + k, 0), ref(s, 3, 1, 2 + k, 1), ref(s, 3, 10, 2 + k, 10), None, "AsOf"])
    m.sd(s, 2, 16, "SD_RFM", args)


def _commission_sheet(m: Model, frames, month: str) -> None:
    s = "Commission calculator"
    reps, plans = frames["Reps"], frames["Plans"]
    quotas = rep_quotas(frames, sorted(set(frames["Targets"]["year"].astype(int))))
    result = compute(commission_inputs(frames, quotas), month)
    summary = result.summary
    rep_id = reps["rep_id"].iloc[0]
    row = summary[(summary["rep_id"] == rep_id) & (summary["period"] == month)].iloc[0]
    plan_id = reps.set_index("rep_id").loc[rep_id, "plan_id"]
    versions = plans[(plans["plan_id"] == plan_id) & (plans["effective_from"] <= pd.Period(month, "M").end_time)]
    version = versions[versions["effective_from"] == versions["effective_from"].max()].sort_values("lower")
    first = version.iloc[0]
    m.label(s, 0, 0, "Commission calculator", TITLE)
    labels = [(CALCULATOR_LABELS[0], rep_id, INPUT), (CALCULATOR_LABELS[1], month, None), ("Credited sales this month", row["sales_cents"] / 100, dict(INPUT, num_format="#,##0.00")),
              ("Quota (blank for plans on amount)", row["quota_cents"] / 100 if first["basis"] == "attainment" else None, dict(INPUT, num_format="#,##0.00")),
              ("Method", first["method"], INPUT), ("Cap", None if pd.isna(first["cap"]) else float(first["cap"]), dict(INPUT, num_format="#,##0.00"))]
    for i, (label, value, style) in enumerate(labels, start=2):
        m.label(s, i, 0, label)
        m.put(s, i, 1, value, style)
    m.label(s, 9, 0, "Tiers of plan {plan} from {date}", SECTION, plan=plan_id, date=f"{first['effective_from']:%Y-%m-%d}")
    for j, h in enumerate(["lower", "upper", "rate"]):
        m.put(s, 10, j, h, HEADER)
    for i, t in enumerate(version.itertuples(index=False), start=11):
        m.put(s, i, 0, float(t.lower), INPUT)
        m.put(s, i, 1, None if pd.isna(t.upper) else float(t.upper), INPUT)
        m.put(s, i, 2, float(t.rate), dict(INPUT, num_format="0.00%"))
    last_tier = 10 + len(version)
    m.label(s, 8, 0, "Commission (SD_COMMISSION)", BOLD)
    m.sd(s, 8, 1, "SD_COMMISSION", [ref(s, 4, 1), ref(s, 10, 0, last_tier, 2), ref(s, 6, 1), ref(s, 5, 1), ref(s, 7, 1)],
         dict(MONEY, **BOLD))
    top = last_tier + 3
    year = month[:4]
    m.label(s, top - 1, 0, "Draw over {year} (SD_DRAW): earned per month from the commission engine", SECTION, year=year)
    m.label(s, top, 0, "Draw")
    m.put(s, top, 1, None if pd.isna(first["draw"]) else float(first["draw"]), dict(INPUT, num_format="#,##0.00"))
    m.label(s, top + 1, 0, "Recoverable")
    m.put(s, top + 1, 1, bool(first["draw_recoverable"]) if pd.notna(first["draw_recoverable"]) else True, INPUT)
    head = top + 3
    for j, h in enumerate(DRAW_HEADERS):
        if h:
            m.label(s, head, j, h, HEADER)
    mine = summary[(summary["rep_id"] == rep_id) & (summary["period"].str.startswith(year))].sort_values("period")
    for i, rec in enumerate(mine.itertuples(index=False), start=head + 1):
        m.put(s, i, 0, rec.period)
        m.put(s, i, 1, rec.earned_cents / 100, MONEY)
    if len(mine) and m.cells[s][(top, 1)][0] is not None:
        m.sd(s, head + 1, 3, "SD_DRAW", [ref(s, head + 1, 1, head + len(mine), 1), ref(s, top, 1), ref(s, top + 1, 1)], MONEY)


START_HERE = (
    ("SalesDesk planning workbook", TITLE), ("", None),
    ("What is here", SECTION),
    ("Plan: the year's targets phased by month and quarter (SD_PHASE) and allocated to the reps of each team "
     "(SD_ALLOCATE), with the ramp of new hires (SD_RAMP).", None),
    ("Scorecard: the month's KPI actuals per rep, the weighted scorecard (SD_SCORECARD) and the run-rate (SD_RUNRATE).", None),
    ("Customer tiers: tiers with revisit cadence (SD_TIER), next revisits (SD_REVISIT) and RFM (SD_RFM).", None),
    ("Commission calculator: a rep's month against the plan tiers (SD_COMMISSION) and the draw over the year (SD_DRAW).", None),
    ("The data sheets (Reps, Teams, Customers, Orders, ...) are Excel tables in the sales workbook contract "
     "(docs/workbook.md); SalesLines is Orders without cancelled lines.", None),
    ("", None), ("What to edit", SECTION),
    ("Yellow cells are inputs: the plan year, a team's method, min, max and pinned targets, the as-of date, "
     "the calculator's sales, quota, tiers and draw. Everything else is computed.", None),
    ("", None), ("How to refresh", SECTION),
)
REFRESH_NOTE = ("Without the add-in, cells with SD_ functions show #NAME? after a recalculation; the other formulas "
                "work anywhere. For another spreadsheet: salesdesk workbook retarget THIS.xlsx --for "
                "excel|lite|libreoffice --out OTHER.xlsx.")
CALCULATOR_LABELS = ("Rep", "Month", "Credited sales this month", "Quota (blank for plans on amount)", "Method", "Cap")
DRAW_HEADERS = ("month", "earned", "", "paid", "owed after")
# labels shown through a variable (the catalogue test reads these)
LABELS = tuple(text for text, _ in START_HERE if text) + (REFRESH_NOTE,) + CALCULATOR_LABELS + DRAW_HEADERS[:2] \
    + DRAW_HEADERS[3:]


def _start_here(m: Model, year: int, month: str, target: str) -> None:
    lines = [(m.t(text) if text else text, style) for text, style in START_HERE] + [
        (m.t("The numbers you see were computed by SalesDesk when this file was made, so they show without the "
             "add-in. This copy is set up for {target}:", target=target) + " " + m.t(platform(target).install), None),
        (m.t(REFRESH_NOTE), None),
        ("", None), (m.t("Plan year {year}; scorecard month {month}.", year=year, month=month), ITALIC),
    ]
    for i, (text, style) in enumerate(lines):
        m.put("Start here", i, 0, text, style or {"text_wrap": True, "valign": "top"})


# --- writing ---------------------------------------------------------------------------

def write(model: Model, path, frames: dict[str, pd.DataFrame], target: str = "excel") -> None:
    """The workbook, its SD_ formulas spelled and its arrays written for ``target`` (workbooks.platforms)."""
    dynamic = platform(target).dynamic_arrays
    with atomic_path(path) as tmp:
        wb = new_workbook(tmp)
        cw = CellWriter(wb)
        order = ["Start here", "Plan", "Scorecard", "Customer tiers", "Commission calculator"]
        order += [n for n in model.order if n not in order]
        for name in order:
            ws = wb.add_worksheet(name)
            grid = model.cells[name]
            if name in BY_NAME or name == "SalesLines":
                _as_table(ws, name, grid, frames)
            for (r, c), (v, style) in sorted(grid.items()):
                if name in BY_NAME or name == "SalesLines":
                    if r == 0:
                        continue  # the table writes its header
                if isinstance(v, Formula):
                    fmt = cw.fmt(v.style)
                    text = retarget_formula(v.text, target)
                    if v.spill and dynamic:
                        rows, cols = v.spill
                        ws.write_dynamic_array_formula(r, c, r + rows - 1, c + cols - 1, "=" + text, fmt, _cached(v.value))
                    elif v.spill:
                        rows, cols = v.spill
                        ws.write_array_formula(r, c, r + rows - 1, c + cols - 1, "{=" + text + "}", fmt, _cached(v.value))
                    else:
                        ws.write_formula(r, c, "=" + text, fmt, _cached(v.value))
                elif isinstance(v, bool):
                    ws.write_boolean(r, c, v, cw.fmt(style))
                else:
                    cw.cell(ws, r, c, v, style)
            _layout(wb, ws, name, grid, model, frames)
        for n, target in model.names.items():
            wb.define_name(n, target)
        # no forced recalculation on open: without the add-in, the stored values show instead of #NAME?
        wb.set_calc_mode("auto", calc_id=EXCEL_CALC_ID)
        wb.calc_on_load = False    # XlsxWriter writes fullCalcOnLoad unless told (tests/test_planning_workbook.py)
        wb.close()


def _cached(v):
    if isinstance(v, (dt.date, dt.datetime)):
        return date_serial(v)
    return "" if v is None else v


def _as_table(ws, name, grid, frames):
    rows = max(r for r, _ in grid)
    cols = max(c for _, c in grid)
    headers = [grid[(0, c)][0] for c in range(cols + 1)]
    ws.add_table(0, 0, max(rows, 1), cols, {"name": "tbl_" + re.sub(r"\W", "_", name), "style": "Table Style Light 9",
                                            "columns": [{"header": str(h)} for h in headers]})
    ws.freeze_panes(1, 0)
    for c, h in enumerate(headers):
        ws.set_column(c, c, max(10, min(28, len(str(h)) + 4)))
    lists = {("Opportunities", "stage"): list(STAGES), ("Activities", "type"): list(ACTIVITY_TYPES),
             ("Orders", "status"): list(ORDER_STATUSES)}
    for c, h in enumerate(headers):
        if (name, h) in lists:
            ws.data_validation(1, c, max(rows, 1), c, {"validate": "list", "source": lists[(name, h)]})
    if name == "Reps" and "team" in headers:
        n_teams = len(frames["Teams"])
        ws.data_validation(1, headers.index("team"), max(rows, 1), headers.index("team"),
                           {"validate": "list", "source": f"=Teams!$A$2:$A${n_teams + 1}"})


def _layout(wb, ws, name, grid, model, frames):
    if name == "Start here":
        ws.set_column(0, 0, START_WIDTH)          # fits a portrait A4 page at 100%
        for (r, _), (v, _) in grid.items():       # wrapped text gets the height it needs (no overlap)
            if isinstance(v, str) and shown_width(v) > START_WIDTH - 10:     # Chinese characters count two
                ws.set_row(r, 15 * (shown_width(v) // (START_WIDTH - 10) + 1))
        ws.set_portrait()
        ws.fit_to_pages(1, 1)
        ws.activate()
    elif name in BY_NAME or name == "SalesLines":   # data sheets: printable, header on every page
        ws.set_landscape()
        ws.set_paper(9)
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0)
        ws.set_header(f"&L{name}&R" + model.t.page_of_pages())
    elif name in ("Plan", "Scorecard", "Customer tiers", "Commission calculator"):
        ws.set_landscape()
        ws.fit_to_pages(1, 0)
        ws.set_header(f"&L{name}&R" + model.t.page_of_pages())
        ws.set_column(0, 0, 30 if name != "Customer tiers" else 12)
        ws.set_column(1, 40, 13)
        ws.freeze_panes(2 if name != "Scorecard" else 6, 0)
    if name == "Plan":
        for (r, c), (v, _) in grid.items():
            if v == model.t("Method"):
                ws.data_validation(r, c + 1, r, c + 1, {"validate": "list", "source": ["capacity", "history", "equal"]})
    if name == "Commission calculator":
        n = len(frames["Reps"])
        ws.data_validation(2, 1, 2, 1, {"validate": "list", "source": f"=Reps!$A$2:$A${n + 1}"})
        ws.data_validation(6, 1, 6, 1, {"validate": "list", "source": ["marginal", "retroactive"]})
    if name == "Scorecard" and hasattr(model, "status_range"):
        _, first, col, last = model.status_range
        for status, fmt in STATUS_FILL.items():
            ws.conditional_format(first, col, last, col, {"type": "cell", "criteria": "==", "value": f'"{status}"',
                                                          "format": wb.add_format(fmt)})


def latest_month(frames: dict[str, pd.DataFrame]) -> str:
    o = frames["Orders"]
    return o.loc[rules.counted(o["status"]), "order_date"].max().strftime("%Y-%m")
