"""Mailing the monthly reports: exactly once, never lost.

Messages come from the reports' manifest.json (one per rep, one per team) plus one to
finance with the commission statements and reconciliation when they exist. A SQLite
ledger (DIR/mail-ledger.sqlite) records each message by month, kind, key, recipient and
the SHA-256 of its attachments: queued before sending, then sent (with the server's reply
and Message-ID) or failed (with the reason). A re-run sends only what is not yet sent.

The transport is passed in (httpx style, ``mail_transport``): SMTP over one reused
connection, or an outbox folder of .eml files for --dry-run. Transient failures (4xx, dropped connections,
time-outs) are retried with back-off over a fresh connection; permanent ones (5xx) are
recorded and the batch goes on. Headers are built by the standard library's email
package, so names from the data cannot inject headers; attachments keep their bytes.
"""
from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import re
import time
import tomllib
import zipfile
from dataclasses import dataclass
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime
from pathlib import Path

from workbooks.files import write_bytes_atomic
from workbooks.i18n import Language, language
from workbooks.schema import valid_email

from .dashboard import FINANCE_SUMMARY
from .delivery import CONFIG_FILE, DeliveryLedger as MailLedger, Pace as _Pace, SendSummary, deliver_each, with_retries
from .delivery import is_loopback, one_line as _clean_name
from .report_html import environment
from .periods import parse_period

PASSWORD_ENV = "SALESDESK_SMTP_PASSWORD"
MAIL_LEDGER = "mail-ledger.sqlite"
DATA_IMG = re.compile(r'src="data:image/(png|jpeg|gif);base64,([A-Za-z0-9+/=]+)"')
ATTACH_FORMATS = ("xlsx", "pdf")
MIME = {"xlsx": ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet"), "pdf": ("application", "pdf"),
        "zip": ("application", "zip"), "html": ("text", "html")}


class MailConfigError(Exception):
    pass


@dataclass(frozen=True)
class MailSettings:
    host: str = "localhost"
    port: int = 25
    security: str = "none"            # none | starttls | ssl
    user: str | None = None
    password: str | None = None       # only ever from the environment
    sender: str | None = None
    finance: str | None = None
    rate_per_min: float | None = None
    cafile: str | None = None
    timeout: float = 30.0
    retries: int = 4
    backoff: float = 1.0              # seconds; doubles per retry


def load_settings(overrides: dict, config_dir: Path | None = None, environ=os.environ,
                  default_sender: str | None = None) -> MailSettings:
    """Defaults < salesdesk.toml [smtp] in the working directory < command-line options.
    The password comes only from SALESDESK_SMTP_PASSWORD; a password in the file is refused."""
    values: dict = {"sender": default_sender} if default_sender else {}
    path = (config_dir or Path.cwd()) / CONFIG_FILE
    if path.exists():
        with open(path, "rb") as fh:
            smtp = tomllib.load(fh).get("smtp", {})
        if "password" in smtp:
            raise MailConfigError(f"{path}: a password must not be stored in a file; set {PASSWORD_ENV} instead")
        known = {f for f in MailSettings.__dataclass_fields__} - {"password"}
        unknown = set(smtp) - known - {"from"}
        if unknown:
            raise MailConfigError(f"{path}: unknown [smtp] setting(s) {', '.join(sorted(unknown))}")
        values.update({("sender" if k == "from" else k): v for k, v in smtp.items()})
    values.update({k: v for k, v in overrides.items() if v is not None})
    values["password"] = environ.get(PASSWORD_ENV)
    settings = MailSettings(**values)
    if settings.security not in ("none", "starttls", "ssl"):
        raise MailConfigError(f"security must be none, starttls or ssl, got {settings.security!r}")
    if settings.user and not settings.password:
        raise MailConfigError(f"--smtp-user is set but {PASSWORD_ENV} is not")
    if settings.user and settings.security == "none" and not is_loopback(settings.host):
        raise MailConfigError(f"--smtp-user without TLS would send the password in clear to {settings.host}; "
                              f"add --starttls or --ssl (a server on this machine, such as localhost, is exempt)")
    if not settings.sender:
        raise MailConfigError("no sender address: give --from, e.g. --from reports@example.com "
                              "(or from = \"...\" under [smtp] in salesdesk.toml)")
    if not valid_address(settings.sender):
        raise MailConfigError(f"--from {settings.sender!r} is not an e-mail address; expected e.g. reports@example.com")
    return settings


