"""English and Chinese: one message catalogue per language (workbooks/locale), chosen by
--lang or the workbook's Settings sheet, in every report, statement, the dashboard, mail and
the planning workbook; and printed reports that keep headings with their tables."""
from __future__ import annotations

import email
import email.policy
import re
import subprocess

import openpyxl
import pandas as pd
import pytest
from click.testing import CliRunner

from generators.cli import main
from generators.monthdata import load_month
from generators.report_data import month_facts
from generators.report_xlsx import team_workbook
from tests.support.messages import message_ids
from workbooks import demo
from workbooks.i18n import CATALOGUES, _read_catalogue, check_language, language
from workbooks.salesbook import write_sales_workbook

MONTH = "2026-10"
PLACEHOLDER = re.compile(r"\{(\w+)\}")


def test_every_message_shown_has_its_chinese_with_the_same_placeholders():
    zh = _read_catalogue(CATALOGUES / "zh_CN.po")
    ids = message_ids()
    assert len(ids) > 250              # the extraction finds the messages (templates, code, tables)
    missing = sorted(i for i in ids if i not in zh)
    assert missing == [], f"not in workbooks/locale/zh_CN.po: {missing[:10]}"
    wrong = [i for i in ids if set(PLACEHOLDER.findall(i)) != set(PLACEHOLDER.findall(zh[i]))]
    assert wrong == []
    assert sorted(set(zh) - ids) == [], "messages in the catalogue that nothing shows"


def test_language_formats_months_dates_and_numbers():
    zh, en = language("zh-CN"), language("en")
    assert (zh.month("2026-10"), en.month("2026-10")) == ("2026年10月", "October 2026")
    assert (zh.date("2026-10-31"), en.date("2026-10-31")) == ("2026年10月31日", "October 31, 2026")
    assert zh.money(1234.5) == "1,234.50" and zh.pct(0.431) == "43.1%" and zh.kpi_value(31.54, "days") == "31.5 天"
    assert zh("Hello {name},", name="王{x}") == "王{x}，您好：" and zh.term("Li Na") == "Li Na"
    assert check_language("zh_cn") == "zh-CN" and check_language("") == "en"
    with pytest.raises(ValueError, match="en, zh-CN"):
        check_language("fr")


@pytest.fixture(scope="module")
def chinese_month(tmp_path_factory):
    """A workbook that declares language zh-CN in its Settings sheet, with a Chinese team and
    rep; its reports (with PDFs), statements, dashboard and dry-run mail."""
    frames = demo.build(reps=12, teams=3, months=14, seed=3)
    frames["Settings"] = pd.DataFrame({"setting": ["language"], "value": ["zh-CN"]})
    reps = frames["Reps"]
    reps.loc[reps["rep_id"] == "R0001", "name"] = "王小明"
    folder = tmp_path_factory.mktemp("zh")
    book = folder / "销售.xlsx"
    write_sales_workbook(frames, book)
    out = folder / "out"
    team = reps.set_index("rep_id").loc["R0001", "team"]
    run = CliRunner().invoke(main, ["reports", str(book), "--month", MONTH, "--out", str(out), "--formats",
                                    "xlsx,html,pdf"])
    assert run.exit_code == 0, run.output
    run = CliRunner().invoke(main, ["commissions", str(book), "--month", MONTH, "--out", str(out), "--formats", "xlsx"])
    assert run.exit_code in (0, 1), run.output
    run = CliRunner().invoke(main, ["send", str(out), "--month", MONTH, "--dry-run", "--only", "R0001"])
    assert run.exit_code == 0, run.output
    return frames, book, out / MONTH, team


def test_chinese_reports_print_in_chinese_with_an_embedded_cjk_font(chinese_month):
    frames, _, month_dir, team = chinese_month
    pdf = month_dir / "reps" / "R0001.pdf"
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    for label in ("月度销售报告：王小明 (R0001)，2026年10月", "销售额对比目标", "KPI 记分卡", "本季度累计",
                  "销售漏斗（近 12 个月创建的商机）", "十二个月趋势", "第 1 页，共"):
        assert label in text, label
    o = frames["Orders"]
    mine = o[(o["status"] != "cancelled") & (o["order_date"].dt.strftime("%Y-%m") == MONTH) & (o["rep_id"] == "R0001")]
    assert f"{round(mine['amount'].sum(), 2):,.2f}" in text
    for english in ("Sales against target", "KPI scorecard", "Twelve-month trend", "Page 1 of"):
        assert english not in text
    for kpi in ("销售额", "毛利率", "拜访活动", "赢单率", "满意度"):   # the scorecard's rows, each with its bar
        assert kpi in text, kpi
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout
    embedded = [line.split()[0] for line in fonts.splitlines()[2:] if " yes " in line]
    assert embedded and all("NotoSansCJKsc" in name for name in embedded), fonts   # SC shapes, not JP
    team_text = subprocess.run(["pdftotext", "-layout", str(month_dir / "teams" / f"{team}.pdf"), "-"],
                               capture_output=True, text=True, check=True).stdout
    assert "团队月度报告" in team_text and "销售代表得分排名" in team_text
    html = (month_dir / "reps" / "R0001.html").read_text(encoding="utf-8")
    assert 'lang="zh-CN"' in html and "客户满意度" in html and "Customer satisfaction" not in html


