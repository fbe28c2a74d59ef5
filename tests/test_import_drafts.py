"""`salesdesk import --suggest` on exports as a new user has them (a CRM's pipeline, teams and
accounts; a shop's .xls of order lines, returns and regional people; a Chinese CSV pair in
GB18030 with Chinese file names and headers): the draft imports as written, and the reports'
figures equal what the sources give when read independently (csv module, openpyxl, Decimal).
Also: the import's check is validate's, the row limit, the Customers owner rule, amounts to
the cent."""
from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from tests.support.libreoffice import convert
from tests.test_import import report_cell, run
from workbooks.import_check import check_frames
from workbooks.importing import run_mapping
from workbooks.reader import read_workbook

AGENTS = [("Moses Frase", "Dustin Brinkmann", "Central"), ("Darcel Schlecht", "Melvin Marxen", "Central"),
          ("Zane Levy", "Summer Sewald", "West"), ("Vicki Laflamme", "Celia Rouche", "West")]
ACCOUNTS = ["Cancity", "Isdom", "Codehow", "Hatfan", "Ron-tech", "Betasoloin"]


def cent(x) -> Decimal:
    return Decimal(str(x)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def suggest_and_import(tmp_path: Path, *sources) -> tuple[Path, str, str]:
    draft, book = tmp_path / "draft.toml", tmp_path / "book.xlsx"
    code, out = run("import", "--suggest", *sources, "--out", draft)
    assert code == 0, out
    code, out = run("import", draft, "--out", book)
    assert code == 0, draft.read_text(encoding="utf-8") + out
    code, checked = run("validate", book)
    assert code == 0, checked
    return book, draft.read_text(encoding="utf-8"), out


# --- the CRM trio: pipeline (open deals have no account; Prospecting only after row 500) ----

@pytest.fixture(scope="module")
def crm(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("crm")
    rnd = random.Random(26)
    with open(folder / "sales_pipeline.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["opportunity_id", "sales_agent", "product", "account", "deal_stage", "engage_date", "close_date",
                    "close_value"])
        for i in range(700):
            stage = rnd.choice(["Won", "Won", "Lost", "Engaging"]) if i < 600 else "Prospecting"
            engaged = dt.date(2016, 10, 20) + dt.timedelta(days=rnd.randrange(0, 200))
            closed = engaged + dt.timedelta(days=rnd.randrange(1, 90)) if stage in ("Won", "Lost") else None
            value = rnd.randrange(50, 6000) if stage == "Won" else 0 if stage == "Lost" else ""
            w.writerow([f"OPP{i:04d}", rnd.choice(AGENTS)[0], rnd.choice(["GTX Basic", "MG Special"]),
                        rnd.choice(ACCOUNTS) if closed else "", stage, engaged.isoformat(),
                        closed.isoformat() if closed else "", value])
    with open(folder / "sales_teams.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([("sales_agent", "manager", "regional_office"), *AGENTS])
    with open(folder / "crm_accounts.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["account", "sector", "year_established", "revenue", "employees", "office_location"])
        for j, name in enumerate(ACCOUNTS + ["Dormant Co"]):
            w.writerow([name, "software", 1990 + j, 100.5 * j, 10 * j, "United States"])
    return folder


def test_the_crm_draft_imports_as_written_with_won_deals_as_orders(crm, tmp_path):
    book, draft, out = suggest_and_import(tmp_path, crm / "sales_pipeline.csv", crm / "sales_teams.csv",
                                          crm / "crm_accounts.csv")
    assert '"Prospecting" = "lead"' in draft                        # a value first seen after row 500
    assert 'where = { deal_stage = "Won" }' in draft and 'status = { value = "booked" }' in draft
    customers = draft[draft.index("[Customers]"):draft.index("[Orders]")]
    assert 'from = "crm_accounts"' in customers
    assert out.count("no owner_rep_id; using the rep with the most booked sales") == 1
    won = defaultdict(float)
    with open(crm / "sales_pipeline.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["deal_stage"] == "Won":
                won[(row["sales_agent"], row["close_date"][:7])] += float(row["close_value"])
    (rep, month), amount = max(won.items(), key=lambda kv: kv[1])
    folder = tmp_path / "out"
    code, out = run("reports", book, "--month", month, "--out", folder, "--formats", "xlsx")
    assert code == 0, out
    report = folder / month / "reps" / f"{rep.replace(' ', '_')}.xlsx"
    assert report_cell(report, "Month") == pytest.approx(amount)
    owners = {r[0]: r[3] for r in openpyxl.load_workbook(book, read_only=True)["Customers"].iter_rows(
        min_row=2, values_only=True)}
    assert owners["Dormant Co"] is None                              # no booked sales: no owner


# --- the shop: order lines in .xls with amounts of three decimals, returns, people per region

@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("shop")
    xlsx = folder / "superstore.xlsx"
    wb = xlsxwriter.Workbook(str(xlsx))
    dates = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("Orders")
    ws.write_row(0, 0, ["Row ID", "Order ID", "Order Date", "Customer ID", "Customer Name", "Country", "Region",
                        "Product Name", "Sales", "Quantity", "Profit"])
    rnd = random.Random(6)
    for i in range(1, 401):
        ws.write_row(i, 0, [i, f"CA-2026-{100 + i // 2}"])
        ws.write_datetime(i, 2, dt.datetime(2026, 9, 1) + dt.timedelta(days=rnd.randrange(0, 60)), dates)
        cust = rnd.randrange(1, 30)
        ws.write_row(i, 3, [f"CU-{cust}", f"Customer {cust}", "United States", rnd.choice(["East", "West", "South"]),
                            rnd.choice(["Chair", "Desk", "Phone"]), round(rnd.uniform(5, 900), 3),
                            rnd.randrange(1, 6), round(rnd.uniform(-50, 200), 4)])
    ws = wb.add_worksheet("Returns")
    ws.write_row(0, 0, ["Returned", "Order ID"])
    for j, order in enumerate(sorted({f"CA-2026-{100 + i // 2}" for i in range(1, 401, 9)})):
        ws.write_row(j + 1, 0, ["Yes", order])
    ws = wb.add_worksheet("People")
    ws.write_row(0, 0, ["Person", "Region"])
    for j, row in enumerate([("Chuck Magee", "East"), ("Kelly Williams", "West"), ("Cassandra Brandow", "South")]):
        ws.write_row(j + 1, 0, row)
    wb.close()
    convert([xlsx], folder, "xls", folder / "lo-profile")
    return folder


@pytest.mark.libreoffice
def test_the_shop_draft_joins_people_on_region_and_sums_to_the_cent(shop, tmp_path):
    xls = shop / "superstore.xls"
    book, draft, out = suggest_and_import(tmp_path, f"{xls}#Orders", f"{xls}#Returns", f"{xls}#People")
    assert 'join = [{ source = "superstore_people", on = "Region" }]' in draft
    assert 'rep_id = "superstore_people.Person"' in draft
    assert "Country" not in draft.split("[Teams]")[1].split("[")[0]
    src = openpyxl.load_workbook(shop / "superstore.xlsx", data_only=True)
    flagged = {r[1] for r in src["Returns"].iter_rows(min_row=2, values_only=True)}
    west = [r for r in src["Orders"].iter_rows(min_row=2, values_only=True)
            if r[6] == "West" and r[2].strftime("%Y-%m") == "2026-10"]
    expected = sum(cent(r[8]) for r in west) - sum(cent(r[8]) for r in west if r[1] in flagged)
    assert any(cent(r[8]) != Decimal(str(r[8])) for r in west)      # amounts of more than two decimals
    sheet = openpyxl.load_workbook(book, read_only=True)["Orders"]
    summed = sum(Decimal(str(r[6])) for r in sheet.iter_rows(min_row=2, values_only=True)
                 if r[2] == "Kelly Williams" and r[1].strftime("%Y-%m") == "2026-10")
    assert summed == expected                                        # a SUM over the imported sheet
    folder = tmp_path / "out"
    code, out = run("reports", book, "--month", "2026-10", "--out", folder, "--formats", "xlsx")
    assert code == 0, out
    assert cent(report_cell(folder / "2026-10" / "teams" / "West.xlsx", "Month")) == expected


# --- a Chinese CSV pair: GB18030, Chinese file names, headers and status values --------------

@pytest.fixture(scope="module")
def chinese(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("zh")
    reps = [("S01", "王伟", "华东区", "wang@example.com"), ("S02", "李娜", "华东区", "li@example.com"),
            ("S03", "张敏", "华南区", "zhang@example.com")]
    buf = io.StringIO()
    csv.writer(buf).writerows([("销售员编号", "姓名", "所属团队", "邮箱"), *reps])
    (folder / "销售员.csv").write_bytes(buf.getvalue().encode("gb18030"))
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["订单编号", "下单日期", "销售员编号", "客户名称", "产品名称", "数量", "金额（元）", "状态", "原订单号"])
    rnd = random.Random(9)
    booked = []
    for i in range(150):
        day = dt.date(2026, 9, 1) + dt.timedelta(days=rnd.randrange(0, 61))
        row = [f"SO{i:05d}", f"{day:%Y/%m/%d}", rnd.choice(reps)[0], rnd.choice(["华为", "联想", "小米"]), "服务器",
               rnd.randrange(1, 4), f"{rnd.randrange(100, 90000)}.{rnd.randrange(0, 100):02d}", "已完成", ""]
        w.writerow(row)
        booked.append(row)
    for j, row in enumerate(booked[::15]):
        w.writerow([f"RT{j:04d}", row[1], row[2], row[3], row[4], -row[5], "-" + row[6], "已退货", row[0]])
    (folder / "订单.csv").write_bytes(buf.getvalue().encode("gb18030"))
    return folder


def test_the_chinese_draft_reads_chinese_headers_and_values(chinese, tmp_path):
    book, draft, out = suggest_and_import(tmp_path, chinese / "销售员.csv", chinese / "订单.csv")
    for line in ('"销售员" = { path = ', 'rep_id = "销售员编号"', 'team = "所属团队"', 'amount = "金额（元）"',
                 '"已完成" = "booked"', '"已退货" = "returned"', 'original_order_id = "原订单号"'):
        assert line in draft, line
    text = (chinese / "订单.csv").read_bytes().decode("gb18030")
    rows = [r for r in csv.DictReader(io.StringIO(text)) if r["下单日期"][:7] == "2026/10"]
    expected = sum(Decimal(r["金额（元）"]) for r in rows if r["销售员编号"] == "S01")
    sheet = openpyxl.load_workbook(book, read_only=True)["Orders"]
    summed = sum(Decimal(str(r[6])) for r in sheet.iter_rows(min_row=2, values_only=True)
                 if r[2] == "S01" and r[1].strftime("%Y-%m") == "2026-10")
    assert summed == expected
    folder = tmp_path / "out"
    code, out = run("--lang", "zh-CN", "reports", book, "--month", "2026-10", "--out", folder, "--formats", "xlsx")
    assert code == 0, out
    wang = next(p for p in (folder / "2026-10" / "reps").glob("*.xlsx")
                if "王伟" in openpyxl.load_workbook(p)["Report"]["A1"].value)
    assert cent(report_cell(wang, "本月")) == expected


# --- one check, the row limit, the owner rule ------------------------------------------------

ORDERS_CSV = "order_id,order_date,rep_id,customer_id,product,quantity,amount,status\n"


def write_source(folder: Path, lines: list[str], mapping: str) -> Path:
    (folder / "orders.csv").write_text(ORDERS_CSV + "".join(line + "\n" for line in lines), encoding="utf-8")
    (folder / "m.toml").write_text('[sources]\ns = "orders.csv"\n' + mapping, encoding="utf-8")
    return folder / "m.toml"


ORDERS_TABLE = ('[Orders]\nfrom = "s"\norder_id = "order_id"\norder_date = "order_date"\nrep_id = "rep_id"\n'
                'customer_id = "customer_id"\nproduct = "product"\nquantity = "quantity"\namount = "amount"\n'
                'status = "status"\n')


def test_the_import_and_validate_are_one_check(tmp_path):
    mapping = write_source(tmp_path, ["O1,2026-10-01,R1,C1,P,1,10,booked"],
                           '[Reps]\nfrom = "s"\nrep_id = "rep_id"\nname = "rep_id"\nteam = { value = "T" }\n')
    code, out = run("import", mapping, "--out", tmp_path / "no-orders.xlsx")
    assert code == 1, out
    code, checked = run("validate", tmp_path / "no-orders.xlsx")
    assert code == 1 and "Orders: sheet is missing" in checked
    assert "error: Orders: sheet is missing" in out
    mapping = write_source(tmp_path, ["O1,2026-10-01,R1,C1,P,1,10,booked", "O2,2026-10-02,R1,C1,P,-1,-5,booked",
                                      "O3,2026-10-03,R1,C1,P,1,-5,Returned", "O1,2026-10-04,R2,C2,P,1,5,booked",
                                      "O5,2026-10-05,R2,C2,P,1.5,5.125,BOOKED"], ORDERS_TABLE)
    imported = run_mapping(mapping)
    book = tmp_path / "book.xlsx"
    assert run("import", mapping, "--out", book)[0] == 1
    key = lambda p: (p.sheet, p.row, p.column, p.problem)           # noqa: E731
    from_import = sorted(map(key, (p for p in check_frames(imported.frames) if p.severity == "error")))
    assert from_import and from_import == sorted(map(key, read_workbook(book).errors))


def test_a_sheet_past_the_row_limit_stops_before_writing(tmp_path):
    mapping = write_source(tmp_path, [f"O{i},2026-10-01,R1,C1,P,1,10,booked" for i in range(60)], ORDERS_TABLE)
    code, out = run("--max-rows", 50, "import", mapping, "--out", tmp_path / "big.xlsx")
    assert code == 2, out
    assert ('mapping [Orders]: 60 rows, more than the 49 a sheet holds below its header; narrow the import with a '
            'filter, e.g. where = { "order_date" = { since = "YYYY-MM-DD" } }') in out
    assert not (tmp_path / "big.xlsx").exists()
    assert run("--max-rows", 61, "import", mapping, "--out", tmp_path / "big.xlsx")[0] == 0


def test_customers_without_an_owner_get_the_rep_with_most_booked_sales(tmp_path):
    (tmp_path / "customers.csv").write_text("id,name\nC1,One\nC2,Two\nC3,Three\n", encoding="utf-8")
    mapping = write_source(tmp_path, ["O1,2026-01-01,R1,C1,P,1,100.004,booked", "O2,2026-02-01,R2,C1,P,1,100,booked",
                                      "O3,2026-01-05,R1,C2,P,1,50,booked", "O4,2026-03-01,R2,C2,P,1,60,cancelled",
                                      "O5,2026-03-02,R2,C2,P,1,20,booked"],
                           ORDERS_TABLE + '[Customers]\nfrom = "c"\ncustomer_id = "id"\nname = "name"\n')
    text = mapping.read_text(encoding="utf-8")
    mapping.write_text(text.replace('s = "orders.csv"\n', 's = "orders.csv"\nc = "customers.csv"\n'), encoding="utf-8")
    code, out = run("import", mapping, "--out", tmp_path / "book.xlsx")
    assert code == 0, out
    assert out.count("no owner_rep_id; using the rep with the most booked sales to each customer") == 1
    owners = {r[0]: r[3] for r in openpyxl.load_workbook(tmp_path / "book.xlsx")["Customers"].iter_rows(
        min_row=2, values_only=True)}
    assert owners == {"C1": "R2", "C2": "R1", "C3": None}        # C1 a tie in cents: the latest order


def test_a_header_with_a_line_break_keeps_the_draft_valid_toml(tmp_path):
    import tomllib
    (tmp_path / "orders.csv").write_text('order_id,order_date,"name\nx",amount\nO1,2026-10-01,Ann,10\n',
                                         encoding="utf-8")
    code, out = run("import", "--suggest", tmp_path / "orders.csv", "--out", tmp_path / "draft.toml")
    assert code == 0, out
    draft = (tmp_path / "draft.toml").read_text(encoding="utf-8")
    tomllib.loads(draft)
    assert "# columns: order_id, order_date, name x, amount" in draft
