"""The sales workbook contract: one schema per sheet. docs/workbook.md is generated from it."""
from __future__ import annotations

from addin.engine.forecast import DEFAULT_STAGE_PROBABILITY
from addin.engine.kpi_catalogue import KINDS as KPI_KIND_CHOICES

from .i18n import LANGUAGES
from .kpis import catalogue_markdown
from .opening import MAX_ROWS, MAX_UNPACKED_MB
from .schema import MAX_MAGNITUDE, Column as C, Reference as Ref, RowRule, SheetSchema

STAGES = ("lead", "qualified", "demo", "quote", "negotiation", "won", "lost")
ACTIVITY_TYPES = ("call", "visit", "demo", "quote", "email")
ORDER_STATUSES = ("booked", "returned", "cancelled")

REPS = SheetSchema("Reps", "One row per sales rep.", (
    C("rep_id", "id", "Unique rep code, e.g. R0001."),
    C("name", "text", "Full name as shown on reports."),
    C("email", "email", "Where the rep's monthly report is sent.", nullable=True),
    C("team", "id", "Team the rep belongs to (Teams.team)."),
    C("hire_date", "date", "First day of employment; drives the ramp of new hires (blank: no ramp).", nullable=True),
    C("capacity", "number", "Share of a full-time target the rep carries (FTE share).", minimum=0, maximum=1),
    C("plan_id", "id", "Commission plan (Plans.plan_id); blank: the rep earns no commission.", nullable=True),
    C("active", "bool", "FALSE for reps who left; they get no report.", nullable=True),
), key=("rep_id",), references=(Ref("team", "Teams", "team"), Ref("plan_id", "Plans", "plan_id")), needs_rows=True)

TEAMS = SheetSchema("Teams", "One row per team.", (
    C("team", "id", "Team name, unique."),
    C("manager", "text", "Manager's name.", nullable=True),
    C("manager_email", "email", "Where the team report is sent; cc on the reps' reports.", nullable=True),
    C("region", "text", "Region the team covers.", nullable=True),
), key=("team",), needs_rows=True, optional=True,
    turns_on="managers and their e-mail on team reports (without it, one team per Reps.team, no manager)")

CUSTOMERS = SheetSchema("Customers", "One row per customer account.", (
    C("customer_id", "id", "Unique customer code."),
    C("name", "text", "Customer name."),
    C("region", "text", "Region.", nullable=True),
    C("owner_rep_id", "id", "Rep who owns the account (Reps.rep_id); blank: no owner yet.", nullable=True),
    C("created", "date", "Date the account was opened.", nullable=True),
), key=("customer_id",), references=(Ref("owner_rep_id", "Reps", "rep_id"),), optional=True,
    turns_on="customer names and owners; tiers, overdue revisits and tier movements in the reports")

ORDERS = SheetSchema("Orders", "Order lines and returns. A return is its own line with status returned, "
                     "negative quantity and amount, and original_order_id pointing at the booked line.", (
    C("order_id", "id", "Unique line id."),
    C("order_date", "date", "Booking date (for a return: the date of the return)."),
    C("rep_id", "id", "Rep credited (Reps.rep_id); see OrderCredits for split credit."),
    C("customer_id", "id", "Customer (Customers.customer_id)."),
    C("product", "text", "Product or SKU."),
    C("quantity", "number", "Units; negative on a return."),
    C("amount", "money", "Net sales amount; negative on a return."),
    C("cost", "money", "Cost of goods, for margin.", nullable=True),
    C("status", "choice", "booked, returned or cancelled (cancelled lines count nowhere).", choices=ORDER_STATUSES),
    C("original_order_id", "id", "For a return: the order_id of the booked line it reverses.", nullable=True),
), key=("order_id",), references=(Ref("rep_id", "Reps", "rep_id"), Ref("customer_id", "Customers", "customer_id"),
                                   Ref("original_order_id", "Orders", "order_id")), needs_rows=True,
    rules=(
        RowRule("quantity", lambda d: (d["status"] == "booked") & (d["quantity"] < 0),
                "negative quantity on a booked order", "zero or more on a booked line (returns are their own lines)"),
        RowRule("amount", lambda d: (d["status"] == "booked") & (d["amount"] < 0),
                "negative amount on a booked order", "zero or more on a booked line"),
        RowRule("amount", lambda d: (d["status"] == "returned") & (d["amount"] > 0),
                "positive amount on a return", "a negative amount on a returned line"),
        RowRule("original_order_id", lambda d: (d["status"] == "returned") & d["original_order_id"].isna(),
                "return without its original order", "the order_id of the booked line being returned"),
    ))

