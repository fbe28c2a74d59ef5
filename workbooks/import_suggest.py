"""A first mapping from the sources' headers and rows: each contract column with the source
column that best matches it (English and Chinese names people use), each source's date format
and decimal separator as a sample of rows shows them, every value of a choice column mapped,
the recipes of docs/import.md where a source has their shape (won deals as orders, a rep joined
on a region), and what is still missing. The user reads it, fixes what is wrong, and runs
``salesdesk import``.
"""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from .contract import BY_NAME, STAGES
from .importing import DEFAULTS, FILLED_LATER, SOURCE_ROW, Source, file_and_sheet, read_source, to_dates, to_numbers

SAMPLE_ROWS = 500

# contract column -> names it goes by in exports (lower case; compared without spaces, _ and -)
SYNONYMS = {
    "rep_id": ["rep_id", "rep", "sales_rep", "salesrep", "sales_agent", "agent", "salesperson", "sales person",
               "owner", "account_owner", "seller", "person", "销售员", "业务员", "销售代表", "销售", "负责人", "员工",
               "销售人员", "职员"],
    "name": ["name", "full_name", "rep_name", "agent_name", "customer_name", "account_name", "姓名", "名称", "名字",
             "客户名称"],
    "team": ["team", "regional_office", "office", "region_team", "sales_team", "团队", "部门", "小组", "销售团队",
             "销售部门", "region", "大区"],
    "manager": ["manager", "team_manager", "regional_manager", "sales_manager", "经理", "主管", "负责人"],
    "manager_email": ["manager_email", "经理邮箱"],
    "owner_rep_id": ["owner_rep_id", "account_owner", "owner", "sales_agent", "sales_rep", "rep_id", "rep",
                     "salesperson", "客户经理", "负责人", "销售员", "业务员", "销售代表"],
    "email": ["email", "e-mail", "mail", "邮箱", "电子邮件"],
    "region": ["region", "area", "territory", "country", "地区", "区域", "大区"],
    "hire_date": ["hire_date", "start_date", "入职日期"],
    "customer_id": ["customer_id", "customer", "account", "client", "customer_name", "客户", "客户编号", "客户名称"],
    "order_id": ["order_id", "order", "order_no", "order_number", "invoice", "订单号", "订单编号", "单号", "订单",
                 "单据编号"],
    "original_order_id": ["original_order_id", "original_order", "original_order_no", "return_of", "原订单号",
                          "原订单编号", "原单号", "原订单"],
    "line_id": ["row_id", "line_id", "line", "line_no", "order_line_id", "行号", "明细编号"],
    "order_date": ["order_date", "date", "close_date", "invoice_date", "日期", "下单日期", "订单日期", "成交日期"],
    "product": ["product", "product_name", "sku", "item", "item_name", "产品", "商品", "产品名称", "商品名称"],
    "quantity": ["quantity", "qty", "units", "units_sold", "数量", "件数"],
    "amount": ["amount", "sales", "revenue", "total", "close_value", "value", "net_sales", "销售额", "金额", "成交金额",
               "订单金额", "销售金额", "含税金额"],
    "cost": ["cost", "cogs", "成本"],
    "status": ["status", "order_status", "状态"],
    "opp_id": ["opp_id", "opportunity_id", "opportunity", "deal_id", "商机编号", "机会编号", "商机"],
    "stage": ["stage", "deal_stage", "阶段", "销售阶段"],
    "created": ["created", "engage_date", "create_date", "created_date", "创建日期"],
    "closed": ["closed", "closed_date", "close_date", "关闭日期", "成交日期"],
    # a CRM's "close date" is the actual one where a closed date is beside it, else the expected one
    "expected_close": ["expected_close", "expected_close_date", "expected_closing_date", "estimated_close_date",
                       "forecast_close_date", "target_close_date", "预计成交日期", "预计签单日期", "预计成交时间",
                       "预计签约日期", "预计关闭日期", "预计结单日期", "close_date"],
    "probability": ["probability", "win_probability", "win_prob", "win_chance", "probability_%", "likelihood",
                    "赢率", "成交概率", "赢单率", "赢单概率", "成交几率", "成单率", "成功率"],
}
# the sheets a suggestion covers, in order
SHEETS = ("Reps", "Teams", "Customers", "Orders", "Opportunities")
LISTS = ("Reps", "Teams", "Customers")          # a sheet that lists things: one row per key
# an identifier's header is often its thing's name with a suffix: 销售员编号, 客户代码, Person ID
ID_COLUMNS = ("rep_id", "owner_rep_id", "customer_id", "order_id", "opp_id", "team", "original_order_id")
ID_SUFFIX = re.compile(r"(编号|代码|编码|代号|id|no|code)$")
UNIT = re.compile(r"[（(\[【][^）)\]】]*[）)\]】]")      # 金额（元）, Sales (USD), 数量[件]


