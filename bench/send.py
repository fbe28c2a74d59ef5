"""Benchmark: 2,000 messages with two attachments each (a report workbook and PDF of
typical size) to a local aiosmtpd server over one reused connection, ledger on.

    .venv/bin/python bench/send.py
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generators.mail import MailLedger, MailSettings, Outgoing, send_all  # noqa: E402
from generators.mail_transport import SmtpTransport  # noqa: E402
from tests.support import smtp_server  # noqa: E402

N = 2000


class Counter:
    def __init__(self):
        self.n = 0

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        return "250 OK"


def main():
    xlsx, pdf = os.urandom(12_000), os.urandom(40_000)
    handler = Counter()
    ctl = smtp_server.start(handler, data_size_limit=10_000_000)
    settings = MailSettings(host=ctl.hostname, port=ctl.port, sender="reports@example.com", retries=2, backoff=0.01)
    items = []
    for i in range(N):
        msg = EmailMessage(policy=SMTP_POLICY)
        msg["Subject"], msg["From"], msg["To"] = f"Report {i}", settings.sender, f"rep{i}@example.com"
        msg.set_content("Your report is attached.")
        msg.add_alternative("<p>Your report is attached.</p>", subtype="html")
        msg.add_attachment(xlsx, maintype="application", subtype="octet-stream", filename=f"R{i}.xlsx")
        msg.add_attachment(pdf, maintype="application", subtype="pdf", filename=f"R{i}.pdf")
        items.append(Outgoing("rep", f"R{i:05d}", f"rep{i}@example.com", None, f"{i:064x}", msg))
    with tempfile.TemporaryDirectory() as tmp:
        ledger = MailLedger(Path(tmp) / "ledger.sqlite")
        t = time.perf_counter()
        summary = send_all(items, SmtpTransport(settings), "2026-10", ledger, settings)
        seconds = time.perf_counter() - t
        ledger.close()
    ctl.stop()
    assert len(summary.sent) == N == handler.n, (summary.line(), summary.failed[:1])
    print(f"{N} messages (2 attachments, ~{(len(xlsx) + len(pdf)) // 1000} KB each) over one connection with the "
          f"ledger: {seconds:.1f} s, {N / seconds:.0f} messages/s")


if __name__ == "__main__":
    main()
