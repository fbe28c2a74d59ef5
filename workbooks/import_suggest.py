"""A first mapping from the sources' headers and a sample of their rows: each contract column
with the source column that best matches it (English and Chinese names people use), each
source's date format and decimal separator as the sample shows them, and what is still missing.
The user reads it, fixes what is wrong, and runs ``salesdesk import``.
"""
from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from .contract import BY_NAME
from .importing import DEFAULTS, SOURCE_ROW, Source, read_source, to_dates, to_numbers

SAMPLE_ROWS = 500

# contract column -> names it goes by in exports (lower case; compared without spaces, _ and -)
SYNONYMS = {
    "rep_id": ["rep_id", "rep", "sales_rep", "salesrep", "sales_agent", "agent", "salesperson", "sales person",
               "owner", "account_owner", "seller", "person", "销售员", "业务员", "销售代表", "销售", "负责人", "员工编号",
               "业务员编号"],
    "name": ["name", "full_name", "rep_name", "agent_name", "customer_name", "account_name", "姓名", "名称", "名字",
             "客户名称"],
    "team": ["team", "regional_office", "office", "region_team", "sales_team", "团队", "部门", "小组", "销售团队",
             "region", "大区"],
    "manager": ["manager", "team_manager", "regional_manager", "sales_manager", "经理", "主管", "负责人"],
    "manager_email": ["manager_email", "经理邮箱"],
    "owner_rep_id": ["owner_rep_id", "account_owner", "owner", "sales_agent", "sales_rep", "rep_id", "rep",
                     "salesperson", "客户经理", "负责人", "销售员", "业务员", "销售代表"],
    "email": ["email", "e-mail", "mail", "邮箱", "电子邮件"],
    "region": ["region", "area", "territory", "country", "地区", "区域", "大区"],
    "hire_date": ["hire_date", "start_date", "入职日期"],
    "customer_id": ["customer_id", "customer", "account", "client", "customer_name", "客户", "客户编号", "客户名称"],
    "order_id": ["order_id", "order", "order_no", "order_number", "invoice", "订单号", "订单编号", "单号"],
    "line_id": ["row_id", "line_id", "line", "line_no", "order_line_id", "行号", "明细编号"],
    "order_date": ["order_date", "date", "close_date", "invoice_date", "日期", "下单日期", "订单日期", "成交日期"],
    "product": ["product", "product_name", "sku", "item", "item_name", "产品", "商品", "产品名称", "商品名称"],
    "quantity": ["quantity", "qty", "units", "units_sold", "数量", "件数"],
    "amount": ["amount", "sales", "revenue", "total", "close_value", "value", "net_sales", "销售额", "金额", "成交金额"],
    "cost": ["cost", "cogs", "成本"],
    "status": ["status", "order_status", "状态"],
    "opp_id": ["opp_id", "opportunity_id", "opportunity", "deal_id", "商机编号", "机会编号"],
    "stage": ["stage", "deal_stage", "阶段", "销售阶段"],
    "created": ["created", "engage_date", "create_date", "created_date", "创建日期"],
    "closed": ["closed", "close_date", "closed_date", "关闭日期", "成交日期"],
}
# the sheets a suggestion covers, in order
SHEETS = ("Reps", "Teams", "Customers", "Orders", "Opportunities")


def _norm(text: str) -> str:
    return re.sub(r"[\s_\-./]", "", str(text).lower())


def best_column(column: str, headers: list[str], taken: set[str] = frozenset()) -> str | None:
    """The header that names ``column`` (an exact synonym first, in the synonyms' order)."""
    names = SYNONYMS.get(column, [column])
    by_norm = {}
    for h in headers:
        by_norm.setdefault(_norm(h), h)
    for name in names:
        h = by_norm.get(_norm(name))
        if h is not None and h not in taken:
            return h
    return None


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


def suggest(paths: list[str]) -> str:
    """A commented draft mapping (TOML) for the files (``file.xlsx#Sheet`` for a sheet)."""
    sources, lines = [], ["# A draft mapping written by salesdesk import --suggest: check every line,",
                          "# then: salesdesk import THIS.toml --out sales.xlsx   (docs/import.md)", "", "[sources]"]
    for i, given in enumerate(paths, start=1):
        path, _, sheet = given.partition("#")
        name = re.sub(r"\W+", "_", Path(path).stem + (f"_{sheet}" if sheet else "")).strip("_").lower() \
            or f"source{i}"
        name = name if name not in {sr.name for sr, _, _ in sources} else f"{name}_{i}"
        src = Source(name, Path(path).resolve(), sheet or None)
        frame = read_source(src).head(SAMPLE_ROWS)
        headers = [c for c in frame.columns if c != SOURCE_ROW]
        fmt = _formats(frame, headers)
        sources.append((src, headers, frame))
        extra = "".join(f', {k} = "{v}"' for k, v in fmt.items())
        lines.append(f'{name} = {{ path = "{given}"{extra} }}   # columns: {", ".join(headers)}')
    for sheet in SHEETS:
        lines += [""] + _sheet_suggestion(sheet, sources)
    lines += _returns_suggestion(sources)
    return "\n".join(lines) + "\n"