def valid_address(addr) -> bool:
    """The contract's rule (``workbooks.schema.valid_email``): what validate accepts is what is sent."""
    return isinstance(addr, str) and valid_email(addr.strip())


@dataclass
class Outgoing:
    kind: str
    key: str
    to: str | None
    cc: str | None
    digest: str
    message: EmailMessage | None = None
    problem: str | None = None        # set when the message cannot be sent (bad address, changed file)

    @property
    def recipients(self) -> list[str]:
        return [a for a in (self.to, self.cc) if a]

    @property
    def label(self) -> str:
        return f"{self.kind} {self.key}"


def _digest(month: str, kind: str, key: str, to, cc, hashes: list[str]) -> str:
    h = hashlib.sha256()
    for part in (month, kind, key, to or "", cc or "", *sorted(hashes)):
        h.update(part.encode() + b"\0")
    return h.hexdigest()


def build_messages(month_dir: Path, month: str, settings: MailSettings, only: set[str] | None = None) -> list[Outgoing]:
    manifest_path = month_dir / "manifest.json"
    if not manifest_path.exists():
        raise MailConfigError(f"no manifest at {manifest_path}; run `salesdesk reports` for {month} first")
    manifest = json.loads(manifest_path.read_text())
    made_for = manifest.get("period", manifest.get("month"))       # a week's, quarter's or year's, or the month's
    if made_for != month:
        raise MailConfigError(f"{manifest_path} is for {made_for}, not {month}")
    t = language(manifest.get("language", "en"))
    out = []
    for d in manifest["deliveries"]:
        if (only and d["key"] not in only) or d["kind"] == "company":    # the company's report has no recipient
            continue
        try:
            out.append(_report_message(month_dir, month, d, settings, t))
        except (OSError, ValueError, KeyError, TypeError) as exc:   # one delivery's fault never stops the batch
            item = Outgoing(d.get("kind", "?"), str(d.get("key", "?")), None, None, "")
            item.problem = f"cannot compose: {type(exc).__name__}: {_clean_name(exc)}"
            out.append(item)
    finance = _finance_message(month_dir, month, settings, t) if "period" not in manifest else None   # monthly only
    if finance is not None and (not only or "finance" in only):
        out.append(finance)
    return out


def _report_message(month_dir: Path, month: str, d: dict, settings: MailSettings, t: Language) -> Outgoing:
    files = [f for f in d["files"] if f["format"] in ATTACH_FORMATS]
    to, cc = d.get("to"), d.get("cc")
    digest = _digest(month, d["kind"], d["key"], to, cc, [f["sha256"] for f in files])
    item = Outgoing(d["kind"], d["key"], to, cc if valid_address(cc) else None, digest)
    if not valid_address(to):
        item.problem = f"missing or malformed email address {to!r} for {d['kind']} {d['key']}; not sent"
        return item
    for f in files:
        path = month_dir / f["path"]
        if not path.exists() or hashlib.sha256(path.read_bytes()).hexdigest() != f["sha256"]:
            item.problem = f"{f['path']} is missing or changed since the manifest was written; re-run the reports"
            return item
    html_file = next((month_dir / f["path"] for f in d["files"] if f["format"] == "html"), None)
    report_html = _body_of(html_file.read_text()) if html_file and html_file.exists() else None
    ctx = {"kind": d["kind"], "key": d["key"], "month_label": t.period(month), "monthly": parse_period(month).kind == "month",
           "lang": t.code,
           "greeting": _clean_name(d.get("name")) or t("there"),
           "has_pdf": any(f["format"] == "pdf" for f in files), "h": d.get("highlights"),
           "reply_name": _clean_name(d.get("name")) if d["kind"] == "team" else None}
    attachments = [(month_dir / f["path"], f["format"]) for f in files]
    item.message = _compose(settings, ctx, to, _clean_name(d.get("name")), item.cc, d.get("reply_to"), report_html,
                            attachments, digest)
    return item