ORDER_CREDITS = SheetSchema("OrderCredits", "Split credit: an order credited to several reps by share. Shares "
                            "of one order may total more than 1 for overlay credit. Orders not listed here are "
                            "credited 100% to Orders.rep_id.", (
    C("order_id", "id", "The order line (Orders.order_id)."),
    C("rep_id", "id", "A rep credited (Reps.rep_id)."),
    C("share", "number", "Share of the line credited to this rep (0.5 = half).", minimum=0, maximum=2),
), key=("order_id", "rep_id"), references=(Ref("order_id", "Orders", "order_id"), Ref("rep_id", "Reps", "rep_id")),
    optional=True, turns_on="split credit of orders between reps")

OPPORTUNITIES = SheetSchema("Opportunities", "The pipeline: one row per deal with its furthest stage.", (
    C("opp_id", "id", "Unique opportunity id."),
    C("rep_id", "id", "Owner (Reps.rep_id)."),
    C("customer_id", "id", "Customer (Customers.customer_id).", nullable=True),
    C("stage", "choice", "Current stage; won and lost are closed.", choices=STAGES),
    C("created", "date", "Date the deal was opened."),
    C("closed", "date", "Date it was won or lost; blank while open.", nullable=True),
    C("amount", "money", "Deal value; blank while not known (an open deal).", minimum=0, nullable=True),
    C("lost_stage", "choice", "For a lost deal: the last stage it reached (for the funnel); optional column.",
      required=False, nullable=True, choices=STAGES[:5]),
    C("expected_close", "date", "When the open deal is expected to close (for the forecast and slipped deals); "
      "optional column.", required=False, nullable=True),
    C("probability", "number", "Chance the open deal is won, 0 to 1; blank: the stage's (Stages sheet, else the "
      "default per stage); optional column.", required=False, nullable=True, minimum=0, maximum=1),
), key=("opp_id",), references=(Ref("rep_id", "Reps", "rep_id"), Ref("customer_id", "Customers", "customer_id")),
    optional=True, turns_on="the funnel, win rate and sales cycle", rules=(
        RowRule("closed", lambda d: d["stage"].isin(["won", "lost"]) & d["closed"].isna(),
                "closed deal without a close date", "the date the deal was won or lost"),
        RowRule("closed", lambda d: d["closed"].notna() & d["created"].notna() & (d["closed"] < d["created"]),
                "closed before it was created", "a close date on or after the created date"),
        # without the optional column the test raises KeyError and the reader skips the rule
        RowRule("expected_close", lambda d: d["expected_close"].notna() & d["created"].notna()
                & (d["expected_close"] < d["created"]),
                "expected to close before it was created", "an expected close on or after the created date"),
    ))

OPPORTUNITY_HISTORY = SheetSchema("OpportunityHistory", "The pipeline's history, as CRMs export it: one row per "
                                   "change of a deal (its stage, amount or expected close) on the day it changed.", (
    C("opp_id", "id", "The deal (Opportunities.opp_id)."),
    C("date", "date", "Day of the change."),
    C("stage", "choice", "The deal's stage from that day.", choices=STAGES),
    C("amount", "money", "Deal value from that day; optional column.", required=False, nullable=True, minimum=0),
    C("expected_close", "date", "Expected close from that day; optional column.", required=False, nullable=True),
# no unique key: a CRM logs a change of amount or expected close on a day as a row of the same stage
), references=(Ref("opp_id", "Opportunities", "opp_id"),), optional=True,
    turns_on="stage moves (deals advanced and moved back) in the weekly review")

