"""Posting the month to WeCom, DingTalk and Feishu group bots, against a local server that
answers as each platform documents (tests/support/chat_server.py): request shapes and signatures,
rate limits waited out, refused signatures, exactly-once, --resend, --dry-run, a Chinese
team, hostile names reaching the chat as text, and WeCom's 4,096-byte limit."""
from __future__ import annotations

import json
import shutil
import sqlite3

import pandas as pd
import pytest
from click.testing import CliRunner

from generators import chat_message as cm
from generators.chat import Chat, ChatConfigError, HttpTransport, PLATFORMS, load_chats, post_month, redact_url
from generators.delivery import Permanent
from generators.cli import main
from tests.support import chat_server
from tests.support.chat_server import DINGTALK_TOKEN, FEISHU_HOOK, WECOM_KEY
from workbooks import demo
from workbooks.files import exclusive, FolderBusy
from workbooks.salesbook import write_sales_workbook

MONTH = "2026-10"
CHINESE_TEAM = "华东区"
HOSTILE_TEAM = "**Top** [x](http://evil.test) <font color=\"red\">"
HOSTILE_REP = "Eve{i} _x_ `c` <at user_id=\"all\">所有人</at> <@wangqing>\n# heading {i} [link](http://evil.test)"
ENV = {"SALESDESK_DINGTALK_SECRET": "SECding-secret-value", "SALESDESK_FEISHU_SECRET": "feishu-secret-value"}


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """A Chinese-language month (Settings: zh-CN) with a Chinese team and a team whose name and
    reps' names are markdown, tags and line breaks; its reports as PDFs (WeCom gets them)."""
    frames = demo.build(reps=9, teams=3, months=14, seed=3)
    frames["Settings"] = pd.DataFrame({"setting": ["language"], "value": ["zh-CN"]})
    rename = {"North": CHINESE_TEAM, "South": HOSTILE_TEAM}
    for sheet, column in (("Teams", "team"), ("Reps", "team"), ("Targets", "key")):
        frames[sheet][column] = frames[sheet][column].replace(rename)
    reps = frames["Reps"]
    hostile = reps["team"] == HOSTILE_TEAM
    reps.loc[hostile, "name"] = [HOSTILE_REP.format(i=i) for i in range(hostile.sum())]
    folder = tmp_path_factory.mktemp("chat")
    book = folder / "sales.xlsx"
    write_sales_workbook(frames, book)
    out = folder / "out"
    run = CliRunner().invoke(main, ["reports", str(book), "--month", MONTH, "--out", str(out), "--formats", "pdf"])
    assert run.exit_code == 0, run.output
    return out


@pytest.fixture
def folder(outputs, tmp_path):
    dst = tmp_path / "out"
    shutil.copytree(outputs, dst)
    return dst


@pytest.fixture
def platforms():
    p = chat_server.Platforms()
    with chat_server.running(p) as base:
        p.base = base
        yield p


def write_config(path, base, wecom=("*",), dingtalk=(CHINESE_TEAM,), feishu=(HOSTILE_TEAM, "East")):
    tables = []
    if wecom:
        tables.append(("wecom", f"{base}/cgi-bin/webhook/send?key={WECOM_KEY}", None, wecom))
    if dingtalk:
        tables.append(("dingtalk", f"{base}/robot/send?access_token={DINGTALK_TOKEN}", "SALESDESK_DINGTALK_SECRET",
                       dingtalk))
    if feishu:
        tables.append(("feishu", f"{base}/open-apis/bot/v2/hook/{FEISHU_HOOK}", "SALESDESK_FEISHU_SECRET", feishu))
    text = "".join(f'[[chat]]\nkind = "{k}"\nurl = {json.dumps(u)}\n' + (f'secret_env = "{s}"\n' if s else "")
                   + f"teams = {json.dumps(list(t), ensure_ascii=False)}\n\n" for k, u, s, t in tables)
    config = path / "salesdesk.toml"
    config.write_text(text, encoding="utf-8")
    return config


class FakeTime:
    """The batch's clock and sleep: waits are recorded, not slept."""

    def __init__(self):
        self.now, self.waits = 0.0, []

    def sleep(self, seconds):
        self.waits.append(round(seconds, 3))
        self.now += seconds

    def clock(self):
        return self.now


def post(folder, config, env=ENV, **kw):
    fake = FakeTime()
    summary, outbox = post_month(folder, MONTH, config, environ=env, sleep=fake.sleep, clock=fake.clock, **kw)
    return summary, fake


def ledger_rows(folder):
    with sqlite3.connect(folder / "chat-ledger.sqlite") as db:
        return db.execute("SELECT kind, key, status, recipient, reason FROM messages ORDER BY kind, key").fetchall()


