"""Mail transports, passed in to ``mail.send_all`` (httpx style): SMTP over one reused
connection, checked once before a batch, or an outbox folder of .eml files for --dry-run.
A send raises ``delivery.Transient`` (4xx, a dropped connection, a time-out: retried) or
``delivery.Permanent`` (5xx: recorded, the batch goes on); ``FatalSmtpError`` stops the batch."""
from __future__ import annotations

import contextlib
import smtplib
import socket
import ssl
from email.message import EmailMessage
from pathlib import Path
from typing import TYPE_CHECKING

from workbooks.files import safe_filename, write_bytes_atomic

from .delivery import Permanent, Transient

if TYPE_CHECKING:
    from .mail import MailSettings


class FatalSmtpError(Exception):
    """The batch cannot go on (for example, the server refused our login)."""


class SmtpTransport:
    """One connection reused for many messages; reconnects after a drop."""

    def __init__(self, settings: MailSettings):
        self.s = settings
        self.conn: smtplib.SMTP | None = None

    def check(self, timeout: float = 10.0) -> None:
        """Connect (and log in) once before the batch, waiting at most ``timeout`` seconds: an
        unreachable server stops the run with one line instead of failing every message."""
        s = self.s
        try:
            self.conn = self._connect(timeout=min(timeout, s.timeout))
            if self.conn.sock is not None:
                self.conn.sock.settimeout(s.timeout)
            self.conn.timeout = s.timeout
        except FatalSmtpError:
            raise
        except (smtplib.SMTPException, ssl.SSLError, OSError) as exc:
            self._drop()
            raise FatalSmtpError(f"cannot reach the mail server {s.host}:{s.port} ({type(exc).__name__}: {exc}); "
                                 "check --smtp-host, --smtp-port and --starttls/--ssl "
                                 "(or [smtp] in salesdesk.toml)") from None

    def _connect(self, timeout: float | None = None) -> smtplib.SMTP:
        s = self.s
        timeout = s.timeout if timeout is None else timeout
        context = ssl.create_default_context(cafile=s.cafile)
        if s.security == "ssl":
            conn = smtplib.SMTP_SSL(s.host, s.port, timeout=timeout, context=context)
        else:
            conn = smtplib.SMTP(s.host, s.port, timeout=timeout)
            conn.ehlo()
            if s.security == "starttls":
                conn.starttls(context=context)
                conn.ehlo()
        if s.user:
            try:
                if "plain" in conn.esmtp_features.get("auth", "").lower().split():
                    # one mechanism, one answer: smtplib's login() would go on to try others after a 535
                    conn.user, conn.password = s.user, s.password
                    conn.auth("PLAIN", conn.auth_plain)
                else:
                    conn.login(s.user, s.password)
            except smtplib.SMTPAuthenticationError as exc:
                raise FatalSmtpError(f"the server refused the login for {s.user}: {exc.smtp_code} {exc.smtp_error!r}") from None
        return conn

    def send(self, msg: EmailMessage, recipients: list[str]) -> str:
        """Send; returns the server's reply to DATA. Raises Transient or Permanent."""
        try:
            if self.conn is None:
                self.conn = self._connect()
            conn = self.conn
            code, resp = conn.mail(self.s.sender)
            if code != 250:
                self._raise(code, resp, conn)
            refused = {}
            for r in recipients:
                code, resp = conn.rcpt(r)
                if code not in (250, 251):
                    refused[r] = (code, resp)
            if len(refused) == len(recipients):
                conn.rset()
                worst = min(c for c, _ in refused.values())
                detail = "; ".join(f"{r}: {c} {m.decode(errors='replace')}" for r, (c, m) in refused.items())
                raise (Transient if 400 <= worst < 500 else Permanent)(f"recipients refused: {detail}")
            code, resp = conn.data(msg.as_bytes())
            if code != 250:
                self._raise(code, resp, conn)
            reply = f"{code} {resp.decode(errors='replace')}"
            if refused:
                reply += "; refused: " + "; ".join(f"{r} {c}" for r, (c, _) in refused.items())
            return reply
        except smtplib.SMTPResponseException as exc:
            self._drop()
            raise (Transient if 400 <= exc.smtp_code < 500 else Permanent)(
                f"{exc.smtp_code} {exc.smtp_error.decode(errors='replace') if isinstance(exc.smtp_error, bytes) else exc.smtp_error}") from None
        except (smtplib.SMTPServerDisconnected, ConnectionError, socket.timeout, TimeoutError, ssl.SSLError, OSError) as exc:
            self._drop()
            raise Transient(f"{type(exc).__name__}: {exc}") from None

    def _raise(self, code, resp, conn):
        text = resp.decode(errors="replace") if isinstance(resp, bytes) else str(resp)
        try:
            conn.rset()
        except smtplib.SMTPException:
            self._drop()
        raise (Transient if 400 <= code < 500 else Permanent)(f"{code} {text}")

    def _drop(self, how: str = "close"):
        """Forget the connection: ``close`` it (after an error) or ``quit`` politely (when done)."""
        if self.conn is not None:
            with contextlib.suppress(Exception):
                getattr(self.conn, how)()
        self.conn = None

    def close(self):
        self._drop("quit")


class OutboxTransport:
    """--dry-run: each message becomes an .eml file in the outbox folder."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, msg: EmailMessage, recipients: list[str]) -> str:
        # readable, and unique by the message's own digest (two keys may clean to one name)
        digest = msg["Message-ID"].strip("<>").split("@")[0][:12]
        name = f"{safe_filename(msg['X-SalesDesk-Kind'])}-{safe_filename(msg['X-SalesDesk-Key'])[:60]}-{digest}.eml"
        write_bytes_atomic(self.folder / name, msg.as_bytes())
        return f"written to {self.folder / name}"

    def close(self):
        pass