STAGE_PROBABILITIES = SheetSchema("Stages", "The chance an open deal at each stage is won, for the forecast "
                                  "(docs/forecast.md). A stage not listed keeps its default: " +
                                  ", ".join(f"{k} {v:.0%}" for k, v in DEFAULT_STAGE_PROBABILITY.items()) +
                                  ". A deal's own probability (Opportunities.probability) wins over its stage's.", (
    C("stage", "choice", "An open stage.", choices=STAGES[:5]),
    C("probability", "number", "Chance a deal at this stage is won, 0 to 1.", minimum=0, maximum=1),
), key=("stage",), optional=True, turns_on="your own stage probabilities in the forecast (without it: the defaults)")

ACTIVITIES = SheetSchema("Activities", "Calls, visits, demos, quotes and emails logged by reps.", (
    C("date", "date", "Day of the activity."),
    C("rep_id", "id", "Rep (Reps.rep_id)."),
    C("customer_id", "id", "Customer (Customers.customer_id).", nullable=True),
    C("type", "choice", "Kind of activity.", choices=ACTIVITY_TYPES),
    C("outcome", "text", "Free text result.", nullable=True),
), references=(Ref("rep_id", "Reps", "rep_id"), Ref("customer_id", "Customers", "customer_id")), optional=True,
    turns_on="activities against the planned cadence; last contacts for revisits")

SATISFACTION = SheetSchema("Satisfaction", "Customer satisfaction survey answers.", (
    C("date", "date", "Survey date."),
    C("customer_id", "id", "Customer (Customers.customer_id)."),
    C("rep_id", "id", "Rep rated (Reps.rep_id)."),
    C("score", "integer", "Score from 1 (poor) to 5 (excellent).", minimum=1, maximum=5),
), references=(Ref("rep_id", "Reps", "rep_id"), Ref("customer_id", "Customers", "customer_id")), optional=True,
    turns_on="customer satisfaction in the reports")

TARGETS = SheetSchema("Targets", "Annual sales targets by team and by rep.", (
    C("level", "choice", "team or rep.", choices=("team", "rep")),
    C("key", "id", "Team name or rep_id, by level."),
    C("year", "integer", "Calendar year.", minimum=2000, maximum=2100),
    C("annual_target", "money", "Target sales for the year.", minimum=0),
), key=("level", "key", "year"), optional=True,
    turns_on="targets, attainment, the scorecard's sales KPI and quota-based commission (without it: actuals only)")

SEASONALITY = SheetSchema("Seasonality", "Monthly weights used to phase annual targets (12 rows).", (
    C("month", "integer", "Month number.", minimum=1, maximum=12),
    C("weight", "number", "Relative weight of the month.", minimum=0),
), key=("month",), optional=True, turns_on="seasonal phasing of targets (without it: by working days)")

KPIS = SheetSchema("KPIs", "The scorecard: weighted KPIs with thresholds on attainment (actual vs target).", (
    C("kpi", "id", "A KPI of the catalogue below (sales, new_customers, visits, win_rate, ...), or a name of "
      "your own with a measure."),
    C("weight", "number", "Weight in the score, in points: the weights of the sheet add up to 100 (a warning "
      "otherwise; the score divides by their sum).", minimum=0),
    C("direction", "choice", "higher or lower is better (blank: the catalogue's usual direction; higher for a "
      "KPI of your own).", choices=("higher", "lower"), nullable=True),
    C("cap", "number", "Highest attainment counted (1.5 = 150%); blank = no cap.", nullable=True, minimum=0),
    C("target", "number", "Target value of the KPI for a month (sales: blank, the rep's phased target).", nullable=True),
    C("green", "number", "Attainment at or above which the KPI is green.", minimum=0),
    C("amber", "number", "Attainment at or above which it is amber (below: red).", minimum=0),
    C("label", "text", "Name shown in reports (blank: a readable form of kpi); optional column.",
      required=False, nullable=True),
    C("kind", "choice", "How its values read in reports (blank: by the kpi's name); optional column.",
      required=False, nullable=True, choices=KPI_KIND_CHOICES),
    C("measure", "text", "A measure of your own in the expression language below (blank: the catalogue's); "
      "optional column.", required=False, nullable=True),
), key=("kpi",), optional=True, turns_on="the KPI scorecard, score, status and rank",
    rules=(RowRule("amber", lambda d: d["amber"] > d["green"], "amber threshold above green",
                                 "amber at or below green"),))