RETURNED = ("returned", "return", "is_returned", "退货", "是否退货")


def _returns_suggestion(sources) -> list[str]:
    """A source that only flags returned orders (a returned column and an order id)."""
    for src, headers, _ in sources:
        order = best_column("order_id", headers)
        if order and any(_norm(h) in {_norm(r) for r in RETURNED} for h in headers) and len(headers) <= 4:
            return ["", "[Orders.returns]            # one returned line per order this source flags",
                    f'source = "{src.name}"', f'on = "{order}"']
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


def _sheet_suggestion(sheet: str, sources) -> list[str]:
    """The source that covers most of the sheet's columns, and each column's match."""
    schema = BY_NAME[sheet]
    key = schema.key[0] if schema.key else None
    src, found, frame = max(((src, _matches(schema, headers), frame) for src, headers, frame in sources),
                            key=lambda x: (key in x[1], len(x[1])))     # a source with the sheet's key first
    if not found or (key and key not in found):
        made = sheet in ("Reps", "Teams", "Customers")
        return [f"# [{sheet}]: no source has its {key or 'columns'}; "
                + ("made from the ids the other sheets use" if made else "add it if you have it")]
    out = [f"[{sheet}]", f'from = "{src.name}"']
    if sheet == "Orders":
        out += _line_id(found, frame)
    if key and frame[found[key]].dropna().duplicated().any():
        out.append(f"distinct = true              # one row per {key}")
    if key and "name" not in found and any(c.name == "name" for c in schema.columns):
        found["name"] = found[key]             # an export that names reps or customers by name only
    return out + [_column_line(sheet, col, found, frame) for col in schema.columns
                  if col.name in found or (sheet, col.name) in DEFAULTS or (col.required and not col.nullable)]


def _line_id(found: dict[str, str], frame: pd.DataFrame) -> list[str]:
    """An order of several lines: each line's own id (Row ID) is the contract's order_id."""
    if not frame[found["order_id"]].dropna().duplicated().any():
        return []
    line = best_column("line_id", list(frame.columns))
    if not line or frame[line].dropna().duplicated().any():
        return [f'# {found["order_id"]} repeats: order_id must be unique per line; map a line id']
    order, found["order_id"] = found["order_id"], line
    return [f"# {order} repeats (an order of several lines); each line's id is {line}"]


def _column_line(sheet: str, col, found: dict[str, str], frame: pd.DataFrame) -> str:
    if col.name in found:
        return _choice_line(col, found[col.name], frame) if col.kind == "choice" else f'{col.name} = "{found[col.name]}"'
    if (sheet, col.name) in DEFAULTS:
        return f"# {col.name}: not in the source; {DEFAULTS[(sheet, col.name)][1]}"
    return f"# {col.name} = ?   (still missing: {col.meaning})"


def _choice_line(col, column: str, frame: pd.DataFrame) -> str:
    """A choice column as is when its values are the contract's, else with a map to fill in."""
    values = [str(v) for v in frame[column].dropna().unique()[:20]]
    if all(v in col.choices for v in values):
        return f'{col.name} = "{column}"'
    pairs = ", ".join(f'"{v}" = "{_closest(v, col.choices)}"' for v in values)
    return f'{col.name} = {{ column = "{column}", map = {{ {pairs} }} }}   # one of {", ".join(col.choices)}'


STAGE_WORDS = {"won": ["won", "closed won", "赢单", "成交"], "lost": ["lost", "closed lost", "丢单", "输单"],
               "lead": ["lead", "prospecting", "new", "线索"], "qualified": ["qualified", "qualification", "确认"],
               "demo": ["demo", "engaging", "演示"], "quote": ["quote", "proposal", "报价"],
               "negotiation": ["negotiation", "谈判"], "booked": ["booked", "ordered", "paid", "已下单"],
               "returned": ["returned", "refunded", "退货"], "cancelled": ["cancelled", "canceled", "取消"]}


def _closest(value: str, choices) -> str:
    v = value.strip().lower()
    for choice in choices:
        if v == choice or v in STAGE_WORDS.get(choice, []):
            return choice
    return "?"
