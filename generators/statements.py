"""Commission statements (one xlsx per rep, from the statement model) and the finance summary workbook.

Every sale and clawback line's commission is a native formula, ROUND(credited x rate, 2),
with the engine's value cached, so an auditor sees the arithmetic in Excel and the file
shows numbers before any recalculation. Totals are SUM/SUMIF formulas, also cached.
"""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from addin.engine.money import MICRO
from workbooks.files import atomic_path
from workbooks.i18n import Language, language
from workbooks.xlsxout import CellWriter, new_workbook
from workbooks.xlsxstyle import BOLD, BOLD_MONEY, DATE, HEADER, MONEY, PERCENT, TITLE
from workbooks.xlsxscan import column_letters

from .statement_model import Statement, StatementLine

RATE = {"num_format": "0.00####%"}
LINE_HEADERS = ["kind", "order", "date", "product", "customer", "original order", "original month", "credit share",
                "order amount", "credited amount", "tier", "rate", "commission", "note"]
# legible on A4 landscape at about 80%: headers wrap onto two lines, notes wrap in their column
WIDTHS = [10, 11, 12, 17, 10, 11, 9, 8, 12, 12, 5, 8, 12, 38]
KIND_LABEL = {"sale": "sale", "clawback": "clawback", "gate": "gate", "cap": "cap", "spiff": "SPIFF",
              "adjustment": "adjustment"}


def write_statement(path: Path, st: Statement, t: Language = language()) -> None:
    with atomic_path(path) as tmp:
        wb = new_workbook(tmp)
        cw = CellWriter(wb)
        ws = wb.add_worksheet("Statement")
        _page_setup(ws, st, t)
        ws.write_string(0, 0, t("Commission statement, {month}", month=t.month(st.period)), cw.fmt(TITLE))
        _heading(ws, cw, st, t)
        top = 7
        for j, h in enumerate(LINE_HEADERS):
            ws.write_string(top, j, t(h), cw.fmt(dict(HEADER, text_wrap=True, valign="top")))
        ws.set_row(top, 30)
        ws.repeat_rows(top)
        ws.freeze_panes(top + 1, 0)
        r = top
        for line in st.lines:
            r += 1
            _line(ws, cw, r, line, t)
        _totals(ws, cw, st, first=top + 2, last=max(r + 1, top + 2), r=r + 2, t=t)
        wb.close()


def _page_setup(ws, st: Statement, t: Language) -> None:
    for j, w in enumerate(WIDTHS):
        ws.set_column(j, j, w)
    ws.set_landscape()
    ws.fit_to_pages(1, 0)
    ws.set_paper(9)
    ws.set_header(f"&L{_hf(st.name)} ({_hf(st.rep_id)})&C{_hf(t('Commission statement'))}"
                  f"&R{_hf(t.month(st.period))}")
    ws.set_footer("&LSalesDesk&R" + t.page_of_pages())


HEADING_LABELS = ("Rep", "Team", "Plan")
TOTAL_LABELS = ("Sales commission", "Gate and cap", "Clawbacks", "SPIFFs", "Adjustments to closed months", "Earned")


def _heading(ws, cw: CellWriter, st: Statement, t: Language) -> None:
    """Rep, team and plan; quota, credited sales and attainment."""
    info = [(HEADING_LABELS[0], f"{st.name} ({st.rep_id})"), (HEADING_LABELS[1], st.team),
            (HEADING_LABELS[2], st.plan_id)]
    for i, (k, v) in enumerate(info, start=2):
        ws.write_string(i, 0, t(k), cw.fmt(BOLD))
        cw.text(ws, i, 1, str(v))
    ws.write_string(2, 3, t("Quota"), cw.fmt(BOLD))
    if st.quota_cents is not None:
        ws.write_number(2, 4, st.quota_cents / 100, cw.fmt(MONEY))
    ws.write_string(3, 3, t("Credited sales"), cw.fmt(BOLD))
    ws.write_number(3, 4, st.sales_cents / 100, cw.fmt(MONEY))
    ws.write_string(4, 3, t("Attainment"), cw.fmt(BOLD))
    if st.quota_cents:
        ws.write_formula(4, 4, "=IF(E3>0,E4/E3,\"\")", cw.fmt(PERCENT), st.attainment)


def _line(ws, cw: CellWriter, r: int, line: StatementLine, t: Language) -> None:
    """One statement line; a sale's or clawback's commission is a formula on its credited amount and rate."""
    excel_row = r + 1
    cw.text(ws, r, 0, t(KIND_LABEL.get(line.kind, line.kind)))
    for col, value in ((1, line.order_id), (3, line.product), (4, line.customer_id), (5, line.source_order_id),
                       (6, line.source_period)):
        if value:
            cw.text(ws, r, col, value)
    if line.date:
        cw.cell(ws, r, 2, pd.Timestamp(line.date), DATE)
    if line.kind in ("sale", "clawback"):
        ws.write_number(r, 7, float(line.credit_share), cw.fmt(PERCENT))
        ws.write_number(r, 8, line.order_cents / 100, cw.fmt(MONEY))
        ws.write_number(r, 9, line.credited_cents / 100, cw.fmt(MONEY))
        if line.tier:
            ws.write_number(r, 10, int(line.tier))
        ws.write_number(r, 11, line.rate_micro / MICRO, cw.fmt(RATE))
        ws.write_formula(r, 12, f"=ROUND(J{excel_row}*L{excel_row},2)", cw.fmt(MONEY), line.commission_cents / 100)
    else:
        ws.write_number(r, 12, line.commission_cents / 100, cw.fmt(MONEY))
    if line.note:
        cw.text(ws, r, 13, t.term(line.note), {"text_wrap": True, "valign": "top"})