PLANS = SheetSchema("Plans", "Commission plans: one row per tier of a plan version. Plan-level fields (method, "
                    "basis, cap, gate, draw, clawback_days) repeat on each tier row of the version.", (
    C("plan_id", "id", "Plan code (Reps.plan_id)."),
    C("effective_from", "date", "First day this version applies (by order date)."),
    C("lower", "number", "Tier lower bound, inclusive (amount, or share of quota when basis is attainment).", minimum=0),
    C("upper", "number", "Tier upper bound, exclusive; blank = no limit.", nullable=True),
    C("rate", "number", "Commission rate in the tier (0.05 = 5%).", minimum=0, maximum=1),
    C("method", "choice", "marginal (each band on its part) or retroactive (reached band on all).",
      choices=("marginal", "retroactive")),
    C("basis", "choice", "Tier bounds are amounts, or attainment of the monthly quota.", choices=("amount", "attainment")),
    C("cap", "money", "Highest commission paid per month; blank = none.", nullable=True, minimum=0),
    C("gate", "number", "Minimum attainment for any commission (0.5 = 50%); blank = none.", nullable=True, minimum=0),
    C("draw", "money", "Monthly draw (guaranteed minimum); blank = none.", nullable=True, minimum=0),
    C("draw_recoverable", "bool", "TRUE if a draw's shortfall is recovered from later months.", nullable=True),
    C("clawback_days", "integer", "Returns within this many days of the order are clawed back.", nullable=True, minimum=0),
), key=("plan_id", "effective_from", "lower"), optional=True,
    turns_on="commissions: statements, the finance summary and the commission section of reports", rules=(
    RowRule("upper", lambda d: d["upper"].notna() & (d["upper"] <= d["lower"]), "upper bound not above lower",
            "an upper bound greater than the lower bound, or blank"),))

SPIFFS = SheetSchema("Spiffs", "Fixed bonuses by rule: champion (the team's champion of the month on credited sales: "
                     "docs/commissions.md) "
                     "or product (per unit of a product sold).", (
    C("spiff", "id", "Name of the bonus."),
    C("rule", "choice", "champion or product.", choices=("champion", "product")),
    C("product", "text", "For product: the product it pays on.", nullable=True),
    C("amount", "money", "Bonus (champion: per month; product: per unit).", minimum=0),
    C("effective_from", "date", "First day it applies.", nullable=True),
    C("effective_to", "date", "Last day it applies; blank = open.", nullable=True),
), key=("spiff",), optional=True, turns_on="SPIFF bonuses in commissions")

PAYROLL = SheetSchema("Payroll", "What payroll paid as commission, per rep and month (for reconciliation).", (
    C("rep_id", "id", "Rep as payroll knows them (unknown reps are reported by the reconciliation)."),
    C("period", "period", "Month paid for, YYYY-MM."),
    C("paid_commission", "money", "Commission paid for the month."),
), key=("rep_id", "period"), optional=True, turns_on="the reconciliation of commissions against payroll")