def figures(folder):
    return json.loads((folder / MONTH / "dashboard.json").read_text(encoding="utf-8"))


def test_each_platform_gets_its_documented_signed_requests(folder, platforms):
    config = write_config(folder, platforms.base)
    summary, fake = post(folder, config)
    teams = [row["team"] for row in figures(folder)["teams"]]
    assert summary.failed == [] and summary.skipped == [] and platforms.problems == []
    # WeCom ("*"): every team and the company, each team's PDF after its summary
    wecom = platforms.of("wecom")
    markdown = [r["json"]["markdown"]["content"] for r in wecom if r["json"]["msgtype"] == "markdown"]
    assert len(markdown) == len(teams) + 1
    uploads = [r for r in platforms.requests if r["platform"] == "upload"]
    assert len(uploads) == len(teams) == len([r for r in wecom if r["json"]["msgtype"] == "file"])
    pdfs = {(folder / MONTH / "teams").glob("*.pdf").__next__().read_bytes()[:4]}
    assert {u["file"]["content"][:4] for u in uploads} == pdfs == {b"%PDF"}
    # DingTalk and Feishu: their teams only, signed (the server recomputed each signature)
    assert [r["json"]["markdown"]["title"] for r in platforms.of("dingtalk")] == [f"{CHINESE_TEAM}：2026年10月销售"]
    feishu = platforms.of("feishu")
    assert [list(r["json"]["content"]["post"]) for r in feishu] == [["zh_cn"], ["zh_cn"]]
    assert all(r["json"]["timestamp"].isdigit() and r["json"]["sign"] for r in feishu)
    # WeCom allows 20 messages a minute per robot: 3 s apart (no real sleeping here)
    assert fake.waits and set(fake.waits) == {3.0}
    assert len(summary.sent) == len(teams) * 2 + 1 + 1 + 2


def test_the_message_says_the_teams_month_in_the_reports_language(folder, platforms):
    config = write_config(folder, platforms.base, feishu=())
    post(folder, config)
    f = figures(folder)
    row = next(r for r in f["teams"] if r["team"] == CHINESE_TEAM)
    text = platforms.of("dingtalk")[0]["json"]["markdown"]["text"]
    rank = [r["team"] for r in f["teams"]].index(CHINESE_TEAM) + 1
    assert text.startswith(f"### {CHINESE_TEAM}：2026年10月销售")
    assert f"**达成率**: {row['attainment'] * 100:.1f}%（{row['actual']:,.2f} / 目标 {row['target']:,.2f}）" in text
    assert f"**团队排名**: {rank}/3" in text
    champion = row["champion"]
    assert f"**冠军**: {champion['name']} ({champion['rep_id']}): {champion['attainment'] * 100:.1f}%" in text
    behind = [b for b in f["behind"] if b["team"] == CHINESE_TEAM]
    assert f"**进度落后的销售代表（{len(behind)}）**" in text
    assert behind or "没有人进度落后。" in text
    for b in behind[:cm.LISTED]:
        assert f"- {b['name']} ({b['rep_id']}): {b['attainment'] * 100:.1f}%" in text
    assert f"高价值客户逾期未回访（{row['overdue_high_value']}）" in text
    assert text.endswith("> 数据截至 2026年10月30日。")


def test_hostile_names_reach_the_chat_as_text(folder, platforms):
    config = write_config(folder, platforms.base, dingtalk=())
    summary, _ = post(folder, config)
    assert summary.failed == [] and platforms.problems == []
    hostile = [r["json"]["markdown"]["content"] for r in platforms.of("wecom")
               if r["json"]["msgtype"] == "markdown" and "Top" in r["json"]["markdown"]["content"]]
    assert len(hostile) == 2                                   # the team's post and the company's
    for content in hostile:
        assert "<at" not in content and "<@" not in content and "<font" not in content and "](http" not in content
        assert "\\*\\*Top\\*\\* \\[x\\]\\(http://evil.test\\) &lt;font color=\"red\"&gt;" in content
        for line in content.split("\n"):                       # every line is ours: no line break from a name
            assert line == "" or line.startswith(("### ", "**", "- ", "> ")), line
    team_post = next(c for c in hostile if c.startswith("### \\*\\*Top"))
    assert "Eve0 \\_x\\_ \\`c\\` &lt;at user\\_id=\"all\"&gt;所有人&lt;/at&gt; &lt;@wangqing&gt; \\# heading 0" in team_post
    # Feishu rich text: the names as plain text, one line, nothing but text elements
    elements = [e for r in platforms.of("feishu") for para in r["json"]["content"]["post"]["zh_cn"]["content"]
                for e in para]
    assert {e["tag"] for e in elements} == {"text"} and not any("\n" in e["text"] for e in elements)
    titles = [r["json"]["content"]["post"]["zh_cn"]["title"] for r in platforms.of("feishu")]
    assert f"{HOSTILE_TEAM}：2026年10月销售" in titles


