"""A rep's commission statement as a typed, frozen object, in integer cents as the engine
states them (addin.engine.commission): what the statement's workbook and PDF render.
``statement`` builds it from the engine's summary record and lines."""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from addin.engine.kpi import attainment_of


@dataclass(frozen=True)
class StatementLine:
    kind: str                       # sale, clawback, gate, cap, spiff, adjustment
    order_id: str | None
    date: str | None                # ISO
    product: str | None
    customer_id: str | None
    source_order_id: str | None     # the original order of a clawback
    source_period: str | None
    credit_share: float | None
    order_cents: int | None
    credited_cents: int | None
    tier: int | None
    rate_micro: int | None          # the rate in millionths
    commission_cents: int
    note: str | None


@dataclass(frozen=True)
class Statement:
    rep_id: str
    name: str
    team: str
    plan_id: str
    period: str
    quota_cents: int | None
    sales_cents: int
    lines: tuple[StatementLine, ...]
    commission_cents: int
    gate_cents: int
    cap_cents: int
    clawback_cents: int
    spiff_cents: int
    adjustment_cents: int
    earned_cents: int
    draw_topup_cents: int
    recovered_cents: int
    paid_cents: int
    owed_after_cents: int
    draw_cents: int

    @property
    def attainment(self) -> float | None:
        return attainment_of(self.sales_cents, self.quota_cents)


def _text(v) -> str | None:
    return v if isinstance(v, str) and v else None


def _cents(v) -> int | None:
    return None if v is None or pd.isna(v) else int(v)


def statement(rep: dict, summary: dict, lines: pd.DataFrame, period: str) -> Statement:
    """One rep's statement: ``rep`` (rep_id, name, team, plan_id), the engine's summary record
    and the rep's lines of the month."""
    items = tuple(StatementLine(
        kind=x.kind, order_id=_text(x.order_id), product=_text(x.product), customer_id=_text(x.customer_id),
        date=None if pd.isna(x.order_date) else pd.Timestamp(x.order_date).date().isoformat(),
        source_order_id=_text(x.source_order_id), source_period=_text(x.source_period),
        credit_share=None if x.kind not in ("sale", "clawback") else float(x.credit_share),
        order_cents=_cents(x.order_cents) if x.kind in ("sale", "clawback") else None,
        credited_cents=_cents(x.credited_cents) if x.kind in ("sale", "clawback") else None,
        tier=int(x.tier) if x.kind in ("sale", "clawback") and x.tier and not pd.isna(x.tier) else None,
        rate_micro=_cents(x.rate_micro) if x.kind in ("sale", "clawback") else None,
        commission_cents=int(x.commission_cents), note=_text(x.note)) for x in lines.itertuples(index=False))
    money = {k: int(summary[k]) for k in ("sales_cents", "commission_cents", "gate_cents", "cap_cents",
                                          "clawback_cents", "spiff_cents", "adjustment_cents", "earned_cents",
                                          "draw_topup_cents", "recovered_cents", "paid_cents", "owed_after_cents",
                                          "draw_cents")}
    return Statement(rep_id=str(rep["rep_id"]), name=str(rep["name"]), team=str(rep.get("team") or ""),
                     plan_id=str(rep.get("plan_id") or ""), period=period, quota_cents=_cents(summary.get("quota_cents")),
                     lines=items, **money)
