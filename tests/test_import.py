"""`salesdesk import`: the exports people have (a CRM's opportunities CSV with day-first dates,
a shop's order lines as a legacy .xls with a returns flag sheet and regional managers, a
Chinese ERP export in GB18030) through a mapping into a workbook that validate, reports and
commissions take; figures checked against the source files read independently (csv module,
openpyxl); --suggest on each source; bad mappings as one line each."""
from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections import defaultdict
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter
from click.testing import CliRunner

from generators.cli import main
from tests.support.libreoffice import convert

AGENTS = [("Moses Frase", "Dustin Brinkmann", "Central"), ("Darcel Schlecht", "Melvin Marxen", "Central"),
          ("Zane Levy", "Summer Sewald", "West"), ("Anna Snelling", "Dustin Brinkmann", "Central"),
          ("Vicki Laflamme", "Celia Rouche", "West"), ("Markita Hansen", "Celia Rouche", "West")]
STAGES = ["Won", "Won", "Lost", "Engaging", "Prospecting"]


def run(*args) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert "Traceback" not in result.output, result.output
    return result.exit_code, result.output


def report_cell(path: Path, label: str, column: int = 2):
    """The value beside the first cell reading ``label`` in a report workbook."""
    ws = openpyxl.load_workbook(path, data_only=True)["Report"]
    for row in ws.iter_rows():
        if row[0].value == label:
            return row[column - 1].value
    raise AssertionError(f"{label!r} not in {path.name}")


# --- a CRM: opportunities with day-first two-digit-year dates, and a reps/managers list ------