# Settings the workbook declares about itself; a command-line option wins over a setting.
SETTING_VALUES = {"decimal_separator": (".", ","), "language": LANGUAGES}
SETTINGS = SheetSchema("Settings", "How to read this workbook: one row per setting. decimal_separator: . (the "
                       "default) or , when numbers stored as text are written with a decimal comma (1.234,50). "
                       "language: en (the default) or zh-CN, the language of reports, statements, the dashboard "
                       "and mail (salesdesk --lang wins).", (
    C("setting", "id", "The setting's name: " + ", ".join(SETTING_VALUES) + "."),
    C("value", "text", "Its value."),
), key=("setting",), optional=True, rules=(
    RowRule("setting", lambda d: ~d["setting"].isin(list(SETTING_VALUES)), "unknown setting",
            "one of " + ", ".join(SETTING_VALUES)),
    RowRule("value", lambda d: (d["setting"] == "decimal_separator") & ~d["value"].isin(SETTING_VALUES["decimal_separator"]),
            "not a decimal separator", "decimal_separator . or ,"),
    RowRule("value", lambda d: (d["setting"] == "language") & ~d["value"].isin(LANGUAGES),
            "not a language SalesDesk speaks", "language " + " or ".join(LANGUAGES)),
))

SHEETS: tuple[SheetSchema, ...] = (SETTINGS, REPS, TEAMS, CUSTOMERS, ORDERS, ORDER_CREDITS, OPPORTUNITIES,
                                   OPPORTUNITY_HISTORY, STAGE_PROBABILITIES, ACTIVITIES,
                                   SATISFACTION, TARGETS, SEASONALITY, KPIS, PLANS, SPIFFS, PAYROLL)
BY_NAME = {s.name: s for s in SHEETS}


READING_RULES = [
    "## How cells are read", "",
    "**Numbers** (types number, money, integer). A number cell is read as it is. A number stored as text is read "
    "only when it cannot mean two things:",
    "",
    "| text | read as |", "|---|---|",
    "| `1234.50`, `1,234.50` (commas only between groups of three digits), `1e5` | 1234.50, 1234.50, 100000 |",
    "| `$1,234.50`, `€1,234.50`, `¥1,000` (a currency sign before or after) | 1234.50, 1234.50, 1000 |",
    "| `(372.40)` (accounting negative), `-372.40` | -372.40 |",
    "| `85%` | 0.85 |",
    "| `1,234.50元`, `1,234.50 元`, `人民币1,234.50`, `￥1,234.50` (元, 人民币, RMB or CNY as the currency) | 1234.50 |",
    "| `１２３４．５０`, `１，２３４．５０`, `－372.40`, `（372.40）`, `８５％` (full-width digits, separators and "
    "signs, as Chinese input methods write them) | 1234.50, 1234.50, -372.40, -372.40, 0.85 |",
    "",
    "`1.2万` (ten thousands) and other text are errors, never a guessed number.",
    "",
    "Text with a decimal comma (`1.234,50`, `372,40`) is an error naming the cell unless the workbook declares its "
    "decimal separator: a **Settings** sheet with the row `decimal_separator | ,` (below), or `salesdesk "
    "--decimal-comma ...` on the command line (it wins over the sheet). Then `1.234,50`, `1 234,50` and `372,40` "
    "are read exactly; number cells still arrive as numbers, and text of one dot and three digits (`1.234`, "
    "a thousands dot or a decimal point?) is an error. `inf`, `nan` and any other text are errors. Amounts beyond "
    f"{MAX_MAGNITUDE['money']:,.0f} and other numbers beyond {MAX_MAGNITUDE['number']:,.0f} (in size) are errors: beyond them a value is a typo "
    "or a unit error, and sums of a million amounts would no longer be exact in cents. Money is rounded half-up "
    "to the cent.",
    "",
    "**Dates**: date cells; ISO text (`2026-10-05`, `2026-10-05 00:00:00`, `2026-1-5`, `20261005`, `2026/10/05`); "
    "Chinese dates (`2026年10月5日`, `2026 年 10 月 5 日`, full-width digits too); Excel serial numbers. Other text "
    "(`05/10/2026`: May or October?) and dates that do not exist (`2026年2月30日`) are errors naming the cell.",
    "",
    "**Error cells** (`#N/A`, `#REF!`) in an .xlsx are reported as errors with their cell; an .xls or .ods "
    "workbook gives them as blank cells, which are then reported where a value is required.",
    "",
    "**Files and limits**: a CSV, an empty, damaged or password-protected file, or a sheet that cannot be read "
    "is refused with one line naming it. Before anything is parsed, a workbook that unpacks to more than "
    f"{MAX_UNPACKED_MB:,} MB, or that declares a sheet of more than {MAX_ROWS:,} rows, is refused (`salesdesk --max-unpacked-mb N "
    "--max-rows N` change the limits).",
    "",
    "**Rows left out**: a batch command (reports, commissions, reconcile) leaves out a row with an error and says "
    "so, by kind and count (and errors.xlsx lists each row); a rep with such a row is left out whole. A missing "
    "required column or sheet, a sheet with no rows where rows are needed (Reps, Teams, Orders), or an error in "
    "Plans, Seasonality, KPIs, Teams or Spiffs stops the batch before anything is written.",
    "",
]


