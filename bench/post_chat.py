"""Benchmark: a month of 40 teams posted to the local stand-in for WeCom, DingTalk and Feishu
(tests/support/chat_server.py, signatures checked), ledger on; then the same as a dry run.

WeCom gets every team and the company (40 summaries, 40 PDF uploads and file messages, one
company summary); DingTalk and Feishu 20 teams each. The platforms' per-minute pace is not
slept here (it is by design: at 20 messages a minute, 81 WeCom messages take 4 minutes); the
figure is SalesDesk's own cost per post.

    .venv/bin/python bench/post_chat.py
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generators.chat import post_month  # noqa: E402
from tests.support import chat_server  # noqa: E402
from tests.support.chat_server import DINGTALK_TOKEN, FEISHU_HOOK, WECOM_KEY  # noqa: E402

MONTH, TEAMS = "2026-10", 40
ENV = {"SALESDESK_DINGTALK_SECRET": "SECding-secret-value", "SALESDESK_FEISHU_SECRET": "feishu-secret-value"}


def month_folder(root: Path) -> None:
    """dashboard.json and manifest.json as `reports` writes them, for 40 teams of 8 reps."""
    month_dir = root / MONTH
    (month_dir / "teams").mkdir(parents=True)
    teams, behind, deliveries = [], [], []
    for i in range(TEAMS):
        team = f"华东{i:02d}区"
        reps = [{"rep_id": f"R{i:02d}{j}", "name": f"销售代表{i:02d}{j}", "team": team, "actual": 9000.0 + j,
                 "target": 20000.0, "attainment": (9000.0 + j) / 20000} for j in range(8)]
        overdue = [{"customer_id": f"C{i}{k}", "name": f"客户{i}-{k}", "owner": reps[k % 8]["rep_id"],
                    "owner_name": reps[k % 8]["name"], "team": team, "last_contact": "2026-05-01",
                    "next_revisit": f"2026-08-{k + 1:02d}"} for k in range(20)]
        teams.append({"team": team, "manager": "经理", "actual": 100000.0 + i, "target": 160000.0,
                      "attainment": (100000.0 + i) / 160000, "reps": 8, "behind": 5, "overdue_high_value": 20,
                      "champion": reps[7], "overdue_customers": overdue})
        behind += reps[:5]
        pdf = month_dir / "teams" / f"{team}.pdf"
        pdf.write_bytes(b"%PDF-1.7\n" + os.urandom(40_000))
        deliveries.append({"kind": "team", "key": team, "files": [{"path": f"teams/{pdf.name}", "format": "pdf",
                           "sha256": hashlib.sha256(pdf.read_bytes()).hexdigest()}]})
    teams.sort(key=lambda t: -t["attainment"])
    figures = {"month": MONTH, "language": "zh-CN", "as_of": "2026-10-31", "open_month": False,
               "company": [{"label": "Month", "actual": 4e6, "target": 6.4e6, "attainment": 0.625}],
               "teams": teams, "champion": dict(teams[0]["champion"], team=teams[0]["team"]), "behind": behind,
               "overdue": [], "overdue_count": 800, "overdue_more": False}
    (month_dir / "dashboard.json").write_text(json.dumps(figures, ensure_ascii=False))
    (month_dir / "manifest.json").write_text(json.dumps({"month": MONTH, "deliveries": deliveries}, ensure_ascii=False))


def config(root: Path, base: str, teams: list[str]) -> Path:
    half = len(teams) // 2
    path = root / "salesdesk.toml"
    path.write_text(
        f'[[chat]]\nkind = "wecom"\nurl = "{base}/cgi-bin/webhook/send?key={WECOM_KEY}"\nteams = ["*"]\n\n'
        f'[[chat]]\nkind = "dingtalk"\nurl = "{base}/robot/send?access_token={DINGTALK_TOKEN}"\n'
        f'secret_env = "SALESDESK_DINGTALK_SECRET"\nteams = {json.dumps(teams[:half], ensure_ascii=False)}\n\n'
        f'[[chat]]\nkind = "feishu"\nurl = "{base}/open-apis/bot/v2/hook/{FEISHU_HOOK}"\n'
        f'secret_env = "SALESDESK_FEISHU_SECRET"\nteams = {json.dumps(teams[half:], ensure_ascii=False)}\n',
        encoding="utf-8")
    return path


def main():
    platforms = chat_server.Platforms()
    with tempfile.TemporaryDirectory() as tmp, chat_server.running(platforms) as base:
        root = Path(tmp)
        month_folder(root)
        teams = [f"华东{i:02d}区" for i in range(TEAMS)]
        cfg = config(root, base, teams)
        t = time.perf_counter()
        summary, _ = post_month(root, MONTH, cfg, environ=ENV, sleep=lambda s: None)
        posted = time.perf_counter() - t
        assert not summary.failed and not platforms.problems, (summary.failed[:1], platforms.problems[:1])
        t = time.perf_counter()
        again, _ = post_month(root, MONTH, cfg, environ=ENV, sleep=lambda s: None)
        rerun = time.perf_counter() - t
        t = time.perf_counter()
        dry, outbox = post_month(root, MONTH, cfg, environ={}, dry_run=True)
        dry_seconds = time.perf_counter() - t
        files = len(list(outbox.glob("*.json")))
    print(f"{len(summary.sent)} posts ({len(platforms.requests)} requests: 41 WeCom summaries, 40 PDF uploads of "
          f"40 KB and file messages, 20 DingTalk, 20 Feishu, signed) to the local server with the ledger: "
          f"{posted:.2f} s ({posted / len(platforms.requests) * 1000:.1f} ms a request, pace not slept)")
    print(f"re-run (all already posted): {len(again.already)} already, {rerun:.2f} s")
    print(f"dry run: {len(dry.sent)} posts as {files} JSON files: {dry_seconds:.2f} s")


if __name__ == "__main__":
    main()
