"""Commission plans, to the cent.

Scalar functions (Decimal) back the worksheet functions SD_COMMISSION and SD_DRAW. The
batch engine ``compute`` runs a whole sales ledger in integer cents (exact, vectorized)
and states every line: credited order parts per tier, clawbacks, gate and cap lines,
SPIFFs, adjustments to closed months, draws and the amount to pay.

Rules (docs/commissions.md has worked examples):
- A tier's lower bound is inclusive, its upper bound exclusive; blank upper = no limit.
  With basis ``attainment`` the bounds are shares of the month's quota.
- marginal: each tier's rate applies to the part of the month's credited sales inside it,
  in order-date order, so a line that crosses a bound is stated as two parts.
  retroactive: the rate of the tier the month's total reaches applies to every line.
- The plan version in force on a line's order date applies to that line; gate, cap and
  draw come from the version in force on the month's last day.
- Gate: below the minimum attainment, a gate line reverses the month's sales commission.
  Cap: commission above the cap is reversed by a cap line. SPIFFs and clawbacks sit
  outside gate and cap.
- Clawback: a return within the window (days from the original order, per the version
  in force on the original date) reverses the commission paid on the returned amount at
  the rate that was paid on the original line (its commission after gate, per credited
  amount, to six decimals), in the month of the return.
- Draw: paid = max(draw, earned - recovery). A recoverable draw's top-up is owed and
  recovered from later months' excess over the draw.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Sequence

import numpy as np
import pandas as pd

from .calendar import month_labels
from .errors import InputError
from .money import BIG, MICRO, apply_rate, cents_of, micro_of, rhu_div
from .rounding import CENT, to_decimal
from .rules import champions

METHODS = ("marginal", "retroactive")


# --- scalar, for worksheet functions ---------------------------------------------------

@dataclass(frozen=True)
class Tier:
    lower: Decimal
    upper: Decimal | None
    rate: Decimal


def check_tiers(tiers: Sequence[Tier], argument: str = "tiers") -> list[Tier]:
    if not tiers:
        raise InputError(argument, "at least one tier row (lower, upper, rate) is needed")
    ordered = sorted(tiers, key=lambda t: t.lower)
    for i, t in enumerate(ordered, start=1):
        if t.rate < 0:
            raise InputError(argument, "rates must be zero or more", value=float(t.rate), row=i)
        if t.upper is not None and t.upper <= t.lower:
            raise InputError(argument, "upper must be above lower (blank = no limit)", value=float(t.upper), row=i)
        if i < len(ordered):
            nxt = ordered[i]
            if t.upper is None or t.upper > nxt.lower:
                raise InputError(argument, f"tiers overlap: tier {i} runs past the next tier's lower bound",
                                 value=float(nxt.lower), row=i + 1)
    return ordered


@dataclass(frozen=True)
class Band:
    tier: int
    lower: Decimal
    upper: Decimal | None
    part: Decimal
    rate: Decimal
    commission: Decimal


def breakdown(amount, tiers: Sequence[Tier], method: str = "marginal", quota=None) -> list[Band]:
    """The commission on ``amount`` tier by tier (each band's commission rounded half-up)."""
    if method not in METHODS:
        raise InputError("method", "method must be marginal or retroactive", value=method)
    amount = to_decimal(amount)
    if amount < 0:
        raise InputError("amount", "amount must be zero or more (returns are clawed back, not netted)", value=float(amount))
    tiers = check_tiers(tiers)
    if quota is not None:
        quota = to_decimal(quota)
        if quota <= 0:
            raise InputError("quota", "quota must be more than zero", value=float(quota))

    def bound(x):
        if x is None:
            return None
        return (x * quota).quantize(CENT, rounding=ROUND_HALF_UP) if quota is not None else x

    bands = []
    for i, t in enumerate(tiers, start=1):
        lo, hi = bound(t.lower), bound(t.upper)
        if method == "marginal":
            part = max(Decimal(0), (amount if hi is None else min(amount, hi)) - lo)
        else:
            part = amount if (amount >= lo and (hi is None or amount < hi)) else Decimal(0)
        if part > 0:
            bands.append(Band(i, lo, hi, part, t.rate, (part * t.rate).quantize(CENT, rounding=ROUND_HALF_UP)))
    return bands


def commission(amount, tiers: Sequence[Tier], method: str = "marginal", quota=None, cap=None) -> Decimal:
    total = sum((b.commission for b in breakdown(amount, tiers, method, quota)), Decimal("0.00"))
    if cap is not None:
        cap = to_decimal(cap)
        if cap < 0:
            raise InputError("cap", "cap must be zero or more", value=float(cap))
        total = min(total, cap.quantize(CENT, rounding=ROUND_HALF_UP))
    return total


def draw_schedule(earned: Sequence, draw, recoverable: bool = True) -> list[tuple[Decimal, Decimal]]:
    """Per period: (paid, owed balance after). Paid never falls below the draw."""
    draw = to_decimal(draw).quantize(CENT, rounding=ROUND_HALF_UP)
    if draw < 0:
        raise InputError("draw", "draw must be zero or more", value=float(draw))
    owed = Decimal("0.00")
    out = []
    for e in earned:
        e = to_decimal(e).quantize(CENT, rounding=ROUND_HALF_UP)
        if e >= draw:
            recovered = min(owed, e - draw) if recoverable else Decimal(0)
            paid, owed = e - recovered, owed - recovered
        else:
            paid = draw
            if recoverable:
                owed += draw - e
        out.append((paid, owed))
    return out


# --- batch engine -----------------------------------------------------------------------

@dataclass
class CommissionInputs:
    reps: pd.DataFrame            # rep_id, team, plan_id, hire_date
    orders: pd.DataFrame          # order_id, order_date, rep_id, customer_id, product, quantity, amount, status, original_order_id
    credits: pd.DataFrame         # order_id, rep_id, share
    plans: pd.DataFrame           # the Plans sheet
    spiffs: pd.DataFrame          # the Spiffs sheet
    quotas: pd.DataFrame          # rep_id, period, quota_cents


@dataclass
class ClosedBooks:
    """What was stated for closed months: their lines and summaries as issued."""
    lines: pd.DataFrame
    summary: pd.DataFrame

    @property
    def periods(self) -> set[str]:
        return set(self.summary["period"]) if len(self.summary) else set()


@dataclass
class CommissionResult:
    lines: pd.DataFrame
    summary: pd.DataFrame
    problems: list[tuple[str, str]] = field(default_factory=list)   # (rep_id, message)


LINE_COLUMNS = ["period", "rep_id", "kind", "order_id", "order_date", "product", "customer_id", "source_order_id",
                "source_period", "credit_share", "order_cents", "credited_cents", "tier", "rate_micro",
                "commission_cents", "note"]


ORDER_COLUMNS = ["order_id", "order_date", "rep_id", "customer_id", "product", "quantity", "amount", "status",
                 "original_order_id"]


def _objects(column: pd.Series, at: np.ndarray) -> pd.Series:
    """column[at] as an object Series (no costly inference of a string dtype for ids)."""
    return pd.Series(column.to_numpy()[at], dtype=object)


def _plan_versions(plans: pd.DataFrame):
    """Versions (plan_id, effective_from) with padded band arrays."""
    plans = plans.sort_values(["plan_id", "effective_from", "lower"]).reset_index(drop=True)
    versions = plans.drop_duplicates(["plan_id", "effective_from"])[
        ["plan_id", "effective_from", "method", "basis", "cap", "gate", "draw", "draw_recoverable", "clawback_days"]
    ].reset_index(drop=True)
    versions["version"] = np.arange(len(versions))
    plans = plans.merge(versions[["plan_id", "effective_from", "version"]], on=["plan_id", "effective_from"])
    nb = int(plans.groupby("version").size().max()) if len(plans) else 1
    lower = np.full((len(versions), nb), BIG, dtype=np.int64)
    upper = np.full((len(versions), nb), BIG, dtype=np.int64)
    rate = np.zeros((len(versions), nb), dtype=np.int64)
    pos = plans.groupby("version").cumcount().to_numpy()
    v = plans["version"].to_numpy()
    lower[v, pos] = micro_of(plans["lower"].to_numpy())
    upper[v, pos] = np.where(plans["upper"].isna(), BIG, micro_of(plans["upper"].fillna(0).to_numpy()))
    rate[v, pos] = micro_of(plans["rate"].to_numpy())
    return versions, lower, upper, rate


def _version_on(frame: pd.DataFrame, date_col: str, versions: pd.DataFrame) -> pd.Series:
    left = frame[["plan_id", date_col]].reset_index()
    left[date_col] = left[date_col].astype("datetime64[ns]")
    left["plan_id"] = left["plan_id"].astype(object)
    left = left.dropna(subset=[date_col]).sort_values(date_col)
    right = versions[["plan_id", "effective_from", "version"]].copy()
    right["effective_from"] = right["effective_from"].astype("datetime64[ns]")
    right["plan_id"] = right["plan_id"].astype(object)
    right = right.sort_values("effective_from")
    merged = pd.merge_asof(left, right, left_on=date_col, right_on="effective_from", by="plan_id", direction="backward")
    return merged.set_index("index")["version"].reindex(frame.index)


def _split_credit(signed: np.ndarray, share: np.ndarray, order_id: pd.Series) -> np.ndarray:
    """Credited cents per credit row (order cents, share in millionths, the order); within an
    order, the parts sum to round(amount x total share).

    Each part gets the floor of its exact share; the cents left over go one each to the
    parts with the largest remainders (ties: the later row)."""
    a = np.abs(signed)
    num = a * share
    floor, rem = num // MICRO, num % MICRO
    grp, _ = pd.factorize(order_id, use_na_sentinel=False)
    n = int(grp.max()) + 1 if len(grp) else 0
    pos = np.arange(len(grp))
    order = np.lexsort((-pos, -rem, grp))
    starts = np.searchsorted(grp[order], np.arange(n))
    total_share = np.add.reduceat(share[order], starts)[grp] if n else share   # exact int64 sums
    floor_sum = np.add.reduceat(floor[order], starts)[grp] if n else floor
    missing = rhu_div(a * total_share, MICRO) - floor_sum
    rank = np.empty(len(grp), dtype=np.int64)
    rank[order] = pos - starts[grp[order]]
    return np.sign(signed) * (floor + (rank < missing))


def compute(inputs: CommissionInputs, through: str, closed: ClosedBooks | None = None) -> CommissionResult:
    """Every rep's commission for every month up to ``through`` (YYYY-MM), in named steps:
    credit splits, plan versions, the rep-month grid, tiers, gate and cap, clawbacks, SPIFFs,
    adjustments to closed months, draws."""
    problems: list[tuple[str, str]] = []
    versions, lower_m, upper_m, rate_m = _plan_versions(inputs.plans)
    orders = _orders_through(inputs.orders, through)
    lines = _credit_lines(orders, inputs.credits)
    lines, bad_reps = _line_versions(lines, inputs.reps, versions, problems)
    grid = _month_grid(inputs.reps, inputs.quotas, versions, _periods(orders, through), lines, bad_reps, problems)
    lines = lines[~lines["rep_id"].isin(bad_reps)]

    sales, sale_lines, month = _tiered_sales(lines[(lines["status"] == "booked").to_numpy()], grid, versions,
                                             (lower_m, upper_m, rate_m))
    grid = grid.merge(month, on=["rep_id", "period"], how="left")
    grid[["sales_cents", "commission_cents"]] = grid[["sales_cents", "commission_cents"]].fillna(0).astype(np.int64)
    below_gate = _gate_and_cap(grid)
    claw_lines = _clawbacks(lines[(lines["status"] == "returned").to_numpy()], sales, sale_lines,
                            grid.loc[below_gate, ["rep_id", "period"]], versions)
    spiff_lines = _spiffs(inputs.spiffs, grid, sales)
    grid = grid.merge(_per_month(claw_lines, "clawback_cents"), on=["rep_id", "period"], how="left")
    grid = grid.merge(_per_month(spiff_lines, "spiff_cents"), on=["rep_id", "period"], how="left")
    all_lines = pd.concat([sale_lines, claw_lines, spiff_lines, *_gate_and_cap_lines(grid)], ignore_index=True)
    all_lines = _adjust_closed_months(all_lines, grid, closed, through)

    for col in ("clawback_cents", "spiff_cents", "adjustment_cents"):
        grid[col] = grid[col].fillna(0).astype(np.int64)
    grid["earned_cents"] = grid[["commission_cents", "gate_cents", "cap_cents", "clawback_cents", "spiff_cents",
                                 "adjustment_cents"]].sum(axis=1).astype(np.int64)
    grid = _draws(grid, closed)
    summary = grid.drop(columns=["month_end", "version", "method", "basis", "cap", "gate", "draw", "draw_recoverable",
                                 "clawback_days"]).reset_index(drop=True)
    return CommissionResult(_in_statement_order(all_lines), summary, problems)


def _orders_through(src: pd.DataFrame, through: str) -> pd.DataFrame:
    """Booked and returned order lines dated up to the end of ``through``, in cents."""
    month = src["order_date"].to_numpy(dtype="datetime64[ns]").astype("datetime64[M]")
    keep = src["status"].isin(["booked", "returned"]).to_numpy() & (month <= np.datetime64(through, "M"))
    orders = src.loc[keep, ORDER_COLUMNS].reset_index(drop=True)
    orders["period"] = month_labels(orders["order_date"])
    orders["order_cents"] = cents_of(orders.pop("amount").to_numpy())
    return orders


def _credit_lines(orders: pd.DataFrame, credits: pd.DataFrame) -> pd.DataFrame:
    """One line per credited rep and order: an order is credited 100% to its rep unless listed
    in the credit splits, then one line per credited rep in the splits' order (only those few
    orders go through the merge). A return follows its original's split unless it has its own."""
    credits = credits[["order_id", "rep_id", "share"]]
    credited_ids = credits["order_id"].unique()
    use_original = (orders["status"] == "returned") & ~orders["order_id"].isin(credited_ids) & \
        orders["original_order_id"].isin(credited_ids)
    credit_key = orders["order_id"].where(~use_original, orders["original_order_id"])
    split = np.flatnonzero(credit_key.isin(credited_ids).to_numpy())
    parts = pd.DataFrame({"credit_key": credit_key.to_numpy()[split], "position": split}).merge(
        credits.rename(columns={"order_id": "credit_key"}), on="credit_key", how="left")
    counts = np.ones(len(orders), dtype=np.int64)
    counts[split] = np.bincount(parts["position"].to_numpy(), minlength=len(orders))[split]
    rows = np.repeat(np.arange(len(orders)), counts)
    lines = orders.take(rows).reset_index(drop=True)
    is_part = np.zeros(len(orders), dtype=bool)
    is_part[split] = True
    is_part = is_part[rows]
    rep_id = lines["rep_id"].to_numpy().copy()
    rep_id[is_part] = parts["rep_id"].to_numpy()
    share = np.ones(len(lines))
    share[is_part] = parts["share"].to_numpy()
    lines["rep_id"] = pd.Series(rep_id, dtype=object)
    lines["share"] = share
    lines["credited_cents"] = _split_credit(lines["order_cents"].to_numpy(), micro_of(share), lines["order_id"])
    return lines


def _line_versions(lines: pd.DataFrame, reps: pd.DataFrame, versions: pd.DataFrame, problems) -> tuple[pd.DataFrame, set]:
    """The plan version in force on each line's order date; reps with a line outside every
    version are named in ``problems`` and returned to be left out. Lines credited to a rep
    not in ``reps`` (a rep without a plan earns no commission) are dropped."""
    at = pd.Index(reps["rep_id"]).get_indexer(lines["rep_id"])
    if (at < 0).any():
        lines, at = lines[at >= 0].reset_index(drop=True), at[at >= 0]
    plan_id = pd.Series(np.where(at >= 0, reps["plan_id"].to_numpy()[at], None), dtype=object)
    lines["version"] = _version_on(pd.DataFrame({"plan_id": plan_id, "order_date": lines["order_date"]}),
                                   "order_date", versions)
    no_plan = lines["version"].isna()
    for rep, day in lines.loc[no_plan, ["rep_id", "order_date"]].drop_duplicates("rep_id").itertuples(index=False):
        problems.append((rep, f"no commission plan version in force on {day:%Y-%m-%d}; the rep's lines were left out"))
    return lines, set(lines.loc[no_plan, "rep_id"])


def _periods(orders: pd.DataFrame, through: str) -> list[str]:
    """Months from the first month with sales data to ``through``: no draws or pay lines
    before the data starts."""
    periods = sorted(p for p in orders["period"].unique() if p is not None and p <= through) or [through]
    return list(pd.period_range(periods[0], through, freq="M").strftime("%Y-%m"))


def _month_grid(reps: pd.DataFrame, quotas: pd.DataFrame, versions: pd.DataFrame, periods: list[str],
                lines: pd.DataFrame, bad_reps: set, problems) -> pd.DataFrame:
    """One row per rep and month from hire, with the quota and the plan version in force on the
    month's last day. A rep whose plan needs a quota that Targets lacks is named in ``problems``
    and added to ``bad_reps``; those reps' rows are left out."""
    reps = reps[["rep_id", "team", "plan_id", "hire_date"]]
    grid = pd.MultiIndex.from_product([reps["rep_id"], periods], names=["rep_id", "period"]).to_frame(index=False)
    grid = grid.merge(reps, on="rep_id")
    grid["month_end"] = pd.to_datetime(grid["period"]) + pd.offsets.MonthEnd(0)
    grid = grid[grid["hire_date"].isna() | (grid["hire_date"] <= grid["month_end"])]
    grid = grid.merge(quotas, on=["rep_id", "period"], how="left")
    grid["version"] = _version_on(grid, "month_end", versions)
    grid = grid.merge(versions.drop(columns=["plan_id", "effective_from"]), on="version", how="left")
    need_quota = (grid["basis"] == "attainment") | grid["gate"].notna()
    missing_quota = need_quota & grid["quota_cents"].isna() & grid["period"].isin(lines["period"].unique())
    for rep, period in grid.loc[missing_quota, ["rep_id", "period"]].drop_duplicates("rep_id").itertuples(index=False):
        problems.append((rep, f"no target for {period[:4]} in Targets, needed by the plan's attainment tiers or gate; "
                              "the rep was left out"))
    bad_reps.update(grid.loc[missing_quota, "rep_id"])
    grid = grid[~grid["rep_id"].isin(bad_reps) & grid["version"].notna()].reset_index(drop=True)
    grid["version"] = grid["version"].astype(int)
    return grid


def _tiered_sales(booked: pd.DataFrame, grid: pd.DataFrame, versions: pd.DataFrame, bands):
    """Sale lines tier by tier. Returns the sales in statement order, their lines (a sale that
    crosses a bound under a marginal plan is two lines) and each rep-month's sales and commission."""
    lower_m, upper_m, rate_m = bands
    # in rep, month, order-date, order-id order: one stable sort on integer keys
    rep_code, rep_names = pd.factorize(booked["rep_id"], sort=True)
    per_code, per_names = pd.factorize(booked["period"], sort=True)
    by = np.lexsort((booked["order_id"].to_numpy().astype(str), booked["order_date"].to_numpy().view(np.int64),
                     per_code, rep_code))
    sales = booked.take(by).reset_index(drop=True)
    rep_code, per_code = rep_code[by], per_code[by]
    # a rep's month is a run of consecutive rows
    new_month = np.r_[True, (rep_code[1:] != rep_code[:-1]) | (per_code[1:] != per_code[:-1])] if len(by) else \
        np.zeros(0, dtype=bool)
    starts = np.flatnonzero(new_month)
    month_of = np.cumsum(new_month) - 1
    quota_at = pd.MultiIndex.from_arrays([grid["rep_id"], grid["period"]]).get_indexer(
        pd.MultiIndex.from_arrays([rep_names[rep_code[starts]], per_names[per_code[starts]]]))
    month_quota = np.where(quota_at >= 0, grid["quota_cents"].to_numpy()[quota_at], np.nan)
    sales["quota_cents"] = month_quota[month_of]
    v = sales["version"].astype(int).to_numpy()
    credited = sales["credited_cents"].to_numpy()
    month_sales = np.add.reduceat(credited, starts) if len(starts) else np.zeros(0, dtype=np.int64)
    parts = _tier_parts(credited, starts, month_of, month_sales,
                        (versions["basis"].to_numpy()[v] == "attainment"),
                        (versions["method"].to_numpy()[v] == "retroactive"),
                        sales["quota_cents"].fillna(0).to_numpy().astype(np.int64), lower_m[v], upper_m[v])
    rates = rate_m[v]
    row_i, band_i = np.nonzero(parts)
    no_part = np.flatnonzero(~parts.any(axis=1))
    row_i = np.concatenate([row_i, no_part])
    band_i = np.concatenate([band_i, np.full(len(no_part), -1)])
    in_order = np.lexsort((band_i, row_i))          # each sale's parts, tier by tier, in sales order
    row_i, band_i = row_i[in_order], band_i[in_order]
    part = np.where(band_i >= 0, parts[row_i, np.maximum(band_i, 0)], credited[row_i])
    rate = np.where(band_i >= 0, rates[row_i, np.maximum(band_i, 0)], 0)
    commission = apply_rate(part, rate)
    sale_lines = pd.DataFrame({
        "period": _objects(sales["period"], row_i), "rep_id": _objects(sales["rep_id"], row_i), "kind": "sale",
        "order_id": _objects(sales["order_id"], row_i), "order_date": sales["order_date"].to_numpy()[row_i],
        "product": _objects(sales["product"], row_i), "customer_id": _objects(sales["customer_id"], row_i),
        "source_order_id": None, "source_period": None, "credit_share": sales["share"].to_numpy()[row_i],
        "order_cents": sales["order_cents"].to_numpy()[row_i], "credited_cents": part,
        "tier": band_i + 1, "rate_micro": rate, "commission_cents": commission,
        "note": pd.Series(np.where(band_i >= 0, "", "below the first tier"), dtype=object),
    })
    line_month = month_of[row_i]
    month_commission = np.add.reduceat(commission, np.searchsorted(line_month, np.arange(len(starts)))) \
        if len(starts) else np.zeros(0, dtype=np.int64)
    month = pd.DataFrame({"rep_id": pd.Series(rep_names[rep_code[starts]], dtype=object),
                          "period": pd.Series(per_names[per_code[starts]], dtype=object),
                          "sales_cents": month_sales, "commission_cents": month_commission})
    return sales, sale_lines, month


def _tier_parts(credited, starts, month_of, month_sales, basis_att, retro, quota, lo_m, hi_m) -> np.ndarray:
    """Each sale's credited cents inside each tier (rows: sales, columns: tiers). Marginal: the
    part of the month-to-date running total inside the tier; retroactive: the whole sale in the
    tier the month's total reaches. Attainment bounds are shares of the month's quota."""
    scale = np.where(basis_att, quota, 100)[:, None]
    lo = np.where(lo_m >= BIG, BIG, rhu_div(np.minimum(lo_m, BIG // 1024) * scale, MICRO))
    hi = np.where(hi_m >= BIG, BIG, rhu_div(np.minimum(hi_m, BIG // 1024) * scale, MICRO))
    running = np.cumsum(credited)
    after = running - (running[starts] - credited[starts])[month_of]   # month-to-date, this line included
    before = after - credited
    month_total = month_sales[month_of]
    part_marg = np.clip(after[:, None], lo, hi) - np.clip(before[:, None], lo, hi)
    reached = (month_total[:, None] >= lo) & (month_total[:, None] < hi)
    part_retro = np.where(reached, credited[:, None], 0)
    return np.where(retro[:, None], part_retro, part_marg)


def _gate_and_cap(grid: pd.DataFrame) -> np.ndarray:
    """Attainment, and the gate and cap reversals of each rep-month (columns added to ``grid``);
    returns which rep-months are below their gate."""
    q = grid["quota_cents"]
    grid["attainment"] = np.where(q > 0, grid["sales_cents"] / q.where(q > 0, 1), np.nan)
    gate_micro = micro_of(grid["gate"].fillna(0).to_numpy())
    below_gate = grid["gate"].notna().to_numpy() & (
        q.isna().to_numpy() | (grid["sales_cents"].to_numpy() * MICRO < gate_micro * q.fillna(0).to_numpy().astype(np.int64)))
    grid["gate_cents"] = np.where(below_gate, -grid["commission_cents"], 0).astype(np.int64)
    after_gate = grid["commission_cents"] + grid["gate_cents"]
    cap_cents = cents_of(grid["cap"].fillna(0).to_numpy())
    grid["cap_cents"] = np.where(grid["cap"].notna() & (after_gate > cap_cents), cap_cents - after_gate, 0).astype(np.int64)
    return below_gate


def _clawbacks(returns: pd.DataFrame, sales: pd.DataFrame, sale_lines: pd.DataFrame, gated: pd.DataFrame,
               versions: pd.DataFrame) -> pd.DataFrame:
    """A clawback line per credited return line: the commission paid on the original (after
    gate) per credited cent, applied to the returned amount, when the return falls within the
    window of the version in force on the original's date."""
    returned = returns["original_order_id"].unique()        # only the originals of returns are looked up
    originals = sale_lines.loc[sale_lines["order_id"].isin(returned).to_numpy(),
                               ["order_id", "rep_id", "period", "commission_cents", "credited_cents"]]
    paid_orig = originals.groupby(["order_id", "rep_id", "period"], as_index=False).agg(
        orig_commission=("commission_cents", "sum"), orig_credited=("credited_cents", "sum"))
    paid_orig = paid_orig.merge(gated.assign(gated=True), on=["rep_id", "period"], how="left")
    paid_orig["orig_paid"] = np.where(paid_orig["gated"].fillna(False).astype(bool), 0, paid_orig["orig_commission"])
    orig_info = sales.loc[sales["order_id"].isin(returned).to_numpy(), ["order_id", "rep_id", "order_date", "version"]] \
        .drop_duplicates(["order_id", "rep_id"])
    returns = returns.merge(
        paid_orig.rename(columns={"order_id": "original_order_id", "period": "orig_period"}),
        on=["original_order_id", "rep_id"], how="left").merge(
        orig_info.rename(columns={"order_id": "original_order_id", "order_date": "orig_date", "version": "orig_version"}),
        on=["original_order_id", "rep_id"], how="left")
    found = returns["orig_credited"].notna() & (returns["orig_credited"] != 0)
    ov = returns["orig_version"].fillna(0).astype(int).to_numpy()
    window = pd.Series(versions["clawback_days"].to_numpy()[ov] if len(versions) else np.array([]),
                       index=returns.index, dtype=float)
    days = (returns["order_date"] - returns["orig_date"]).dt.days
    in_window = found & window.notna() & (days <= window)
    eff_rate = np.where(found, rhu_div(returns["orig_paid"].fillna(0).to_numpy().astype(np.int64) * MICRO,
                                       np.abs(returns["orig_credited"].fillna(1).to_numpy().astype(np.int64))), 0)
    eff_rate = np.where(in_window, eff_rate, 0)
    note = np.where(~found, "original order not found among credited sales; nothing to claw back",
                    np.where(in_window, "returned within " + window.fillna(0).astype(int).astype(str) + " days of the order",
                             "returned after the clawback window; nothing clawed back"))
    return pd.DataFrame({
        "period": returns["period"], "rep_id": returns["rep_id"], "kind": "clawback", "order_id": returns["order_id"],
        "order_date": returns["order_date"], "product": returns["product"], "customer_id": returns["customer_id"],
        "source_order_id": returns["original_order_id"], "source_period": returns["orig_period"],
        "credit_share": returns["share"], "order_cents": returns["order_cents"],
        "credited_cents": returns["credited_cents"], "tier": 0, "rate_micro": eff_rate,
        "commission_cents": apply_rate(returns["credited_cents"].to_numpy(), eff_rate), "note": note,
    })


def _per_month(lines: pd.DataFrame, name: str) -> pd.DataFrame:
    """The lines' commission summed per rep and month, as column ``name``."""
    if not len(lines):
        return pd.DataFrame(columns=["rep_id", "period", name])
    return lines.groupby(["rep_id", "period"])["commission_cents"].sum().rename(name).reset_index()


def _gate_and_cap_lines(grid: pd.DataFrame) -> list[pd.DataFrame]:
    out = []
    for kind, col, text in (("gate", "gate_cents", "attainment below the plan's gate; sales commission reversed"),
                            ("cap", "cap_cents", "commission above the plan's monthly cap reversed")):
        sel = grid[grid[col] != 0]
        out.append(pd.DataFrame({"period": sel["period"], "rep_id": sel["rep_id"], "kind": kind,
                                 "commission_cents": sel[col], "note": text}))
    return out


def _adjust_closed_months(all_lines: pd.DataFrame, grid: pd.DataFrame, closed: ClosedBooks | None,
                          through: str) -> pd.DataFrame:
    """Closed months keep their lines as issued; differences found now become adjustment lines
    in ``through`` (and the grid's adjustment_cents)."""
    grid["adjustment_cents"] = 0
    if closed is None or not len(closed.summary):
        return all_lines
    adjust = _adjustments(all_lines, closed, through)
    if not len(adjust):
        return all_lines
    all_lines = all_lines[~all_lines["period"].isin(closed.periods) | (all_lines["period"] == through)]
    all_lines = pd.concat([all_lines, adjust], ignore_index=True)
    a = adjust.groupby("rep_id")["commission_cents"].sum()
    is_now = grid["period"] == through
    grid.loc[is_now, "adjustment_cents"] = grid.loc[is_now, "rep_id"].map(a).fillna(0).astype(np.int64)
    return all_lines


def _in_statement_order(all_lines: pd.DataFrame) -> pd.DataFrame:
    """The line columns, by month, then rep (stable within)."""
    for col in LINE_COLUMNS:
        if col not in all_lines.columns:
            all_lines[col] = None
    by = np.lexsort((pd.factorize(all_lines["rep_id"], sort=True)[0], pd.factorize(all_lines["period"], sort=True)[0]))
    all_lines = all_lines[LINE_COLUMNS].take(by).reset_index(drop=True)
    all_lines["tier"] = all_lines["tier"].fillna(0).astype(int)
    all_lines["rate_micro"] = all_lines["rate_micro"].fillna(0).astype(np.int64)
    return all_lines


def _spiffs(spiffs: pd.DataFrame, grid: pd.DataFrame, sales: pd.DataFrame) -> pd.DataFrame:
    out = []
    if spiffs is None or not len(spiffs):
        return pd.DataFrame(columns=LINE_COLUMNS)
    for s in spiffs.itertuples(index=False):
        start = s.effective_from if pd.notna(s.effective_from) else pd.Timestamp.min
        end = s.effective_to if pd.notna(s.effective_to) else pd.Timestamp.max
        month_start = pd.to_datetime(grid["period"])
        live = grid[(grid["month_end"] >= start) & (month_start <= end)]
        amount = int(cents_of([s.amount])[0])
        if s.rule == "champion":
            best = champions(live.assign(sales=live["sales_cents"]), ["team", "period"])   # on credited sales
            out.append(pd.DataFrame({"period": best["period"], "rep_id": best["rep_id"], "kind": "spiff",
                                     "order_id": None, "rate_micro": 0, "commission_cents": amount,
                                     "note": s.spiff + ": highest attainment in team " + best["team"].astype(str)
                                     + " (" + (best["attainment"] * 100).round(1).astype(str) + "%)"}))
        elif s.rule == "product":
            sel = sales[(sales["product"] == s.product) & (sales["order_date"] >= start) & (sales["order_date"] <= end)]
            units = micro_of((sel["quantity"] * sel["share"]).to_numpy())
            per = pd.DataFrame({"rep_id": sel["rep_id"], "period": sel["period"], "units_micro": units})
            per = per.merge(live[["rep_id", "period"]], on=["rep_id", "period"])
            per = per.groupby(["rep_id", "period"], as_index=False)["units_micro"].sum()
            out.append(pd.DataFrame({"period": per["period"], "rep_id": per["rep_id"], "kind": "spiff",
                                     # units are no money: credited_cents stays blank; the note says the units
                                     "product": s.product, "rate_micro": 0,
                                     "commission_cents": rhu_div(per["units_micro"].to_numpy() * amount, MICRO),
                                     "note": f"{s.spiff}: {s.amount:.2f} per unit of {s.product}, units "
                                             + (per["units_micro"] / MICRO).round(2).astype(str)}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(columns=LINE_COLUMNS)


def _adjustments(lines: pd.DataFrame, closed: ClosedBooks, current: str) -> pd.DataFrame:
    """Differences between closed months as recomputed now and as they were issued."""
    keys = ["period", "rep_id", "kind", "order_id"]
    now = lines[lines["period"].isin(closed.periods) & (lines["period"] != current)].copy()
    was = closed.lines.copy()
    for f in (now, was):
        f["order_id"] = f["order_id"].fillna("")
    now_sum = now.groupby(keys, as_index=False)["commission_cents"].sum()
    was_sum = was.groupby(keys, as_index=False)["commission_cents"].sum()
    both = now_sum.merge(was_sum, on=keys, how="outer", suffixes=("_now", "_was")).fillna(
        {"commission_cents_now": 0, "commission_cents_was": 0})
    both["diff"] = (both["commission_cents_now"] - both["commission_cents_was"]).astype(np.int64)
    both = both[both["diff"] != 0]
    return pd.DataFrame({
        "period": current, "rep_id": both["rep_id"], "kind": "adjustment",
        "order_id": both["order_id"].replace("", None), "source_order_id": both["order_id"].replace("", None),
        "source_period": both["period"], "commission_cents": both["diff"],
        "note": "late change to closed " + both["period"] + " (" + both["kind"] + "): was "
                + (both["commission_cents_was"] / 100).map("{:.2f}".format) + ", now "
                + (both["commission_cents_now"] / 100).map("{:.2f}".format),
    })


def _draws(grid: pd.DataFrame, closed: ClosedBooks | None) -> pd.DataFrame:
    grid = grid.sort_values(["period", "rep_id"]).reset_index(drop=True)
    draw = cents_of(grid["draw"].fillna(0).to_numpy())
    recoverable = grid["draw_recoverable"].fillna(False).astype(bool).to_numpy()
    earned = grid["earned_cents"].to_numpy()
    frozen = {}
    if closed is not None and len(closed.summary):
        frozen = closed.summary.set_index(["period", "rep_id"])[["earned_cents", "paid_cents", "owed_after_cents"]]
    owed: dict[str, int] = {}
    recovered = np.zeros(len(grid), dtype=np.int64)
    topup = np.zeros(len(grid), dtype=np.int64)
    owed_after = np.zeros(len(grid), dtype=np.int64)
    paid = np.zeros(len(grid), dtype=np.int64)
    periods = grid["period"].to_numpy()
    reps = grid["rep_id"].to_numpy()
    for period in dict.fromkeys(periods):
        idx = np.flatnonzero(periods == period)
        before = np.array([owed.get(r, 0) for r in reps[idx]], dtype=np.int64)
        e, d, rec = earned[idx], draw[idx], recoverable[idx]
        excess = e - d
        r = np.where(rec & (excess > 0), np.minimum(before, excess), 0)
        t = np.where(excess < 0, -excess, 0) * (d > 0)
        p = e - r + t
        after = before - r + np.where(rec, t, 0)
        if len(frozen) and period in set(frozen.index.get_level_values(0)):
            f = frozen.loc[period].reindex(reps[idx])
            has = f["paid_cents"].notna().to_numpy()
            p = np.where(has, f["paid_cents"].fillna(0).to_numpy().astype(np.int64), p)
            after = np.where(has, f["owed_after_cents"].fillna(0).to_numpy().astype(np.int64), after)
        recovered[idx], topup[idx], paid[idx], owed_after[idx] = r, t, p, after
        owed.update(zip(reps[idx], after.tolist()))
    grid["draw_cents"] = draw
    grid["recovered_cents"] = recovered
    grid["draw_topup_cents"] = topup
    grid["paid_cents"] = paid
    grid["owed_after_cents"] = owed_after
    return grid