def test_chinese_statements_dashboard_and_mail(chinese_month):
    _, _, month_dir, _ = chinese_month
    statement = openpyxl.load_workbook(month_dir / "commissions" / "R0001.xlsx")["Statement"]
    assert statement["A1"].value == "提成结算单，2026年10月"
    assert [c.value for c in statement[8]][:3] == ["类型", "订单", "日期"]
    labels = {c.value for row in statement.iter_rows() for c in row if isinstance(c.value, str)}
    assert {"销售代表", "方案", "销售提成", "已赚合计", "应发合计"} <= labels and "Earned" not in labels
    page = (month_dir / "index.html").read_text(encoding="utf-8")
    assert "团队排名，2026年10月" in page and "销售冠军" in page and "Team ranking" not in page
    eml = next((month_dir / "outbox").glob("*.eml"))
    msg = email.message_from_bytes(eml.read_bytes(), policy=email.policy.default)
    assert str(msg["Subject"]) == "您2026年10月的销售报告"
    body = next(p for p in msg.walk() if p.get_content_type() == "text/plain").get_content()
    assert "王小明，您好：" in body and "本月销售额：" in body


def test_the_command_line_language_wins_over_the_workbooks(chinese_month, tmp_path):
    _, book, _, _ = chinese_month
    out = tmp_path / "en"
    run = CliRunner().invoke(main, ["--lang", "en", "reports", str(book), "--month", MONTH, "--out", str(out),
                                    "--formats", "xlsx", "--only", "R0001"])
    assert run.exit_code == 0, run.output
    ws = openpyxl.load_workbook(out / MONTH / "reps" / "R0001.xlsx")["Report"]
    assert ws["A1"].value == "Monthly sales report: 王小明 (R0001), October 2026"
    plan = tmp_path / "planning.xlsx"
    run = CliRunner().invoke(main, ["--lang", "zh-CN", "workbook", "new", str(plan)])
    assert run.exit_code == 0, run.output
    start = openpyxl.load_workbook(plan)["Start here"]
    assert start["A1"].value == "SalesDesk 计划工作簿" and start["A3"].value == "包含内容"


def test_a_language_the_workbook_names_must_be_one_we_speak(tmp_path, demo_frames):
    frames = dict(demo_frames, Settings=pd.DataFrame({"setting": ["language"], "value": ["fr"]}))
    book = tmp_path / "fr.xlsx"
    write_sales_workbook(frames, book)
    run = CliRunner().invoke(main, ["validate", str(book)])
    assert run.exit_code != 0
    assert "Settings row 2 column value: not a language SalesDesk speaks (fr); expected language en or zh-CN" \
        in run.output.replace("\n", " ")


def test_a_long_table_repeats_its_header_after_each_page_break_and_headings_stay_with_tables(tmp_path):
    frames = demo.build(reps=70, teams=1, months=14, seed=5)
    book = tmp_path / "big-team.xlsx"
    write_sales_workbook(frames, book)
    md = load_month(book, MONTH)
    ctx = next(iter(month_facts(md).teams))
    assert len(ctx.reps) == 70
    path = tmp_path / "team.xlsx"
    path.write_bytes(team_workbook(ctx))
    ws = openpyxl.load_workbook(path)["Report"]
    breaks = [b.id for b in ws.row_breaks.brk]      # a page starts at the row after each break id
    assert len(breaks) >= 3
    top = next(r for r in range(1, 12) if ws.cell(r, 1).value == "rep")     # the ranked table's header
    header = [c.value for c in ws[top]]
    assert header[:3] == ["rep", "name", "actual"]
    total = next(r for r in range(top, ws.max_row + 1) if ws.cell(r, 1).value == "Total")
    continued = [b for b in breaks if top < b < total]
    assert continued, "the 70-rep table spans pages"
    for b in continued:
        assert [c.value for c in ws[b + 1]][:3] == header[:3]
    for b in breaks:                                   # no page ends with a section's heading
        last = ws.cell(b, 1)
        assert not (last.font.bold and last.font.sz == 12), (b, last.value)