TARGETS_PROPOSAL = (
    "No targets yet? `salesdesk workbook targets sales.xlsx --year 2027 [--growth 8%] --out targets.xlsx` proposes "
    "them: each team's annual target is its net sales (booked less returns) of the twelve calendar months before "
    "the month of the latest order, times (1 + growth), to the cent; each active rep's is the team's split by the "
    "rep's share of those sales, the reps' targets adding up exactly to the team's (reps who left get none). Each "
    "row is phased to months beside it, by the Seasonality sheet or, without one, by the basis months' sales (a "
    "proposed Seasonality sheet is written too), the reps' months tying to the team's month by month. The file's "
    "first rows say it is a proposal and how it was made; review it and paste the rows under its header here.")


def markdown() -> str:
    """docs/workbook.md, generated from the schemas (a test keeps the file current)."""
    out = ["# The sales workbook", "",
           "One workbook (.xlsx, .xlsm, .xls or .ods) with the sheets below. Headers are matched regardless of "
           "case and surrounding spaces (`Order ID` matches `order_id`); two headers that match alike are an "
           "error for a contract column; title rows above the header are skipped; extra columns are kept. "
           "`salesdesk validate WORKBOOK` checks every rule here and lists each problem with sheet, row and column.",
           "", "This file is generated from `workbooks/contract.py` (`salesdesk docs`).", "", *READING_RULES]
    for s in SHEETS:
        out += [f"## {s.name}" + (" (optional)" if s.optional else " (required)"), "", s.meaning, ""]
        if s.turns_on:
            out += [f"Turns on: {s.turns_on}.", ""]
        out += ["| column | type | required | allowed values | meaning |", "|---|---|---|---|---|"]
        for c in s.columns:
            allowed = ", ".join(c.choices) if c.choices else (c.expected if (c.minimum is not None or c.maximum is not None) else "")
            req = "yes" if not c.nullable else "column yes, cell may be blank"
            out.append(f"| `{c.name}` | {c.kind} | {req} | {allowed} | {c.meaning} |")
        notes = []
        if s.key:
            notes.append("Unique key: " + ", ".join(f"`{k}`" for k in s.key) + ".")
        for r in s.references:
            notes.append(f"`{r.column}` must exist in {r.sheet}.`{r.target}`.")
        for rule in s.rules:
            notes.append(f"Rule on `{rule.column}`: {rule.expected}.")
        if s.name == "Targets":
            notes.append("`key` must exist in Teams.`team` (level team) or Reps.`rep_id` (level rep).")
            notes.append(TARGETS_PROPOSAL)
        if s.name == "Seasonality":
            notes.append("All twelve months must be present.")
        out += [""] + [f"- {n}" for n in notes] + [""]
        if s.name == "KPIs":
            out += catalogue_markdown()
    return "\n".join(out)