def _totals(ws, cw: CellWriter, st: Statement, first: int, last: int, r: int, t: Language) -> None:
    """The totals by kind as SUMIF formulas (cached with the engine's figures), draws and the amount to pay."""
    def sumif(kind):     # by the kind's label as the lines show it
        label = t(KIND_LABEL[kind]).replace('"', '""')
        return f'SUMIF(A{first}:A{last},"{label}",M{first}:M{last})'

    totals = [(TOTAL_LABELS[0], f"={sumif('sale')}", st.commission_cents),
              (TOTAL_LABELS[1], f"={sumif('gate')}+{sumif('cap')}", st.gate_cents + st.cap_cents),
              (TOTAL_LABELS[2], f"={sumif('clawback')}", st.clawback_cents),
              (TOTAL_LABELS[3], f"={sumif('spiff')}", st.spiff_cents),
              (TOTAL_LABELS[4], f"={sumif('adjustment')}", st.adjustment_cents),
              (TOTAL_LABELS[5], f"=SUM(M{first}:M{last})", st.earned_cents)]
    label_fmt = {"align": "right"}
    for label, formula, cents in totals:
        ws.merge_range(r, 8, r, 11, t(label), cw.fmt(dict(label_fmt, bold=label == "Earned")))
        ws.write_formula(r, 12, formula, cw.fmt(BOLD_MONEY if label == "Earned" else MONEY), cents / 100)
        r += 1
    earned_row = r
    ws.merge_range(r, 8, r, 11, t("Draw top-up"), cw.fmt(label_fmt))
    ws.write_number(r, 12, st.draw_topup_cents / 100, cw.fmt(MONEY))
    ws.merge_range(r + 1, 8, r + 1, 11, t("Draw recovered"), cw.fmt(label_fmt))
    ws.write_number(r + 1, 12, -st.recovered_cents / 100, cw.fmt(MONEY))
    ws.merge_range(r + 2, 8, r + 2, 11, t("Total to pay"), cw.fmt(dict(label_fmt, bold=True)))
    ws.write_formula(r + 2, 12, f"=M{earned_row}+M{r + 1}+M{r + 2}", cw.fmt(BOLD_MONEY), st.paid_cents / 100)
    ws.merge_range(r + 3, 8, r + 3, 11, t("Draw balance owed after this month"), cw.fmt(label_fmt))
    ws.write_number(r + 3, 12, st.owed_after_cents / 100, cw.fmt(MONEY))
    if st.draw_cents:
        ws.merge_range(r + 4, 8, r + 4, 11, t("Monthly draw"), cw.fmt(label_fmt))
        ws.write_number(r + 4, 12, st.draw_cents / 100, cw.fmt(MONEY))


def _hf(text) -> str:
    """Text safe inside an Excel header/footer (& starts a control code)."""
    return str(text).replace("&", "&&")


SUMMARY_COLUMNS = [("rep_id", "rep"), ("name", "name"), ("team", "team"), ("plan_id", "plan"),
                   ("quota_cents", "quota"), ("sales_cents", "credited sales"), ("attainment", "attainment"),
                   ("commission_cents", "sales commission"), ("gate_cents", "gate"), ("cap_cents", "cap"),
                   ("clawback_cents", "clawbacks"), ("spiff_cents", "SPIFFs"), ("adjustment_cents", "adjustments"),
                   ("earned_cents", "earned"), ("draw_topup_cents", "draw top-up"), ("recovered_cents", "draw recovered"),
                   ("paid_cents", "to pay"), ("owed_after_cents", "draw owed after")]


def write_finance_summary(path: Path, summary: pd.DataFrame, period: str, left_out: list[str],
                          t: Language = language()) -> None:
    with atomic_path(path) as tmp:
        wb = new_workbook(tmp)
        cw = CellWriter(wb)
        ws = wb.add_worksheet("Commissions")
        ws.write_string(0, 0, t("Commissions for {month}", month=t.month(period)), cw.fmt(TITLE))
        top = 2
        for j, (_, label) in enumerate(SUMMARY_COLUMNS):
            ws.write_string(top, j, t(label), cw.fmt(HEADER))
            ws.set_column(j, j, 12 if j > 3 else 10 if j != 1 else 22)
        ws.freeze_panes(top + 1, 2)
        rows = summary.sort_values(["team", "rep_id"]).reset_index(drop=True)
        for i, rec in enumerate(rows.to_dict("records")):
            r = top + 1 + i
            for j, (key, _) in enumerate(SUMMARY_COLUMNS):
                v = rec.get(key)
                if key.endswith("_cents"):
                    if v is not None and v == v:
                        ws.write_number(r, j, v / 100, cw.fmt(MONEY))
                elif key == "attainment":
                    if v is not None and v == v:
                        ws.write_number(r, j, float(v), cw.fmt(PERCENT))
                else:
                    cw.cell(ws, r, j, v)
        last = top + len(rows)
        total_row = last + 1
        ws.write_string(total_row, 0, t("Total"), cw.fmt(BOLD))
        for j, (key, _) in enumerate(SUMMARY_COLUMNS):
            if key.endswith("_cents"):
                col = column_letters(j + 1)
                cached = float(rows[key].fillna(0).sum()) / 100
                ws.write_formula(total_row, j, f"=SUM({col}{top + 2}:{col}{last + 1})", cw.fmt(BOLD_MONEY), cached)
        if left_out:
            ws.write_string(total_row + 2, 0, t("Left out of this run (see errors.xlsx): {reps}", reps=", ".join(left_out)))
        wb.close()