def _finance_message(month_dir: Path, month: str, settings: MailSettings, t: Language) -> Outgoing | None:
    folder = month_dir / "commissions"
    summary = folder / FINANCE_SUMMARY
    parts = [p for p in (summary, summary.with_suffix(".pdf"), month_dir / "reconciliation.xlsx") if p.exists()]
    if not parts:
        return None
    statements = sorted(p for p in folder.glob("*") if p.suffix in (".xlsx", ".pdf") and p.stem != summary.stem)
    attachments = [(p, p.suffix[1:]) for p in parts]
    if statements:
        bundle = folder / "statements.zip"
        write_bytes_atomic(bundle, _deterministic_zip(statements))
        attachments.append((bundle, "zip"))
    hashes = [hashlib.sha256(p.read_bytes()).hexdigest() for p, _ in attachments]
    digest = _digest(month, "finance", "finance", settings.finance, None, hashes)
    item = Outgoing("finance", "finance", settings.finance, None, digest)
    if not valid_address(settings.finance):
        item.problem = "no valid --finance address; the finance message was not sent"
        return item
    ctx = {"kind": "finance", "key": "finance", "month_label": t.month(month), "monthly": True, "lang": t.code,
           "greeting": t("Finance"),
           "has_pdf": False, "h": None, "reply_name": None}
    item.message = _compose(settings, ctx, settings.finance, "Finance", None, None, None, attachments, digest)
    return item


def _deterministic_zip(files: list[Path]) -> bytes:
    import io
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in files:
            info = zipfile.ZipInfo(p.name, date_time=(2000, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, p.read_bytes())
    return buf.getvalue()


def _body_of(html: str) -> str:
    start = html.find("<body")
    start = html.find(">", start) + 1 if start >= 0 else 0
    end = html.rfind("</body>")
    return html[start:end if end >= 0 else None]


def _compose(settings, ctx, to, to_name, cc, reply_to, report_html, attachments, digest) -> EmailMessage:
    env = environment(ctx["lang"])
    images = []

    def to_cid(match):
        cid = f"chart{len(images) + 1}.{digest[:16]}@salesdesk"
        images.append((match.group(1), base64.b64decode(match.group(2)), cid))
        return f'src="cid:{cid}"'

    if report_html:
        report_html = DATA_IMG.sub(to_cid, report_html)
    subject = _clean_name(env.get_template("mail_subject.txt.j2").render(**ctx))   # one line, whatever the data
    msg = EmailMessage(policy=SMTP_POLICY)
    msg["Subject"] = subject
    msg["From"] = Address(display_name="SalesDesk", addr_spec=settings.sender)
    msg["To"] = Address(display_name=to_name, addr_spec=to)
    if cc:
        msg["Cc"] = Address(addr_spec=cc)
    if valid_address(reply_to):
        msg["Reply-To"] = Address(addr_spec=reply_to)
    msg["Date"] = format_datetime(dt.datetime.now(dt.timezone.utc))
    msg["Message-ID"] = f"<{digest[:40]}@salesdesk>"   # stable: a duplicate is recognisable as one
    msg.set_content(env.get_template("mail_body.txt.j2").render(**ctx))
    msg.add_alternative(env.get_template("mail_body.html.j2").render(subject=subject, report_html=report_html, **ctx),
                        subtype="html")
    html_part = msg.get_payload()[1]
    for subtype, data, cid in images:
        html_part.add_related(data, "image", subtype, cid=f"<{cid}>", disposition="inline")
    for path, fmt in attachments:
        maintype, subtype = MIME[fmt]
        msg.add_attachment(path.read_bytes(), maintype=maintype, subtype=subtype, filename=path.name)
    return msg


# --- the batch ----------------------------------------------------------------------------

def send_all(items: list[Outgoing], transport, month: str, ledger: MailLedger | None, settings: MailSettings,
             resend: bool = False, sleep=time.sleep, progress=None, clock=time.monotonic) -> SendSummary:
    pace = _Pace(60.0 / settings.rate_per_min if settings.rate_per_min else 0.0, sleep, clock)

    def send(item: Outgoing):
        """One message, transient failures retried with back-off (delivery.with_retries)."""
        item.message["X-SalesDesk-Kind"] = item.kind
        item.message["X-SalesDesk-Key"] = _clean_name(item.key)   # a header is one line
        reply, failure, reason = with_retries(lambda: transport.send(item.message, item.recipients), pace, sleep,
                                              settings.retries, settings.backoff)
        return {"message_id": item.message["Message-ID"], "reply": reply}, failure, reason
    try:
        return deliver_each(items, month, ledger, send, resend, progress)
    finally:
        transport.close()