def _norm(text: str) -> str:
    """A header as compared: lower case, without spaces, _ - . /, a unit in brackets or a
    leading 所属 (所属团队 is the team)."""
    return re.sub(r"^所属", "", re.sub(r"[\s_\-./]", "", UNIT.sub("", str(text)).lower()))


def best_column(column: str, headers: list[str], taken: set[str] = frozenset()) -> str | None:
    """The header that names ``column`` (an exact synonym first, in the synonyms' order; then,
    for an identifier, a synonym with an id suffix)."""
    names = [_norm(n) for n in SYNONYMS.get(column, [column])]
    by_norm: dict[str, str] = {}
    for h in headers:
        by_norm.setdefault(_norm(h), h)
    if column in ID_COLUMNS:
        for norm, h in list(by_norm.items()):
            by_norm.setdefault(ID_SUFFIX.sub("", norm), h)
    for name in names:
        h = by_norm.get(name)
        if h is not None and h not in taken:
            return h
    return None


def toml_text(text: str) -> str:
    """A TOML basic string (quotes, backslashes and control characters escaped)."""
    return json.dumps(str(text), ensure_ascii=False)


def one_line(text) -> str:
    """Source text in a TOML comment: a line break (or any control character) in a header
    would end the comment and break the draft, so it becomes a space."""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in str(text)).split())


def toml_key(name: str) -> str:
    """A TOML key: bare when it can be (ASCII letters, digits, _ and -), else quoted (销售员)."""
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else toml_text(name)


def date_format(values: pd.Series) -> str | None:
    """The one format every sampled date matches: ISO, or day-first / month-first with a
    two- or four-digit year (None when no date; ambiguous samples are day-first only when a
    day above 12 shows it)."""
    text = values.dropna().astype(str).str.strip().str.replace(r"[ T]00:00:00(\.0+)?$", "", regex=True)
    if text.empty:
        return None
    candidates = ["ISO8601", "%d-%m-%y", "%d-%m-%Y", "%m-%d-%y", "%m-%d-%Y", "%d/%m/%Y", "%m/%d/%Y", "%d/%m/%y",
                  "%m/%d/%y", "%d.%m.%Y", "%Y/%m/%d", "%Y年%m月%d日", "%Y%m%d"]
    for fmt in candidates:
        _, bad = to_dates(text, None if fmt == "ISO8601" else fmt)
        if not bad.any():
            return None if fmt == "ISO8601" else fmt
    return "?"


def decimal_separator(values: pd.Series) -> str:
    """',' when the sample's numbers read only with a decimal comma."""
    sample = values.dropna()
    if sample.empty:
        return "."
    _, bad_point = to_numbers(sample, ".")
    _, bad_comma = to_numbers(sample, ",")
    return "," if bad_point.any() and not bad_comma.any() else "."


@dataclass(frozen=True)
class Found:
    """A source as the draft sees it: every row (values of choice columns, keys) and a sample."""
    source: Source
    headers: list[str]
    rows: pd.DataFrame

    @property
    def sample(self) -> pd.DataFrame:
        return self.rows.head(SAMPLE_ROWS)

    def unique(self, column: str) -> bool:
        return not self.rows[column].dropna().duplicated().any()


def suggest(paths: list[str], base: Path | None = None) -> str:
    """A commented draft mapping (TOML) for the files (``file.xlsx#Sheet`` for a sheet); paths
    are written relative to ``base``, the folder the mapping goes to."""
    base = (base or Path.cwd()).resolve()
    sources: list[Found] = []
    lines = ["# A draft mapping written by salesdesk import --suggest: check every line,",
             "# then: salesdesk import THIS.toml --out sales.xlsx   (docs/import.md)", "", "[sources]"]
    for i, given in enumerate(paths, start=1):
        path, sheet = file_and_sheet(given)
        name = re.sub(r"\W+", "_", path.stem + (f"_{sheet}" if sheet else "")).strip("_").lower() \
            or f"source{i}"
        name = name if name not in {f.source.name for f in sources} else f"{name}_{i}"
        src = Source(name, path, sheet)
        rows = read_source(src)
        found = Found(src, [c for c in rows.columns if c != SOURCE_ROW], rows)
        sources.append(found)
        try:
            shown = Path(os.path.relpath(src.path, base)).as_posix()
        except ValueError:               # another drive (Windows)
            shown = src.path.as_posix()
        extra = "".join(f", {k} = {toml_text(v)}" for k, v in _formats(found.sample, found.headers).items())
        lines.append(f"{toml_key(name)} = {{ path = {toml_text(shown + (f'#{sheet}' if sheet else ''))}{extra} }}"
                     f"   # columns: {', '.join(map(one_line, found.headers))}")
    for sheet in SHEETS:
        lines += [""] + _sheet_suggestion(sheet, sources)
    lines += _returns_suggestion(sources)
    return "\n".join(lines) + "\n"


