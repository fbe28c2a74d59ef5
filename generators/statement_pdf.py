"""Commission statements and the finance summary as PDFs, typeset from the statement model
(``templates/statement.typ``). The figures are the engine's stated cents, the same ones the
statement workbook caches in its formulas; the totals are the engine's, which are the sums of
the stated lines."""
from __future__ import annotations

import pandas as pd

from addin.engine.money import MICRO
from workbooks.i18n import Language

from .report_pdf import page_frame, table
from .statement_model import Statement
from .statements import HEADING_LABELS, KIND_LABEL, LINE_HEADERS, SUMMARY_COLUMNS, TOTAL_LABELS
from .typeset import typeset

# A4 landscape (fr): headers wrap onto two lines; the note takes what the figures leave, and wraps
LINE_WIDTHS = [6, 6, 6, 10, 6, 6, 5, 4.5, 6.5, 6.5, 3.5, 4.5, 6.5, 18.5]
LINE_ALIGN = "llllllrrrrrrrl"


def _money(t: Language, cents: int | None) -> str:
    return "" if cents is None else t.money(cents / 100)


def _frame(t: Language, title: str, header_left: str, period: str) -> dict:
    return page_frame(t, title, header_left, period) | {"landscape": True}


def statement_content(st: Statement, t: Language) -> dict:
    """Everything a statement's PDF shows: who, quota and credited sales, every line with why,
    the totals by kind, the draw and the amount to pay."""
    d = _frame(t, t("Commission statement, {month}", month=t.month(st.period)), f"{st.name} ({st.rep_id})", st.period)
    d["kind"] = "statement"
    d["facts"] = [[t(HEADING_LABELS[0]), f"{st.name} ({st.rep_id})"], [t(HEADING_LABELS[1]), st.team],
                  [t(HEADING_LABELS[2]), st.plan_id], [t("Quota"), _money(t, st.quota_cents)],
                  [t("Credited sales"), _money(t, st.sales_cents)], [t("Attainment"), t.pct(st.attainment)]]
    d["lines"] = table([t(h) for h in LINE_HEADERS], [_line(x, t) for x in st.lines], LINE_ALIGN, widths=LINE_WIDTHS)
    totals = [(TOTAL_LABELS[0], st.commission_cents), (TOTAL_LABELS[1], st.gate_cents + st.cap_cents),
              (TOTAL_LABELS[2], st.clawback_cents), (TOTAL_LABELS[3], st.spiff_cents),
              (TOTAL_LABELS[4], st.adjustment_cents)]
    d["totals"] = [[t(label), _money(t, cents)] for label, cents in totals]
    d["earned"] = [t(TOTAL_LABELS[5]), _money(t, st.earned_cents)]
    d["draw"] = [[t("Draw top-up"), _money(t, st.draw_topup_cents)],
                 [t("Draw recovered"), _money(t, -st.recovered_cents)]]
    d["pay"] = [t("Total to pay"), _money(t, st.paid_cents)]
    d["after"] = [[t("Draw balance owed after this month"), _money(t, st.owed_after_cents)]] + \
        ([[t("Monthly draw"), _money(t, st.draw_cents)]] if st.draw_cents else [])
    return d


def _line(x, t: Language) -> list[str]:
    rated = x.kind in ("sale", "clawback")
    return [t(KIND_LABEL.get(x.kind, x.kind)), x.order_id or "", x.date or "", x.product or "", x.customer_id or "",
            x.source_order_id or "", x.source_period or "",
            t.pct(x.credit_share, 1) if rated and x.credit_share is not None else "",
            _money(t, x.order_cents) if rated else "", _money(t, x.credited_cents) if rated else "",
            str(x.tier) if x.tier else "", _rate(x.rate_micro, t) if rated else "",
            _money(t, x.commission_cents), t.term(x.note) if x.note else ""]


def _rate(rate_micro: int | None, t: Language) -> str:
    """A rate as the statement workbook shows it: 4.5%, 3.125% (every digit it has, at least two)."""
    if rate_micro is None:
        return ""
    text = f"{rate_micro / MICRO * 100:.4f}".rstrip("0")
    if len(text.partition(".")[2]) < 2:
        text = f"{rate_micro / MICRO * 100:.2f}"
    return t.num(float(text), len(text.partition(".")[2])) + "%"


def statement_pdf(st: Statement, t: Language) -> bytes:
    return typeset("statement.typ", statement_content(st, t))


def finance_content(summary: pd.DataFrame, period: str, left_out: list[str], t: Language) -> dict:
    """The month's commissions per rep (the finance summary workbook's table), with totals."""
    d = _frame(t, t("Commissions for {month}", month=t.month(period)), t("Commissions for {month}", month=t.month(period)),
               period)
    d["kind"] = "finance"
    rows = summary.sort_values(["team", "rep_id"]).reset_index(drop=True)
    body = []
    for rec in rows.to_dict("records"):
        body.append([_finance_cell(rec.get(key), key, t) for key, _ in SUMMARY_COLUMNS])
    total = [t("Total")] + ["" for _ in SUMMARY_COLUMNS[1:]]
    for j, (key, _) in enumerate(SUMMARY_COLUMNS):
        if key.endswith("_cents"):
            total[j] = _money(t, int(rows[key].fillna(0).sum()))
    d["table"] = table([t(label) for _, label in SUMMARY_COLUMNS], body, "l" * 4 + "r" * (len(SUMMARY_COLUMNS) - 4),
                       widths=[4, 7, 4, 4] + [5] * (len(SUMMARY_COLUMNS) - 4), total=total)
    d["notes"] = [t("Left out of this run (see errors.xlsx): {reps}", reps=", ".join(left_out))] if left_out else []
    return d


def _finance_cell(v, key: str, t: Language) -> str:
    if key.endswith("_cents"):
        return "" if v is None or pd.isna(v) else _money(t, int(v))
    if key == "attainment":
        return "" if v is None or pd.isna(v) else t.pct(float(v))
    return "" if v is None or (isinstance(v, float) and pd.isna(v)) else str(v)


def finance_pdf(summary: pd.DataFrame, period: str, left_out: list[str], t: Language) -> bytes:
    return typeset("statement.typ", finance_content(summary, period, left_out, t))