def test_a_rerun_posts_only_what_was_not_posted_and_resend_posts_again(folder, platforms):
    config = write_config(folder, platforms.base)
    first, _ = post(folder, config)
    count = len(platforms.requests)
    again, _ = post(folder, config)
    assert again.sent == [] and len(again.already) == len(first.sent) and len(platforms.requests) == count
    assert {status for _, _, status, _, _ in ledger_rows(folder)} == {"sent"}
    resent, _ = post(folder, config, resend=True)
    assert len(resent.sent) == len(first.sent) and len(platforms.requests) == 2 * count


def test_a_rate_limit_is_waited_out_and_retried(folder, platforms):
    platforms.fail["wecom"] = [{"errcode": 45009, "errmsg": "api freq out of limit"}] * 2
    platforms.fail["dingtalk"] = [{"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}]
    platforms.fail["feishu"] = [{"code": 11232, "msg": "frequency limited", "data": {}}]
    config = write_config(folder, platforms.base)
    summary, fake = post(folder, config, only={CHINESE_TEAM, "East"})
    assert summary.failed == [] and len(summary.sent) == 6      # WeCom 2 x (summary, PDF), DingTalk 1, Feishu 1
    assert fake.waits.count(10.0) == 3 and fake.waits.count(20.0) == 1   # back-off doubles per try


def test_a_refused_signature_is_a_failed_post_naming_the_chat_never_its_secrets(folder, platforms):
    config = write_config(folder, platforms.base, wecom=())
    wrong = {"SALESDESK_DINGTALK_SECRET": "SECwrong-secret", "SALESDESK_FEISHU_SECRET": "wrong-secret"}
    summary, _ = post(folder, config, env=wrong)
    assert summary.sent == [] and len(summary.failed) == 3 and summary.exit_code == 1
    text = "\n".join(summary.failed) + repr(ledger_rows(folder))
    assert "310000" in text and "19021" in text and "refused the signature" in text
    assert "dingtalk chat for 华东区 (http://127.0.0.1" in text and "access_token=***" in text and "hook/***" in text
    for secret in (*wrong.values(), DINGTALK_TOKEN, FEISHU_HOOK):
        assert secret not in text
    assert {status for _, _, status, _, _ in ledger_rows(folder)} == {"failed"}
    fixed, _ = post(folder, config)                              # the right secrets: a re-run posts them
    assert len(fixed.sent) == 3 and fixed.failed == []


def test_a_bad_address_fails_that_chat_and_the_batch_goes_on(folder, platforms):
    config = write_config(folder, platforms.base, wecom=(CHINESE_TEAM,), feishu=())
    config.write_text(config.read_text().replace(WECOM_KEY, "not-the-key-at-all")
                      + '[[chat]]\nkind = "feishu"\nurl = "http://127.0.0.1:9/open-apis/bot/v2/hook/closed-port-hook"\n'
                      f'teams = ["East"]\n')
    summary, _ = post(folder, config)
    assert len(summary.sent) == 1                                # DingTalk
    assert any("93000 invalid webhook url" in f and "wecom chat for 华东区" in f for f in summary.failed)
    assert any("cannot reach 127.0.0.1:9" in f for f in summary.failed)
    assert not any("not-the-key-at-all" in f or "closed-port-hook" in f for f in summary.failed)


def test_dry_run_writes_each_request_redacted_and_records_nothing(folder, platforms):
    config = write_config(folder, platforms.base)
    result = CliRunner(env=ENV).invoke(main, ["post", str(folder), "--month", MONTH, "--dry-run",
                                              "--config", str(config)])
    assert result.exit_code == 0, result.output
    outbox = folder / MONTH / "outbox" / "chat"
    files = sorted(outbox.glob("*.json"))
    teams = len(figures(folder)["teams"])
    assert len(files) == (teams + 1) + 2 * teams + 1 + 2       # WeCom summaries, uploads + files; DingTalk; Feishu
    assert platforms.requests == [] and not (folder / "chat-ledger.sqlite").exists()
    text = "".join(p.read_text(encoding="utf-8") for p in files)
    for secret in (WECOM_KEY, DINGTALK_TOKEN, FEISHU_HOOK, *ENV.values()):
        assert secret not in text
    assert all(p.name.isascii() or CHINESE_TEAM in p.name for p in files)
    assert not any(c in p.name for p in files for c in '<>*"[]/\\ ')
    feishu = json.loads(next(outbox.glob("feishu-*-summary-East-*")).read_text(encoding="utf-8"))["json"]
    assert feishu["sign"] == "***" and feishu["msg_type"] == "post"


def test_wecom_markdown_stays_within_4096_bytes_cutting_lists_at_whole_names(folder):
    f = figures(folder)
    team = f["teams"][0]["team"]
    many = [{"rep_id": f"R{i:04d}", "name": "销售代表" * 40 + str(i), "team": team, "actual": 1.0, "target": 10.0,
             "attainment": 0.1} for i in range(60)]
    f["behind"] = many
    summary = cm.team_summary(f, team)
    content = cm.fit(summary, cm.markdown, cm.utf8_size)
    size = len(content.encode("utf-8"))
    assert 3500 < size <= cm.MESSAGE_BYTES
    shown = [line for line in content.split("\n") if line.startswith("- 销售代表")]
    assert 0 < len(shown) < 60 and f"- 另有 {60 - len(shown)} 项" in content
    assert all(line.endswith("10.0%") for line in shown)      # every name listed is whole


def test_config_mistakes_stop_before_anything_is_posted(tmp_path, folder):
    def load(text, env=None, dry_run=False):
        path = tmp_path / "c.toml"
        path.write_text(text, encoding="utf-8")
        return load_chats(path, env or {}, dry_run)

    with pytest.raises(ChatConfigError, match="https"):
        load('[[chat]]\nkind = "wecom"\nurl = "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abcdefgh"\nteams = ["*"]\n')
    with pytest.raises(ChatConfigError, match="must not be stored in a file"):
        load('[[chat]]\nkind = "dingtalk"\nurl = "https://x.test/robot/send?access_token=a"\nsecret = "s"\nteams = ["*"]\n')
    with pytest.raises(ChatConfigError, match="SALESDESK_DINGTALK_SECRET is not set"):
        load('[[chat]]\nkind = "dingtalk"\nurl = "https://x.test/robot/send?access_token=a"\n'
             'secret_env = "SALESDESK_DINGTALK_SECRET"\nteams = ["*"]\n')
    with pytest.raises(ChatConfigError, match="kind must be one of wecom, dingtalk, feishu"):
        load('[[chat]]\nkind = "slack"\nurl = "https://x.test/"\nteams = ["*"]\n')
    chats = load('[[chat]]\nkind = "feishu"\nurl_env = "HOOK"\nteams = ["*"]\n',
                 {"HOOK": "https://open.feishu.cn/open-apis/bot/v2/hook/abc-123-secret-token"})
    assert "abc-123" not in chats[0].label and "hook/***" in chats[0].label
    result = CliRunner(env={"SALESDESK_DINGTALK_SECRET": None}).invoke(
        main, ["post", str(folder), "--month", MONTH, "--config", str(write_config(tmp_path, "https://x.test"))])
    assert result.exit_code == 2 and "SALESDESK_DINGTALK_SECRET is not set" in result.output
    result = CliRunner(env=ENV).invoke(main, ["post", str(folder), "--month", MONTH, "--only", "Nowhere", "--config",
                                              str(write_config(tmp_path, "https://x.test"))])
    assert result.exit_code == 2 and "--only 'Nowhere': no chat" in result.output
    assert not (folder / "chat-ledger.sqlite").exists()


USERINFO_URL = "http://admin:PASSWORD99@127.0.0.1:9/cgi-bin/webhook/send?key=K"


def test_a_webhook_with_user_and_password_is_refused_in_one_line_never_showing_it(tmp_path, folder):
    config = tmp_path / "salesdesk.toml"
    config.write_text(f'[[chat]]\nkind = "wecom"\nurl = "{USERINFO_URL}"\nteams = ["*"]\n', encoding="utf-8")
    for dry in ([], ["--dry-run"]):
        result = CliRunner(env=ENV).invoke(main, ["post", str(folder), "--month", MONTH, "--config", str(config), *dry])
        assert result.exit_code == 2, result.output
        assert "user or password" in result.output and len(result.output.strip().splitlines()) == 1
        assert "PASSWORD99" not in result.output and "admin" not in result.output
    assert not (folder / "chat-ledger.sqlite").exists() and not (folder / MONTH / "outbox" / "chat").exists()
    # defence in depth: an address that got past the check is still never shown with its password
    assert redact_url(USERINFO_URL) == "http://127.0.0.1:9/cgi-bin/webhook/send?key=***"
    chat = Chat("wecom", USERINFO_URL, ("East",))
    request = PLATFORMS["wecom"].request(chat, {"msgtype": "text"}, 0)
    with pytest.raises(Permanent) as failed:
        HttpTransport(timeout=2).exchange(request)
    assert "cannot reach 127.0.0.1:9" in str(failed.value) and "PASSWORD99" not in str(failed.value)
    assert "PASSWORD99" not in chat.label + json.dumps(request.preview)
    assert chat.scrub(f"echo {USERINFO_URL} PASSWORD99") == "echo *** ***"


def test_every_query_item_but_harmless_ones_is_hidden():
    url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?TOKENWITHOUTEQUALS"
    assert redact_url(url) == "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?***"
    assert "TOKENWITHOUTEQUALS" not in Chat("wecom", url, ("*",)).scrub("invalid TOKENWITHOUTEQUALS")
    assert (redact_url("https://x.test/upload_media?key=K1234567&type=file&timestamp=17&other=val&sign=abc")
            == "https://x.test/upload_media?key=***&type=file&timestamp=17&***&sign=***")


@pytest.mark.parametrize("table, expected", [
    ('kind = ["wecom"]\nurl = "https://x.test/s?key=k"\nteams = ["*"]\n', "#1: kind must be one of"),
    ('kind = "dingtalk"\nurl = "https://x.test/s?access_token=a"\nsecret_env = 123\nteams = ["*"]\n',
     "#1: secret_env must be the name of an environment variable"),
    ('kind = "wecom"\nurl_env = 5\nteams = ["*"]\n', "#1: url_env must be the name of an environment variable"),
])
def test_a_setting_of_the_wrong_type_stops_in_one_line_naming_the_table(tmp_path, folder, table, expected):
    config = tmp_path / "salesdesk.toml"
    config.write_text("[[chat]]\n" + table, encoding="utf-8")
    result = CliRunner(env=ENV).invoke(main, ["post", str(folder), "--month", MONTH, "--config", str(config)])
    assert result.exit_code == 2 and expected in result.output, result.output
    assert f"{config} [[chat]] #1" in result.output and len(result.output.strip().splitlines()) == 1
    config.write_text("chat = [1, 2]\n", encoding="utf-8")
    result = CliRunner(env=ENV).invoke(main, ["post", str(folder), "--month", MONTH, "--config", str(config)])
    assert result.exit_code == 2 and "[[chat]] #1: expected a table of settings" in result.output, result.output


def test_progress_starts_only_once_there_are_posts(tmp_path, folder):
    config = write_config(tmp_path, "https://x.test")
    stopped = CliRunner(env=ENV).invoke(main, ["post", str(folder), "--month", MONTH, "--only", "Nowhere",
                                               "--config", str(config)])
    assert stopped.exit_code == 2 and "Posting" not in stopped.output
    done = CliRunner(env=ENV).invoke(main, ["post", str(folder), "--month", MONTH, "--only", "East", "--dry-run",
                                            "--config", str(config)])
    assert done.exit_code == 0 and "Posting: 3 posts in" in done.output, done.output   # WeCom summary + PDF, Feishu


def test_the_month_is_read_under_the_folders_lock(tmp_path, folder):
    from generators.jobs import send_job
    config = write_config(tmp_path, "https://x.test")
    (folder / MONTH / "dashboard.json").unlink()
    (folder / MONTH / "manifest.json").unlink()
    with exclusive(folder, "post"), pytest.raises(FolderBusy):     # not "no dashboard.json": the lock comes first
        post_month(folder, MONTH, config, environ=ENV, dry_run=True)
    with exclusive(folder, "send"), pytest.raises(FolderBusy):
        send_job(folder, MONTH, {}, dry_run=True)


def test_a_team_listed_twice_is_posted_once_and_a_team_named_star_is_refused(tmp_path, folder, platforms):
    config = write_config(folder, platforms.base, wecom=(), dingtalk=(CHINESE_TEAM, CHINESE_TEAM), feishu=())
    assert load_chats(config, ENV)[0].teams == (CHINESE_TEAM,)
    summary, _ = post(folder, config)
    assert len(summary.sent) == 1 and len(platforms.of("dingtalk")) == 1
    f = figures(folder)
    f["teams"][0]["team"] = cm.COMPANY
    (folder / MONTH / "dashboard.json").write_text(json.dumps(f, ensure_ascii=False), encoding="utf-8")
    result = CliRunner(env=ENV).invoke(main, ["post", str(folder), "--month", MONTH, "--config", str(config)])
    assert result.exit_code == 2 and "a team named '*'" in result.output and len(result.output.splitlines()) == 1