RETURNED = ("returned", "return", "is_returned", "退货", "是否退货")


def _returns_suggestion(sources: list[Found]) -> list[str]:
    """A source that only flags returned orders (a returned column and an order id)."""
    for f in sources:
        order = best_column("order_id", f.headers)
        if order and any(_norm(h) in {_norm(r) for r in RETURNED} for h in f.headers) and len(f.headers) <= 4:
            return ["", "[Orders.returns]            # one returned line per order this source flags",
                    f"source = {toml_text(f.source.name)}", f"on = {toml_text(order)}"]
    return []


def _formats(frame: pd.DataFrame, headers: list[str]) -> dict[str, str]:
    out = {}
    dates = [h for h in headers if any(_norm(h) == _norm(s) for c in ("order_date", "created", "closed", "hire_date")
                                       for s in SYNONYMS[c])]
    found = {date_format(frame[h]) for h in dates} - {None}
    if len(found) == 1 and "?" not in found:
        out["date_format"] = found.pop()
    money = [h for h in headers if any(_norm(h) == _norm(s) for s in SYNONYMS["amount"] + SYNONYMS["cost"])]
    if any(decimal_separator(frame[h]) == "," for h in money):
        out["decimal"] = ","
    return out


def _matches(schema, headers: list[str]) -> dict[str, str]:
    """Contract column -> the source header that names it (each header used once, but a
    name may share its header with the id)."""
    taken: set[str] = set()
    found = {}
    for col in schema.columns:
        h = best_column(col.name, headers, taken if col.name != "name" else set())
        if h:
            found[col.name] = h
            taken.add(h)
    return found


def _best_source(sheet: str, sources: list[Found]) -> tuple[Found, dict[str, str]]:
    """The source with the sheet's key; for a list (Reps, Customers) one that lists each key
    once (crm_accounts.csv before the pipeline's account column); then the most columns."""
    schema = BY_NAME[sheet]
    key = schema.key[0] if schema.key else None

    def rank(item):
        f, found = item
        listed = sheet in LISTS and key in found and f.unique(found[key])
        return key in found, listed, len(found)
    return max(((f, _matches(schema, f.headers)) for f in sources), key=rank)


def _sheet_suggestion(sheet: str, sources: list[Found]) -> list[str]:
    """The source that covers the sheet best, and each column's match."""
    schema = BY_NAME[sheet]
    key = schema.key[0] if schema.key else None
    f, found = _best_source(sheet, sources)
    if not found or (key and key not in found):
        if sheet == "Orders" and (won := _won_deals(sources)):
            return won
        made = sheet in LISTS
        return [f"# [{sheet}]: no source has its {key or 'columns'}; "
                + ("made from the ids the other sheets use" if made else "add it if you have it")]
    out = [f"[{sheet}]", f"from = {toml_text(f.source.name)}"]
    if sheet == "Orders":
        out += _line_id(found, f.rows)
    if key and not f.unique(found[key]):
        out.append(f"distinct = true              # one row per {key}")
    if key and "name" not in found and any(c.name == "name" for c in schema.columns):
        found["name"] = found[key]             # an export that names reps or customers by name only
    out += _rep_join(sheet, f, found, sources)
    return out + [_column_line(sheet, col, found, f.rows) for col in schema.columns if _shown(sheet, col, found)]


def _shown(sheet: str, col, found: dict[str, str]) -> bool:
    """A column the draft names: matched, defaulted, filled by a rule, or still missing."""
    return col.name in found or (sheet, col.name) in DEFAULTS or (sheet, col.name) in FILLED_LATER \
        or (col.required and not col.nullable)


def _rep_join(sheet: str, f: Found, found: dict[str, str], sources: list[Found]) -> list[str]:
    """Order lines without a rep, and another source that names one rep per value of a column
    both have (People: Person, Region): join it on that column (docs/import.md, join)."""
    wanted = {"Orders": "rep_id", "Customers": "owner_rep_id"}.get(sheet)
    if wanted is None or wanted in found:
        return []
    for other in sources:
        rep = best_column("rep_id", other.headers)
        if other is f or rep is None or not other.unique(rep):
            continue
        for on in other.headers:
            if on != rep and on in f.headers and other.unique(on) and f.rows[on].notna().any():
                found[wanted] = f"{other.source.name}.{rep}"
                return [f"join = [{{ source = {toml_text(other.source.name)}, on = {toml_text(on)} }}]"
                        f"   # the rep of each {one_line(on)}: {one_line(other.source.label)}"]
    return []


