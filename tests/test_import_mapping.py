"""The import mapping's derived columns (``expr``) and filters (``where`` tests), on real CSV
sources through the command line; the expected values computed independently (Decimal)."""
from __future__ import annotations

import csv
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import openpyxl
import pytest

from tests.test_import import run
from workbooks import import_expr

HEAD = ["Row ID", "Order Date", "Rep", "Customer", "Product", "Qty", "Unit Price", "Sales", "Profit", "Channel"]
ROWS = [
    ["1", "2024-12-30", "R1", "C1", "Desk", "2", "10.125", "22.368", "5.1234", "web"],
    ["2", "2025-01-01", "R1", "C2", "Chair", "1", "99.995", "957.5775", "-12.5", "store"],
    ["3", "2025-02-10", "R2", "C1", "Phone", "3", "7", "21", "", "web"],
    ["4", "2025-03-31", "R2", "C3", "Desk", "1", "0", "0", "0", ""],
    ["5", "not a date", "R2", "C3", "Desk", "1", "5", "oops", "1", "test"],
]
TABLE = ('[Orders]\nfrom = "s"\norder_id = "Row ID"\norder_date = "Order Date"\nrep_id = "Rep"\n'
         'customer_id = "Customer"\nproduct = "Product"\nquantity = "Qty"\n')


