"""What mail and chat posting share: the exactly-once ledger, the pace of a batch, its summary,
and the rule that text from the data is one clean line.

The ledger (SQLite, in the output folder) records each delivery by month, kind, key and the
digest of its content: queued before it goes out, then sent (with the other side's reply) or
failed (with the reason). A re-run sends only what is not yet sent; a changed content (a new
digest) is a new delivery.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path


CONFIG_FILE = "salesdesk.toml"     # the mail and chat settings ([smtp], [[chat]]): never secrets


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` is this machine (localhost, 127.0.0.0/8, ::1): the one place where a
    secret may travel without TLS (a password over plain SMTP, a webhook over http)."""
    import ipaddress

    host = (host or "").strip().strip("[]").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def one_line(text, limit: int = 120) -> str:
    """Names and labels from data: no line breaks or control characters, ever, and not endless."""
    clean = "".join(ch if ch.isprintable() else " " for ch in str(text or ""))
    return " ".join(clean.split())[:limit]


LEDGER_SCHEMA = """
CREATE TABLE IF NOT EXISTS messages (
  month TEXT NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL, recipient TEXT, digest TEXT NOT NULL,
  status TEXT NOT NULL,             -- queued | sent | failed | skipped
  message_id TEXT, reply TEXT, reason TEXT, attempts INTEGER NOT NULL DEFAULT 0, updated_at TEXT NOT NULL,
  PRIMARY KEY (month, kind, key, digest));
"""


class DeliveryLedger:
    """Items are anything with ``kind``, ``key``, ``digest`` and ``recipients`` (a mail's
    addresses, a chat's redacted name)."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.executescript(LEDGER_SCHEMA)

    def close(self):
        self.db.close()

    def status(self, month: str, item) -> str | None:
        row = self.db.execute("SELECT status FROM messages WHERE month=? AND kind=? AND key=? AND digest=?",
                              (month, item.kind, item.key, item.digest)).fetchone()
        return row[0] if row else None

    def record(self, month: str, item, status: str, *, message_id=None, reply=None, reason=None) -> None:
        now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
        self.db.execute(
            "INSERT INTO messages (month, kind, key, recipient, digest, status, message_id, reply, reason, attempts, updated_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT (month, kind, key, digest) DO UPDATE SET status=excluded.status,"
            " recipient=excluded.recipient, message_id=COALESCE(excluded.message_id, message_id),"
            " reply=COALESCE(excluded.reply, reply), reason=excluded.reason, attempts=attempts + excluded.attempts,"
            " updated_at=excluded.updated_at",
            (month, item.kind, item.key, ", ".join(item.recipients), item.digest, status, message_id, reply, reason,
             1 if status in ("sent", "failed") else 0, now))

    def rows(self, month: str) -> list[dict]:
        cur = self.db.execute("SELECT * FROM messages WHERE month=? ORDER BY kind, key", (month,))
        names = [c[0] for c in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]


@dataclass
class SendSummary:
    sent: list[str] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return 1 if (self.failed or self.skipped) else 0

    def line(self) -> str:
        return (f"{len(self.sent)} sent, {len(self.already)} already sent, {len(self.skipped)} skipped, "
                f"{len(self.failed)} failed")


@dataclass
class Pace:
    """At most one message per ``interval`` seconds."""
    interval: float
    sleep: object
    clock: object
    last: float | None = None

    def wait(self) -> None:
        if self.interval and self.last is not None:
            wait = self.interval - (self.clock() - self.last)
            if wait > 0:
                self.sleep(wait)
        self.last = self.clock()


class Transient(Exception):
    """Worth another try after a wait: a busy server, a rate limit, a dropped connection."""


class Permanent(Exception):
    """Refused for good: another try would be refused too."""


def deliver_each(items, month: str, ledger: DeliveryLedger | None, send, resend: bool = False,
                 progress=None) -> SendSummary:
    """The exactly-once protocol for mail and chat alike: each item (``label``, ``problem`` and
    what the ledger keys it by) is skipped when it cannot go, left alone when the ledger has it
    as sent (unless ``resend``), else queued, handed to ``send(item)`` and recorded as sent or
    failed. ``send`` returns (what the ledger keeps of the answer: message_id and reply, or None
    when it failed, what the summary says, what the ledger records); the batch goes on."""
    summary = SendSummary()
    for item in items:
        if progress:
            progress(item.label)
        if item.problem:
            summary.skipped.append(f"{item.label}: {item.problem}")
            if ledger:
                ledger.record(month, item, "skipped", reason=item.problem)
            continue
        if ledger and not resend and ledger.status(month, item) == "sent":
            summary.already.append(item.label)
            continue
        if ledger:
            ledger.record(month, item, "queued")
        answer, failure, reason = send(item)
        if failure is None:
            summary.sent.append(item.label)
            if ledger:
                ledger.record(month, item, "sent", **answer)
        else:
            summary.failed.append(f"{item.label}: {failure}")
            if ledger:
                ledger.record(month, item, "failed", reason=reason)
    return summary


def with_retries(send, pace: Pace, sleep, retries: int, backoff: float):
    """Calls ``send()`` at the pace, retrying Transient failures with back-off (``backoff``
    seconds, doubling): (its reply, None, None), or (None, what the summary says, what the
    ledger records) when it failed."""
    attempt = 0
    while True:
        pace.wait()
        try:
            return send(), None, None
        except Transient as exc:
            attempt += 1
            if attempt <= retries:
                sleep(backoff * 2 ** (attempt - 1))
                continue
            return None, f"{exc} (after {attempt} tries; a re-run retries it)", f"transient: {exc}"
        except Permanent as exc:
            return None, str(exc), f"permanent: {exc}"