def _won_deals(sources: list[Found]) -> list[str]:
    """No order lines, but a pipeline with won deals: each won deal is an order (docs/import.md)."""
    for f in sources:
        found = _matches(BY_NAME["Opportunities"], f.headers)
        if not {"opp_id", "stage", "rep_id", "amount"} <= set(found) or "closed" not in found:
            continue
        won = [v for v in f.rows[found["stage"]].dropna().unique() if _closest(str(v), STAGES) == "won"]
        if not won:
            continue
        product = best_column("product", f.headers)
        where = toml_text(won[0]) if len(won) == 1 else "[" + ", ".join(toml_text(v) for v in won) + "]"
        return ["[Orders]                     # no order lines: each won deal is an order (docs/import.md)",
                f"from = {toml_text(f.source.name)}", f"where = {{ {toml_key(found['stage'])} = {where} }}",
                f"order_id = {toml_text(found['opp_id'])}", f"order_date = {toml_text(found['closed'])}",
                f"rep_id = {toml_text(found['rep_id'])}"]  \
            + ([f"customer_id = {toml_text(found['customer_id'])}"] if "customer_id" in found else
               ["# customer_id = ?   (still missing: the customer of the deal)"]) \
            + [f"product = {toml_text(product)}" if product else 'product = { value = "deal" }',
               "quantity = { value = 1 }", f"amount = {toml_text(found['amount'])}", 'status = { value = "booked" }']
    return []


def _line_id(found: dict[str, str], frame: pd.DataFrame) -> list[str]:
    """An order of several lines: each line's own id (Row ID) is the contract's order_id."""
    if not frame[found["order_id"]].dropna().duplicated().any():
        return []
    line = best_column("line_id", list(frame.columns))
    if not line or frame[line].dropna().duplicated().any():
        return [f'# {one_line(found["order_id"])} repeats: order_id must be unique per line; map a line id']
    order, found["order_id"] = found["order_id"], line
    return [f"# {one_line(order)} repeats (an order of several lines); each line's id is {one_line(line)}"]


def _column_line(sheet: str, col, found: dict[str, str], frame: pd.DataFrame) -> str:
    if col.name in found:
        return _choice_line(col, found[col.name], frame) if col.kind == "choice" \
            else f"{col.name} = {toml_text(found[col.name])}"
    if (sheet, col.name) in DEFAULTS:
        return f"# {col.name}: not in the source; {DEFAULTS[(sheet, col.name)][1]}"
    if (sheet, col.name) in FILLED_LATER:
        return f"# {col.name}: not in the source; {FILLED_LATER[(sheet, col.name)]}"
    return f"# {col.name} = ?   (still missing: {col.meaning})"


def _choice_line(col, column: str, frame: pd.DataFrame) -> str:
    """A choice column as is when its values are the contract's, else with a map of every
    distinct value in the source (not only a sample's) to fill in."""
    values = [str(v) for v in frame[column].dropna().unique()]
    if all(v.strip().lower() in col.choices for v in values):
        return f"{col.name} = {toml_text(column)}"
    pairs = ", ".join(f"{toml_text(v)} = {toml_text(_closest(v, col.choices))}" for v in values)
    return f"{col.name} = {{ column = {toml_text(column)}, map = {{ {pairs} }} }}   # one of {', '.join(col.choices)}"


STAGE_WORDS = {   # a value people use -> the contract's choice (lower case; compared whole)
    "won": ["won", "closed won", "win", "赢单", "成交", "已成交", "签约", "已签约"],
    "lost": ["lost", "closed lost", "lose", "丢单", "输单", "已输单", "失败", "已丢单"],
    "lead": ["lead", "prospecting", "prospect", "new", "线索", "潜在客户", "初步接洽"],
    "qualified": ["qualified", "qualification", "确认", "商机", "需求确认", "已确认", "需求分析"],
    "demo": ["demo", "engaging", "演示", "方案演示", "产品演示"],
    "quote": ["quote", "proposal", "报价", "方案报价", "商务报价"],
    "negotiation": ["negotiation", "谈判", "商务谈判", "合同谈判"],
    "booked": ["booked", "ordered", "paid", "completed", "complete", "shipped", "delivered", "已下单", "已完成", "完成",
               "已成交", "成交", "已付款", "已发货", "已签收"],
    "returned": ["returned", "refunded", "return", "refund", "已退货", "退货", "退款", "已退款"],
    "cancelled": ["cancelled", "canceled", "void", "已取消", "取消", "作废", "已作废"]}


def _closest(value: str, choices) -> str:
    v = value.strip().lower()
    for choice in choices:
        if v == choice or v in STAGE_WORDS.get(choice, []):
            return choice
    return "?"