def cent(x) -> Decimal:
    return Decimal(x).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def source(tmp_path: Path, table: str, rows=ROWS) -> Path:
    with open(tmp_path / "shop.csv", "w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([HEAD, *rows])
    (tmp_path / "m.toml").write_text('[sources]\ns = "shop.csv"\n' + table, encoding="utf-8")
    return tmp_path / "m.toml"


def imported(tmp_path: Path, table: str, rows=ROWS) -> tuple[int, str, list[tuple]]:
    code, out = run("import", source(tmp_path, table, rows), "--out", tmp_path / "book.xlsx")
    if not (tmp_path / "book.xlsx").exists():
        return code, out, []
    sheet = openpyxl.load_workbook(tmp_path / "book.xlsx", read_only=True)["Orders"]
    return code, out, [r for r in sheet.iter_rows(min_row=2, values_only=True)]


def test_derived_columns_compute_margins_on_source_columns(tmp_path):
    table = TABLE + ('amount = "Sales"\ncost = { expr = "Sales - Profit" }\n'
                     'where = { Channel = { not_in = ["test"] } }\n')
    code, out, lines = imported(tmp_path, table)
    assert code == 0, out
    by_id = {r[0]: r for r in lines}
    for row in ROWS[:3]:
        expected = None if not row[8] else cent(Decimal(row[7]) - Decimal(row[8]))
        got = by_id[row[0]][7]
        assert (got is None) if expected is None else Decimal(str(got)) == expected, row   # blank Profit: no cost
    assert Decimal(str(by_id["1"][6])) == Decimal("22.37") and Decimal(str(by_id["2"][6])) == Decimal("957.58")


def test_an_expression_with_parentheses_backticks_and_a_leading_minus(tmp_path):
    table = TABLE + ('amount = { expr = "(`Unit Price` * Qty) - -1 * 0 + Qty / 2 - Qty / 2" }\n'
                     'where = { Rep = "R1" }\n')
    code, out, lines = imported(tmp_path, table)
    assert code == 0, out
    assert {r[0]: Decimal(str(r[6])) for r in lines} == {"1": cent(Decimal("10.125") * 2), "2": cent(Decimal("99.995"))}


@pytest.mark.parametrize("expr, said", [
    ("Sales - - ", "expr 'Sales - - ': the expression ends too soon; expected a column, a number or ( at position 11"),
    ("Sales + Proft", "expr 'Sales + Proft': shop.csv has no column 'Proft' (position 9); it has Row ID"),
    ("Sales $ 2", "expr 'Sales $ 2': unexpected '$'; expected an operator (+ - * /) at position 7"),
    ("(Sales - Profit", "expr '(Sales - Profit': expected ) at position 16"),
    ("Sales Profit", "expr 'Sales Profit': unexpected 'Profit'; expected an operator (+ - * /) at position 7"),
    ("__import__('os')", "expr \"__import__('os')\": unexpected '('; expected an operator (+ - * /) at position 11"),
])
def test_a_bad_expression_names_the_mapping_key_and_the_position(tmp_path, expr, said):
    code, out, _ = imported(tmp_path, TABLE + f'amount = "Sales"\ncost = {{ expr = "{expr}" }}\n'
                                              'where = { Channel = { not_blank = true, not_in = ["test"] } }\n')
    assert code == 2, out
    assert f"error: mapping [Orders] cost: {said}" in out, out
    assert not (tmp_path / "book.xlsx").exists()


def test_a_division_by_zero_and_a_non_number_name_the_source_cell(tmp_path):
    code, out, _ = imported(tmp_path, TABLE + 'amount = { expr = "Sales / `Unit Price`" }\n'
                                              'where = { "Row ID" = { "<=" = 4 } }\n')
    assert code == 2
    assert "error: mapping [Orders] amount: shop.csv row 5: Sales / `Unit Price` divides by zero" in out
    code, out, _ = imported(tmp_path, TABLE + 'amount = "Sales"\nstatus = { expr = "Sales * 2" }\n')
    assert code == 2 and "mapping [Orders] status: expr gives a number; status is one of booked" in out, out


@pytest.mark.parametrize("where, kept", [
    ('{ Channel = { not_blank = true } }', ["1", "2", "3", "5"]),
    ('{ Channel = { not_blank = false } }', ["4"]),
    ('{ "Order Date" = { since = "2025-01-01", until = 2025-02-10 }, "Row ID" = { "<" = 5 } }', ["2", "3"]),
    ('{ Channel = { in = ["web", "store"] } }', ["1", "2", "3"]),
    ('{ Channel = { not_in = ["test"] } }', ["1", "2", "3", "4"]),
    ('{ Qty = { ">" = 1 }, "Row ID" = { "<" = 5 } }', ["1", "3"]),
    ('{ Qty = { ">=" = 1, "<=" = 2 }, Channel = "web" }', ["1"]),
])
def test_filters_keep_rows_before_anything_is_checked(tmp_path, where, kept):
    """Row 5 has a date and an amount that do not read: a filter that keeps it stops the import
    (its date is an error, never a guess); one that leaves it out is not troubled by it."""
    code, out, lines = imported(tmp_path, TABLE + f'amount = "Sales"\nwhere = {where}\n')
    if "5" in kept:
        assert code == 2 and "shop.csv row 6 column Order Date: 'not a date' is not a date" in out
        return
    assert code == 0, out
    assert [r[0] for r in lines] == kept


def test_a_bad_filter_says_what_is_expected(tmp_path):
    cases = {'{ Channel = { like = "w%" } }': "mapping [Orders] where Channel: unknown test like; expected one of "
                                              "not_blank, since, until, in, not_in, >, >=, <, <=",
             '{ "Order Date" = { since = "01/02/2025" } }': "mapping [Orders] where Order Date: since = '01/02/2025'; "
                                                            "expected an ISO date such as 2025-01-01",
             '{ Qty = { ">" = "one" } }': "mapping [Orders] where Qty: > 'one'; expected a number",
             '{ "Order Date" = { until = "2025-12-31" } }': "mapping [Orders] where Order Date: shop.csv row 6 column "
                                                           "Order Date: 'not a date' is not a date"}
    for where, said in cases.items():
        code, out, _ = imported(tmp_path, TABLE + f'amount = "Sales"\nwhere = {where}\n')
        assert code == 2 and said in out, (where, out)


def test_the_parser_never_evaluates_python():
    node = import_expr.parse("a*(b-2)/-c")
    assert [c.name for c in import_expr.columns(node)] == ["a", "b", "c"]
    import numpy as np
    got = import_expr.evaluate(node, {"a": np.array([6.0]), "b": np.array([5.0]), "c": np.array([3.0])})
    assert got.tolist() == [-6.0]


@pytest.mark.parametrize("expr, said", [
    ("(" * 3000 + "Sales" + ")" * 3000, "the expression is 6,005 characters long; at most 1,000"),
    ("-" * 3000 + "Sales", "the expression is 3,005 characters long; at most 1,000"),
    (" + ".join(["Sales"] * 2000), "the expression is 15,997 characters long; at most 1,000"),
    ("(" * 51 + "Sales" + ")" * 51, "brackets and minus signs nest more than 50 deep at position 51"),
    ("-" * 51 + "Sales", "brackets and minus signs nest more than 50 deep at position 51"),
])
def test_an_expression_too_long_or_too_deep_is_one_line_naming_the_key(tmp_path, expr, said):
    code, out, _ = imported(tmp_path, TABLE + f'amount = {{ expr = "{expr}" }}\nwhere = {{ "Row ID" = {{ "<" = 5 }} }}\n')
    assert code == 2, out
    lines = [line for line in out.splitlines() if line.startswith("error:")]
    assert len(lines) == 1 and lines[0].startswith("error: mapping [Orders] amount: expr '") and said in lines[0], out
    assert len(lines[0]) < 200 and ("…" in lines[0]) == (len(expr) > 60)


def test_a_long_flat_sum_within_the_limits_is_computed(tmp_path):
    rows = [r for r in ROWS if r[0] in ("1", "2")]
    deep = "-" * 50 + "Qty"
    code, out, lines = imported(tmp_path, TABLE + f'amount = {{ expr = "{"+".join(["Sales"] * 150)} + {deep}" }}\n',
                                rows)
    assert code == 0, out
    got = {r[0]: Decimal(str(r[6])) for r in lines}
    assert got == {r[0]: cent(Decimal(r[7]) * 150 + Decimal(r[5])) for r in rows}
    node = import_expr.parse("+".join(["a"] * 499))         # 997 characters: a tree 498 deep
    import numpy as np
    assert import_expr.evaluate(node, {"a": np.array([1.5])}).tolist() == [1.5 * 499]
    assert len(import_expr.columns(node)) == 499


def test_an_expression_that_is_not_text_says_to_quote_it(tmp_path):
    code, out, _ = imported(tmp_path, TABLE + 'amount = { expr = 5 }\n')
    assert code == 2
    assert ('error: mapping [Orders] amount: expr \'5\': 5 is not text; write the expression in quotes, '
            'e.g. expr = "Sales - Profit"') in out, out
    assert "empty expression" not in out


def test_many_divisions_by_zero_are_all_counted_and_a_blank_over_zero_is_blank(tmp_path):
    rows = [[str(i), "2025-01-01", "R1", "C1", "Desk", "0", "1", "5", "", "web"] for i in range(1, 151)]
    rows.append(["151", "2025-01-01", "R1", "C1", "Desk", "0", "1", "", "", "web"])
    code, out, _ = imported(tmp_path, TABLE.replace('quantity = "Qty"\n', 'quantity = { value = 1 }\n')
                            + 'amount = { expr = "Sales / Qty" }\n', rows)
    assert code == 2
    assert out.count("divides by zero") == 21, out
    assert "error: mapping [Orders] amount: ... and 130 more row(s) of shop.csv where Sales / Qty divides by zero" in out
    assert "row 152:" not in out                                        # the blank Sales: a blank amount
    assert "stopped, nothing was written: 150 problem(s)" in out, out


def test_a_day_bound_keeps_the_rows_timed_on_that_day(tmp_path):
    rows = [["1", "2025-01-01 00:30:00", *ROWS[0][2:]], ["2", "2025-12-31 14:00:00", *ROWS[1][2:]],
            ["3", "2026-01-01 00:00:01", *ROWS[2][2:]], ["4", "2024-12-31 23:59:59", *ROWS[3][2:]]]
    code, out, lines = imported(tmp_path, TABLE + 'amount = "Sales"\nwhere = { "Order Date" = '
                                '{ since = "2025-01-01", until = "2025-12-31" } }\n', rows)
    assert code == 0, out
    assert [r[0] for r in lines] == ["1", "2"]


def test_an_empty_test_is_refused(tmp_path):
    code, out, _ = imported(tmp_path, TABLE + 'amount = "Sales"\nwhere = { "Qty" = { } }\n')
    assert code == 2 and not (tmp_path / "book.xlsx").exists()
    assert ("error: mapping [Orders] where Qty: an empty test keeps every row; give one of not_blank, since, until, "
            "in, not_in, >, >=, <, <=, or leave the column out of where") in out, out