@pytest.fixture(scope="module")
def crm(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("crm")
    rnd = random.Random(11)
    with open(folder / "sales_pipeline.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["opportunity_id", "sales_agent", "product", "account", "deal_stage", "engage_date", "close_date",
                    "close_value"])
        for i in range(400):
            stage = rnd.choice(STAGES)
            engaged = dt.date(2016, 10, 20) + dt.timedelta(days=rnd.randrange(0, 200))
            closed = engaged + dt.timedelta(days=rnd.randrange(1, 120)) if stage in ("Won", "Lost") else None
            value = rnd.randrange(50, 6000) if stage == "Won" else 0 if stage == "Lost" else ""
            w.writerow([f"OPP{i:04d}", rnd.choice(AGENTS)[0], rnd.choice(["GTX Basic", "MG Special", "GTXPro"]),
                        rnd.choice(["Cancity", "Isdom", "Codehow", "Hatfan", "Ron-tech"]), stage,
                        engaged.strftime("%d-%m-%y"), closed.strftime("%d-%m-%y") if closed else "", value])
    with open(folder / "sales_teams.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["sales_agent", "manager", "regional_office"])
        w.writerows(AGENTS)
    (folder / "plans.csv").write_text("plan_id,effective_from,lower,rate,method,basis\n"
                                      "STD,2016-01-01,0,0.05,marginal,amount\n", encoding="utf-8")
    (folder / "mapping.toml").write_text('''
[sources]
pipeline = { path = "sales_pipeline.csv", date_format = "%d-%m-%y" }
teams    = "sales_teams.csv"
plans    = "plans.csv"

[Reps]
from = "teams"
rep_id = "sales_agent"
name = "sales_agent"
team = "regional_office"
plan_id = { value = "STD" }
active = { value = true }

[Teams]
from = "teams"
distinct = true
team = "regional_office"
manager = "manager"

[Opportunities]
from = "pipeline"
opp_id = "opportunity_id"
rep_id = "sales_agent"
customer_id = "account"
stage = { column = "deal_stage", map = { Won = "won", Lost = "lost", Engaging = "demo", Prospecting = "lead" } }
created = "engage_date"
closed = "close_date"
amount = "close_value"

[Orders]
from = "pipeline"
where = { deal_stage = "Won" }
join = [{ source = "teams", on = "sales_agent" }]
order_id = "opportunity_id"
order_date = "close_date"
rep_id = "sales_agent"
customer_id = "account"
product = "product"
quantity = { value = 1 }
amount = "close_value"
status = { value = "booked" }

[Plans]
from = "plans"
plan_id = "plan_id"
effective_from = "effective_from"
lower = "lower"
rate = "rate"
method = "method"
basis = "basis"
''', encoding="utf-8")
    return folder


def won_by_rep_month(folder: Path) -> dict[tuple[str, str], float]:
    out = defaultdict(float)
    with open(folder / "sales_pipeline.csv", encoding="utf-8") as f:
        for row in csv.DictReader(f):
            if row["deal_stage"] == "Won":
                day = dt.datetime.strptime(row["close_date"], "%d-%m-%y")
                out[(row["sales_agent"], f"{day:%Y-%m}")] += float(row["close_value"])
    return out


def test_a_crm_export_imports_and_runs_reports_and_commissions(crm, tmp_path):
    book = tmp_path / "sales.xlsx"
    code, out = run("import", crm / "mapping.toml", "--out", book)
    assert code == 0, out
    assert "warning: mapping [Reps]: no capacity; using capacity 1" in out
    assert "Customers made from the ids other sheets use" in out
    code, out = run("validate", book)
    assert code == 0, out
    won = won_by_rep_month(crm)
    (rep, month), amount = max(won.items(), key=lambda kv: kv[1])
    folder = tmp_path / "out"
    code, out = run("reports", book, "--month", month, "--out", folder, "--formats", "xlsx")
    assert code == 0, out
    assert "No Activities sheet: activities not shown." in out
    report = folder / month / "reps" / f"{rep.replace(' ', '_')}.xlsx"
    if not report.exists():
        report = next((folder / month / "reps").glob(f"{rep.split()[0]}*.xlsx"))
    assert report_cell(report, "Month") == pytest.approx(round(amount, 2))
    code, out = run("commissions", book, "--month", month, "--out", folder, "--formats", "xlsx")
    assert code == 0, out
    summary = openpyxl.load_workbook(folder / month / "commissions" / "finance-summary.xlsx", data_only=True).active
    head = [c.value for c in summary[3]]
    paid = {r[0]: r[head.index("sales commission")] for r in summary.iter_rows(min_row=4, values_only=True) if r[0]}
    assert paid[rep] == pytest.approx(round(amount * 0.05, 2))


def test_suggest_proposes_the_crm_columns(crm, tmp_path):
    draft = tmp_path / "draft.toml"
    code, out = run("import", "--suggest", crm / "sales_pipeline.csv", crm / "sales_teams.csv", "--out", draft)
    assert code == 0, out
    text = draft.read_text(encoding="utf-8")
    assert 'date_format = "%d-%m-%y"' in text
    for line in ('rep_id = "sales_agent"', 'team = "regional_office"', 'manager = "manager"', 'opp_id = "opportunity_id"',
                 'customer_id = "account"', 'created = "engage_date"', 'closed = "close_date"',
                 'amount = "close_value"', '"Won" = "won"', '"Lost" = "lost"'):
        assert line in text, line


# --- a shop: order lines in a legacy .xls, a returns flag sheet, regional managers -----------

@pytest.fixture(scope="module")
def shop(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("shop")
    xlsx = folder / "superstore.xlsx"
    wb = xlsxwriter.Workbook(str(xlsx))
    dates = wb.add_format({"num_format": "yyyy-mm-dd"})
    ws = wb.add_worksheet("Orders")
    ws.write_row(0, 0, ["Row ID", "Order ID", "Order Date", "Customer ID", "Customer Name", "Region", "Product Name",
                        "Sales", "Quantity"])
    rnd = random.Random(5)
    for i in range(1, 301):
        order = f"CA-2026-{100 + i // 2}"          # two lines an order
        ws.write_number(i, 0, i)
        ws.write_string(i, 1, order)
        ws.write_datetime(i, 2, dt.datetime(2026, 9, 1) + dt.timedelta(days=rnd.randrange(0, 60)), dates)
        cust = rnd.randrange(1, 30)
        ws.write_row(i, 3, [f"CU-{cust}", f"Customer {cust}", rnd.choice(["East", "West", "South"]),
                            rnd.choice(["Chair", "Desk", "Phone"])])
        ws.write_number(i, 7, round(rnd.uniform(5, 900), 2))
        ws.write_number(i, 8, rnd.randrange(1, 6))
    ws = wb.add_worksheet("Returns")
    ws.write_row(0, 0, ["Returned", "Order ID"])
    for j, order in enumerate(sorted({f"CA-2026-{100 + i // 2}" for i in range(1, 301, 7)})):
        ws.write_row(j + 1, 0, ["Yes", order])
    ws = wb.add_worksheet("People")
    ws.write_row(0, 0, ["Person", "Region"])
    for j, (person, region) in enumerate([("Chuck Magee", "East"), ("Kelly Williams", "West"), ("Cassandra Brandow", "South")]):
        ws.write_row(j + 1, 0, [person, region])
    wb.close()
    convert([xlsx], folder, "xls", folder / "lo-profile")
    (folder / "mapping.toml").write_text('''
[sources]
orders  = "superstore.xls#Orders"
returns = "superstore.xls#Returns"
people  = "superstore.xls#People"

[Reps]
from = "people"
rep_id = "Person"
name = "Person"
team = "Region"

[Orders]
from = "orders"
join = [{ source = "people", on = "Region" }]
order_id = "Row ID"
order_date = "Order Date"
rep_id = "people.Person"
customer_id = "Customer ID"
product = "Product Name"
quantity = "Quantity"
amount = "Sales"

[Orders.returns]
source = "returns"
on = "Order ID"

[Customers]
from = "orders"
distinct = true
customer_id = "Customer ID"
name = "Customer Name"
owner_rep_id = { value = "Chuck Magee" }
region = "Region"
''', encoding="utf-8")
    return folder


def west_october(shop: Path) -> tuple[float, float, list]:
    """The West region's October sales booked and returned, from the source read independently."""
    src = openpyxl.load_workbook(shop / "superstore.xlsx", data_only=True)
    flagged = {r[1] for r in src["Returns"].iter_rows(min_row=2, values_only=True)}
    lines = [r for r in src["Orders"].iter_rows(min_row=2, values_only=True)
             if r[5] == "West" and r[2].strftime("%Y-%m") == "2026-10"]
    returned = [r for r in lines if r[1] in flagged]
    return sum(r[7] for r in lines), sum(r[7] for r in returned), returned


def test_an_xls_with_a_returns_flag_sheet_and_regional_managers(shop, tmp_path):
    book = tmp_path / "shop.xlsx"
    code, out = run("import", shop / "mapping.toml", "--out", book)
    assert code == 0, out
    assert "each return is dated on its original order's date" in out
    code, out = run("validate", book)
    assert code == 0, out
    booked, returned, lines = west_october(shop)
    assert lines
    folder = tmp_path / "out"
    code, out = run("reports", book, "--month", "2026-10", "--out", folder, "--formats", "xlsx")
    assert code == 0, out
    team = folder / "2026-10" / "teams" / "West.xlsx"
    assert report_cell(team, "Month") == pytest.approx(round(booked - returned, 2))
    orders = openpyxl.load_workbook(book, read_only=True)["Orders"]
    back = [r for r in orders.iter_rows(min_row=2, values_only=True) if r[8] == "returned"]
    assert {r[9] for r in back} >= {str(r[0]) for r in lines}      # original_order_id: the Row ID returned
    assert all(r[6] < 0 and r[5] < 0 for r in back)                 # amount and quantity negated


# --- a Chinese ERP export: GB18030, Chinese headers, decimal commas --------------------------

@pytest.fixture(scope="module")
def erp(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("erp")
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["订单号", "下单日期", "业务员", "客户", "产品", "数量", "金额"])
    rnd = random.Random(8)
    for i in range(120):
        day = dt.date(2026, 9, 1) + dt.timedelta(days=rnd.randrange(0, 61))
        amount = f"{rnd.randrange(100, 90000)},{rnd.randrange(0, 100):02d}"
        w.writerow([f"SO{i:05d}", day.isoformat(), rnd.choice(["王伟", "李娜", "张敏"]), rnd.choice(["华为", "联想", "小米"]),
                    "服务器", rnd.randrange(1, 4), amount])
    (folder / "订单.csv").write_bytes(buf.getvalue().encode("gb18030"))
    (folder / "mapping.toml").write_text('''
[sources]
erp = { path = "订单.csv", decimal = "," }

[Orders]
from = "erp"
order_id = "订单号"
order_date = "下单日期"
rep_id = "业务员"
customer_id = "客户"
product = "产品"
quantity = "数量"
amount = "金额"
''', encoding="utf-8")
    return folder


def test_a_gb18030_export_with_chinese_headers(erp, tmp_path):
    book = tmp_path / "erp.xlsx"
    code, out = run("import", erp / "mapping.toml", "--out", book)
    assert code == 0, out
    assert "3 Reps made from the ids other sheets use (name = id): " in out
    assert "Teams" not in openpyxl.load_workbook(book, read_only=True).sheetnames   # the batch takes them from Reps
    code, out = run("validate", book)
    assert code == 0, out
    text = (erp / "订单.csv").read_bytes().decode("gb18030")
    rows = list(csv.DictReader(io.StringIO(text)))
    expected = sum(float(r["金额"].replace(",", ".")) for r in rows if r["业务员"] == "王伟" and r["下单日期"][:7] == "2026-10")
    folder = tmp_path / "out"
    code, out = run("--lang", "zh-CN", "reports", book, "--month", "2026-10", "--out", folder, "--formats", "xlsx")
    assert code == 0, out
    report = next((folder / "2026-10" / "reps").glob("*.xlsx"), None)
    reports = {openpyxl.load_workbook(p)["Report"]["A1"].value: p for p in (folder / "2026-10" / "reps").glob("*.xlsx")}
    wang = next(p for title, p in reports.items() if "王伟" in title)
    assert report is not None and report_cell(wang, "本月") == pytest.approx(round(expected, 2))


def test_suggest_reads_chinese_headers(erp, tmp_path):
    code, out = run("import", "--suggest", erp / "订单.csv")
    assert code == 0, out
    for line in ('decimal = ","', 'order_id = "订单号"', 'order_date = "下单日期"', 'rep_id = "业务员"',
                 'customer_id = "客户"', 'product = "产品"', 'quantity = "数量"', 'amount = "金额"'):
        assert line in out, line


# --- bad mappings: one line each, naming the mapping key and the source cell ----------------

def test_bad_mappings_name_the_key_and_the_source_cell(crm, tmp_path):
    good = (crm / "mapping.toml").read_text(encoding="utf-8")
    cases = {
        "unknown source": (good.replace('from = "teams"\nrep_id', 'from = "team"\nrep_id'),
                           "mapping [Reps] from: unknown source 'team'; [sources] names pipeline, teams, plans"),
        "unknown column": (good.replace('amount = "close_value"\nstatus', 'amount = "value"\nstatus'),
                           "mapping [Orders] amount: sales_pipeline.csv has no column 'value'; it has opportunity_id"),
        "map": (good.replace(', Prospecting = "lead"', ""),
                "mapping [Opportunities] stage: sales_pipeline.csv row "),
        "date": (good.replace('date_format = "%d-%m-%y"', 'date_format = "%m-%d-%y"'),
                 "mapping [Opportunities] created: sales_pipeline.csv row "),
    }
    for name, (text, expected) in cases.items():
        mapping = crm / f"bad-{name.replace(' ', '-')}.toml"
        mapping.write_text(text, encoding="utf-8")
        code, out = run("import", mapping, "--out", tmp_path / f"{name}.xlsx")
        assert code == 2, (name, out)
        assert expected in out, (name, out)
        assert not (tmp_path / f"{name}.xlsx").exists()
    assert "'Prospecting' is not in the map; expected one of Won, Lost, Engaging" in \
        run("import", crm / "bad-map.toml", "--out", tmp_path / "x.xlsx")[1]
    assert "is not a date in %m-%d-%y; expected a date as %m-%d-%y" in \
        run("import", crm / "bad-date.toml", "--out", tmp_path / "x.xlsx")[1]


def test_the_contracts_checks_name_the_source_cell(crm, tmp_path):
    """A lost deal imported as an order: a booked line of amount 0 is fine, a negative one is not."""
    rows = list(csv.reader(open(crm / "sales_pipeline.csv", encoding="utf-8")))
    at = next(i for i, r in enumerate(rows) if i and r[4] == "Won")
    rows[at][7] = "-25"
    folder = tmp_path / "src"
    folder.mkdir()
    with open(folder / "sales_pipeline.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows(rows)
    for name in ("sales_teams.csv", "plans.csv", "mapping.toml"):
        (folder / name).write_bytes((crm / name).read_bytes())
    code, out = run("import", folder / "mapping.toml", "--out", tmp_path / "sales.xlsx")
    assert code == 1
    assert (f"error: mapping [Orders] amount: sales_pipeline.csv row {at + 1} column close_value: -25.0 negative "
            "amount on a booked order; expected zero or more on a booked line") in out
    assert (f"error: mapping [Opportunities] amount: sales_pipeline.csv row {at + 1} column close_value: -25.0 out of "
            "range") in out


def test_the_bulk_writer_keeps_every_value_and_never_writes_a_formula(tmp_path):
    import pandas as pd
    from workbooks.bulkxlsx import write_frames
    frame = pd.DataFrame({
        "text": ["=1+1", "<b>&amp;</b>", "王小明", "  two spaces", None, "bell\x07"],
        "number": [1.5, float("nan"), -0.25, 1e12, 3.0, 0.1],
        "date": pd.to_datetime(["2026-10-31", None, "1999-01-01", "2026-01-01", "2026-02-28", "2026-03-01"]),
        "flag": [True, False, True, True, False, False],
    })
    path = tmp_path / "bulk.xlsx"
    write_frames({"Sheet": frame}, path)
    ws = openpyxl.load_workbook(path)["Sheet"]
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0] == ("text", "number", "date", "flag")
    assert [r[0] for r in rows[1:]] == ["=1+1", "<b>&amp;</b>", "王小明", "  two spaces", None, "bell"]
    assert ws["A2"].data_type == "s"                 # text, not a formula
    assert [r[1] for r in rows[1:]] == [1.5, None, -0.25, 1e12, 3, 0.1]
    assert rows[1][2] == dt.datetime(2026, 10, 31) and rows[2][2] is None
    assert [r[3] for r in rows[1:]] == [True, False, True, True, False, False]
    assert ws.freeze_panes == "A2"


def test_suggest_proposes_the_shop_columns(shop):
    code, out = run("import", "--suggest", f"{shop / 'superstore.xls'}#Orders", f"{shop / 'superstore.xls'}#Returns",
                    f"{shop / 'superstore.xls'}#People")
    assert code == 0, out
    orders = out[out.index("[Orders]"):]
    for line in ('order_id = "Row ID"', 'order_date = "Order Date"', 'customer_id = "Customer ID"',
                 'product = "Product Name"', 'quantity = "Quantity"', 'amount = "Sales"'):
        assert line in orders, line
    reps = out[out.index("[Reps]"):out.index("[Teams]") if "[Teams]" in out else None]
    assert 'rep_id = "Person"' in reps and 'team = "Region"' in reps
    assert "superstore_orders = {" in out and "superstore_people = {" in out
    assert '[Orders.returns]' in out and 'source = "superstore_returns"' in out and 'on = "Order ID"' in out


def test_a_utf8_csv_with_a_byte_order_mark(tmp_path):
    (tmp_path / "orders.csv").write_bytes("\ufefforder_id,order_date,rep_id,customer_id,product,quantity,amount\n"
                                          "O1,2026-10-01,R1,C1,P,2,\"1,234.50\"\n".encode("utf-8"))
    (tmp_path / "m.toml").write_text('[sources]\ns = "orders.csv"\n[Orders]\nfrom = "s"\norder_id = "order_id"\n'
                                     'order_date = "order_date"\nrep_id = "rep_id"\ncustomer_id = "customer_id"\n'
                                     'product = "product"\nquantity = "quantity"\namount = "amount"\n')
    code, out = run("import", tmp_path / "m.toml", "--out", tmp_path / "o.xlsx")
    assert code == 0, out
    row = list(openpyxl.load_workbook(tmp_path / "o.xlsx")["Orders"].iter_rows(min_row=2, values_only=True))[0]
    assert row[:7] == ("O1", dt.datetime(2026, 10, 1), "R1", "C1", "P", 2, 1234.5)


def test_a_csv_header_naming_a_column_twice_is_one_line(tmp_path):
    (tmp_path / "dupr.csv").write_text("rep_id,rep_id,name,team\nR1,R1,Ann,T\n", encoding="utf-8")
    (tmp_path / "m.toml").write_text('[sources]\nr = "dupr.csv"\n[Reps]\nfrom = "r"\nrep_id = "rep_id"\n'
                                     'name = "name"\nteam = "team"\n', encoding="utf-8")
    code, out = run("import", tmp_path / "m.toml", "--out", tmp_path / "o.xlsx")
    assert code == 2, out
    assert "error: dupr.csv: column 'rep_id' appears twice in the header (columns 1 and 2)" in out, out
    assert not (tmp_path / "o.xlsx").exists()
    book = xlsxwriter.Workbook(tmp_path / "dupr.xlsx")
    book.add_worksheet("R").write_row(0, 0, ["rep_id", "name", "rep_id", " rep_id ", "team"])
    book.close()
    (tmp_path / "m.toml").write_text((tmp_path / "m.toml").read_text().replace("dupr.csv", "dupr.xlsx#R"))
    code, out = run("import", tmp_path / "m.toml", "--out", tmp_path / "o.xlsx")
    assert code == 2, out
    assert "error: dupr.xlsx#R: column 'rep_id' appears 3 times in the header (columns 1, 3 and 4)" in out, out


def test_reps_without_an_active_column_are_all_active(tmp_path):
    (tmp_path / "reps.csv").write_text("id,name,team\nR1,Ann,T\nR2,Bo,T\n", encoding="utf-8")
    (tmp_path / "m.toml").write_text('[sources]\nr = "reps.csv"\n[Reps]\nfrom = "r"\nrep_id = "id"\n'
                                     'name = "name"\nteam = "team"\n', encoding="utf-8")
    code, out = run("import", tmp_path / "m.toml", "--out", tmp_path / "o.xlsx")
    assert code in (0, 1), out
    assert "no active; left blank" not in out
    sheet = openpyxl.load_workbook(tmp_path / "o.xlsx")["Reps"]
    head = [c.value for c in sheet[1]]
    assert [r[head.index("active")] for r in sheet.iter_rows(min_row=2, values_only=True)] == [True, True]


def test_a_file_whose_name_holds_a_hash_is_itself(erp, tmp_path):
    """FILE#SHEET names a sheet; a file whose own name holds a # is still that file (one rule,
    importing.file_and_sheet, for --suggest, the mapping and the command line)."""
    from workbooks.importing import file_and_sheet

    hashed = tmp_path / "订单 #10.csv"
    hashed.write_bytes((erp / "订单.csv").read_bytes())
    assert file_and_sheet(str(hashed)) == (hashed.resolve(), None)
    assert file_and_sheet(str(tmp_path / "book.xlsx#Orders")) == ((tmp_path / "book.xlsx").resolve(), "Orders")
    assert file_and_sheet(f"{hashed}#Sheet1") == (hashed.resolve(), "Sheet1")
    code, out = run("import", "--suggest", hashed)
    assert code == 0, out
    assert 'order_id = "订单号"' in out and "does not exist" not in out
