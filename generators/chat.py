"""Posting the month to the team's work chat: WeCom, DingTalk and Feishu group bots.

The chats are ``[[chat]]`` tables of salesdesk.toml (``load_chats``): the kind, the webhook
(``url``, or ``url_env`` naming an environment variable), the signing secret's environment
variable (``secret_env``; a secret in the file is refused) and the teams it gets. Nothing of
it comes from the workbook. A webhook must be https (plain http only to this machine).

Each team gets one message (``chat_message``), the company one more for ``teams = ["*"]``;
WeCom, which takes files, then gets the team's PDF report (``upload_media``, then a ``file``
message). Requests are the platforms' documented ones, signed at the moment they are sent
(DingTalk: ``timestamp`` and ``sign`` in the query; Feishu: in the body).

Exactly once, like mail: ``delivery.DeliveryLedger`` (FOLDER/chat-ledger.sqlite) keeps each
post by month, chat, part, team and the digest of its content. A rate limit is waited out
and retried with back-off; the platforms' per-minute limits are kept by a pace per chat. A
refused signature, a bad address or an HTTP error is a failed post that names the chat by its
kind, teams and a redacted address (never a key, token or secret). ``--dry-run`` writes each
request as JSON (secrets redacted) into FOLDER/MONTH/outbox/chat/ and records nothing.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import socket
import time
import tomllib
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from workbooks.files import exclusive, safe_filename, write_text_atomic

from . import chat_message as cm
from .delivery import (DeliveryLedger, Pace, Permanent, SendSummary, Transient, deliver_each, is_loopback, one_line,
                       with_retries)

CHAT_LEDGER = "chat-ledger.sqlite"
OUTBOX = ("outbox", "chat")
SETTINGS = {"kind", "url", "url_env", "secret_env", "teams"}
REDACTED = "***"
QUERY_SHOWN = ("type", "timestamp")              # harmless: shown with their values
QUERY_NAMED = ("key", "access_token", "sign")    # the platforms' key names: shown, their values hidden


class ChatConfigError(Exception):
    pass


# --- the chats ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Chat:
    kind: str
    url: str = field(repr=False)             # holds the bot's key: never printed
    teams: tuple[str, ...]
    secret_env: str | None = None
    secret: str | None = field(default=None, repr=False)

    @property
    def id(self) -> str:
        """Stable and printable: the kind and 8 hex digits of the webhook's SHA-256."""
        return f"{self.kind}-{hashlib.sha256(self.url.encode()).hexdigest()[:8]}"

    @property
    def label(self) -> str:
        return f"{self.kind} chat for {', '.join(one_line(t, 40) for t in self.teams)} ({redact_url(self.url)})"

    def scrub(self, text: str) -> str:
        """``text`` without anything secret of this chat (a server may echo what it was sent)."""
        parts = urllib.parse.urlsplit(self.url)
        query = urllib.parse.parse_qsl(parts.query, keep_blank_values=True)
        for secret in [self.url, self.secret, parts.password, parts.username, *(v for _, v in query),
                       *(k for k, _ in query if k not in QUERY_SHOWN + QUERY_NAMED), self.url.rsplit("/", 1)[-1]]:
            if secret and len(secret) >= 6:
                text = text.replace(secret, REDACTED)
        return text


def redact_url(url: str) -> str:
    """The webhook without its key: no user or password, the values of the key names (key,
    access_token, sign), every other query item but ``type`` and ``timestamp`` (name and value:
    a token may come without ``=``) and a Feishu hook's token replaced by ***."""
    parts = urllib.parse.urlsplit(url)
    query = "&".join(f"{k}={v}" if k in QUERY_SHOWN else f"{k}={REDACTED}" if k in QUERY_NAMED else REDACTED
                     for k, v in urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    path = parts.path
    if "/hook/" in path:
        path = path[:path.index("/hook/") + len("/hook/")] + REDACTED
    return urllib.parse.urlunsplit((parts.scheme, host_port(url), path, query, ""))


def host_port(url: str) -> str:
    """The address's host and port, never its user or password."""
    parts = urllib.parse.urlsplit(url)
    try:
        host, port = parts.hostname or "", parts.port
    except ValueError:                     # a port that is not a number
        host, port = parts.hostname or "", None
    host = f"[{host}]" if ":" in host else host
    return f"{host}:{port}" if port is not None else host


def check_url(url: str, where: str) -> str:
    parts = urllib.parse.urlsplit(url.strip())
    host = parts.hostname or ""
    if "@" in parts.netloc:
        raise ChatConfigError(f"{where}: the webhook must not hold a user or password (user:password@); "
                              f"got {redact_url(url)!r}")
    if parts.scheme == "https" and host:
        return url.strip()
    if parts.scheme == "http" and is_loopback(host):
        return url.strip()
    raise ChatConfigError(f"{where}: the webhook must be an https:// address (plain http only to this machine), "
                          f"got {redact_url(url)!r}")


def load_chats(path: Path, environ=os.environ, dry_run: bool = False) -> list[Chat]:
    """The [[chat]] tables of ``path``. Secrets only from the environment; in a dry run a
    secret not set is not an error (nothing is signed)."""
    path = Path(path)
    try:
        with open(path, "rb") as fh:
            tables = tomllib.load(fh).get("chat", [])
    except FileNotFoundError:
        raise ChatConfigError(f"no {path}: add [[chat]] tables to it (see docs/chat.md)") from None
    except tomllib.TOMLDecodeError as exc:
        raise ChatConfigError(f"{path}: not valid TOML ({exc})") from None
    if not isinstance(tables, list) or not tables:
        raise ChatConfigError(f"{path}: no [[chat]] table; see docs/chat.md for the settings")
    return [_chat(table, f"{path} [[chat]] #{n}", environ, dry_run) for n, table in enumerate(tables, 1)]


def _chat(table: dict, where: str, environ, dry_run: bool) -> Chat:
    if not isinstance(table, dict):
        raise ChatConfigError(f"{where}: expected a table of settings ([[chat]] with kind, url, teams), "
                              f"got {type(table).__name__}")
    if "secret" in table:
        raise ChatConfigError(f"{where}: a secret must not be stored in a file; name an environment variable "
                              "with secret_env instead")
    unknown = set(table) - SETTINGS
    if unknown:
        raise ChatConfigError(f"{where}: unknown setting(s) {', '.join(sorted(unknown))}; expected "
                              f"{', '.join(sorted(SETTINGS))}")
    kind = table.get("kind")
    if not isinstance(kind, str) or kind not in PLATFORMS:
        raise ChatConfigError(f"{where}: kind must be one of {', '.join(PLATFORMS)}, got {kind!r}")
    teams = table.get("teams")
    if not isinstance(teams, list) or not teams or not all(isinstance(t, str) and t.strip() for t in teams):
        raise ChatConfigError(f'{where}: teams must be a list of team names, or ["*"] for every team and the company')
    url = _setting_or_env(table, "url", where, environ)
    secret_env = table.get("secret_env")
    if secret_env is not None and not isinstance(secret_env, str):
        raise ChatConfigError(f"{where}: secret_env must be the name of an environment variable (a string), "
                              f"got {secret_env!r}")
    secret = environ.get(secret_env) if secret_env else None
    if secret_env and not secret and not dry_run:
        raise ChatConfigError(f"{where}: the signing secret's environment variable {secret_env} is not set")
    teams = tuple(dict.fromkeys(t.strip() for t in teams))        # a team listed twice is posted once
    return Chat(kind, check_url(url, where), teams, secret_env, secret)


def _setting_or_env(table: dict, name: str, where: str, environ) -> str:
    if (name in table) == (f"{name}_env" in table):
        raise ChatConfigError(f"{where}: give either {name} or {name}_env (the environment variable that holds it)")
    if name in table:
        if not isinstance(table[name], str):
            raise ChatConfigError(f"{where}: {name} must be a string")
        return table[name]
    if not isinstance(table[f"{name}_env"], str):
        raise ChatConfigError(f"{where}: {name}_env must be the name of an environment variable (a string), "
                              f"got {table[f'{name}_env']!r}")
    value = environ.get(table[f"{name}_env"])
    if not value:
        raise ChatConfigError(f"{where}: the environment variable {table[f'{name}_env']} ({name}_env) is not set")
    return value


# --- the platforms ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Request:
    """One HTTP POST, ready to go; ``preview`` is what a dry run writes (nothing secret)."""
    url: str = field(repr=False)
    data: bytes = field(repr=False)
    content_type: str
    preview: dict
    step: str                      # message | upload | file


def _json_request(url: str, body: dict, step: str, preview_body: dict | None = None) -> Request:
    preview = {"method": "POST", "url": redact_url(url), "headers": {"Content-Type": "application/json"},
               "json": preview_body if preview_body is not None else body}
    return Request(url, json.dumps(body, ensure_ascii=False).encode("utf-8"), "application/json", preview, step)


class Platform:
    """A platform's documented requests and answers. ``code`` is the field of the answer that
    is 0 on success; ``rate_limited`` and ``bad_signature`` the codes that mean so."""
    kind = ""
    code = "errcode"
    per_minute = 20.0
    rate_limited: frozenset = frozenset()
    bad_signature: frozenset = frozenset()
    takes_files = False

    def message(self, summary: cm.Summary) -> dict:
        raise NotImplementedError

    def request(self, chat: Chat, body: dict, now: float) -> Request:
        return _json_request(chat.url, body, "message")

    def judge(self, chat: Chat, status: int, answer) -> dict:
        """The answer when it says success; otherwise raise Transient (wait and retry) or Permanent."""
        code = answer.get(self.code) if isinstance(answer, dict) else None
        if status == 200 and code == 0:
            return answer
        message = chat.scrub(one_line(answer.get("errmsg") or answer.get("msg") or "", 200)) \
            if isinstance(answer, dict) else ""
        if code in self.rate_limited or status == 429:
            raise Transient(f"rate limited ({code or status} {message}); waited and retried")
        if code in self.bad_signature:
            raise Permanent(f"refused the signature ({code} {message}); check {chat.secret_env or 'secret_env'}")
        if code is not None:
            raise Permanent(f"answered {code} {message}".rstrip())
        if status >= 500:
            raise Transient(f"HTTP {status}")
        raise Permanent(f"HTTP {status} without the answer {self.kind} sends; check the webhook address")


class WeCom(Platform):
    """WeCom (企业微信) group robot: markdown of at most 4,096 bytes, 20 messages a minute; files
    by ``upload_media`` (the key of the webhook, type=file) and a ``file`` message."""
    kind = "wecom"
    rate_limited = frozenset({45009})
    takes_files = True

    def message(self, summary):
        content = cm.fit(summary, cm.markdown, cm.utf8_size)
        return {"msgtype": "markdown", "markdown": {"content": content}}

    def upload(self, chat: Chat, pdf: Path) -> Request:
        parts = urllib.parse.urlsplit(chat.url)
        key = dict(urllib.parse.parse_qsl(parts.query)).get("key", "")
        path = parts.path.rsplit("/", 1)[0] + "/upload_media"
        url = urllib.parse.urlunsplit((parts.scheme, parts.netloc, path,
                                       urllib.parse.urlencode({"key": key, "type": "file"}), ""))
        data = pdf.read_bytes()
        boundary = uuid.uuid4().hex
        name = pdf.name.replace('"', "").replace("\r", "").replace("\n", "")
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="media"; filename="{name}"; '
                f'filelength={len(data)}\r\nContent-Type: application/octet-stream\r\n\r\n').encode("utf-8") \
            + data + f"\r\n--{boundary}--\r\n".encode()
        preview = {"method": "POST", "url": redact_url(url), "headers": {"Content-Type": "multipart/form-data"},
                   "multipart": {"name": "media", "filename": name, "filelength": len(data),
                                 "sha256": hashlib.sha256(data).hexdigest()}}
        return Request(url, body, f"multipart/form-data; boundary={boundary}", preview, "upload")

    @staticmethod
    def file_message(media_id: str) -> dict:
        return {"msgtype": "file", "file": {"media_id": media_id}}


class DingTalk(Platform):
    """DingTalk (钉钉) custom robot: markdown with a title, 20 messages a minute; signed with
    ``timestamp`` (ms) and ``sign`` in the query."""
    kind = "dingtalk"
    rate_limited = frozenset({130101})
    bad_signature = frozenset({310000})

    def message(self, summary):
        text = cm.fit(summary, cm.markdown, cm.utf8_size)
        return {"msgtype": "markdown", "markdown": {"title": summary.subject, "text": text}}

    def request(self, chat, body, now):
        if not chat.secret_env:
            return _json_request(chat.url, body, "message")
        timestamp = str(int(now * 1000))
        sign = dingtalk_sign(chat.secret, timestamp) if chat.secret else REDACTED
        url = f"{chat.url}{'&' if '?' in chat.url else '?'}timestamp={timestamp}&sign={sign}"
        return _json_request(url, body, "message")


class Feishu(Platform):
    """Feishu (飞书) custom bot: rich text (``post``); signed with ``timestamp`` (s) and ``sign``
    in the body; 100 requests a minute and 5 a second."""
    kind = "feishu"
    code = "code"
    per_minute = 100.0
    rate_limited = frozenset({11232})
    bad_signature = frozenset({19021})

    def message(self, summary):
        post = cm.fit(summary, cm.feishu_post, lambda p: cm.utf8_size(json.dumps(p, ensure_ascii=False)))
        locale = "zh_cn" if summary.lang == "zh-CN" else "en_us"
        return {"msg_type": "post", "content": {"post": {locale: post}}}

    def request(self, chat, body, now):
        if not chat.secret_env:
            return _json_request(chat.url, body, "message")
        timestamp = str(int(now))
        signed = {"timestamp": timestamp, "sign": feishu_sign(chat.secret, timestamp) if chat.secret else REDACTED,
                  **body}
        return _json_request(chat.url, signed, "message", {**signed, "sign": REDACTED})

    def judge(self, chat, status, answer):
        if isinstance(answer, dict) and answer.get("StatusCode") == 0 and "code" not in answer:
            return answer          # the older answer of a custom bot
        return super().judge(chat, status, answer)


def dingtalk_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    return urllib.parse.quote_plus(base64.b64encode(digest).decode())


def feishu_sign(secret: str, timestamp: str) -> str:
    digest = hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


PLATFORMS: dict[str, Platform] = {p.kind: p for p in (WeCom(), DingTalk(), Feishu())}


# --- the transports --------------------------------------------------------------------------

class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None            # a webhook does not move; a redirect is an error, not a new address for the key


class HttpTransport:
    """POSTs with the standard library, a time-out on every request, no redirects."""

    def __init__(self, timeout: float = 15.0):
        self.timeout = timeout
        self.opener = urllib.request.build_opener(_NoRedirect)

    def exchange(self, request: Request, name: str = "") -> tuple[int, object]:
        req = urllib.request.Request(request.url, data=request.data, method="POST",
                                     headers={"Content-Type": request.content_type})
        host = host_port(request.url)
        try:
            with self.opener.open(req, timeout=self.timeout) as resp:
                status, raw = resp.status, resp.read(1 << 20)
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read(1 << 20)
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, (TimeoutError, socket.timeout, ConnectionResetError)):
                raise Transient(f"no answer from {host} ({type(exc.reason).__name__})") from None
            raise Permanent(f"cannot reach {host} ({type(exc.reason).__name__}: {exc.reason})") from None
        except (TimeoutError, ConnectionError, OSError) as exc:
            raise Transient(f"no answer from {host} ({type(exc).__name__})") from None
        try:
            return status, json.loads(raw.decode("utf-8"))
        except ValueError:
            return status, None


class OutboxTransport:
    """--dry-run: each request becomes a JSON file in FOLDER/MONTH/outbox/chat/."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.written: list[Path] = []

    def exchange(self, request: Request, name: str = "") -> tuple[int, object]:
        path = self.folder / f"{name}-{request.step}.json"
        write_text_atomic(path, json.dumps(request.preview, ensure_ascii=False, indent=1))
        self.written.append(path)
        return 200, {"errcode": 0, "code": 0, "errmsg": "dry run", "media_id": "(dry run: from upload_media)"}


# --- the posts ------------------------------------------------------------------------------

@dataclass
class ChatPost:
    chat: Chat
    part: str                 # summary | report (the PDF, where the chat takes files)
    team: str                 # a team's key, or chat_message.COMPANY
    digest: str
    body: dict | None = None
    pdf: Path | None = None
    problem: str | None = None

    @property
    def kind(self) -> str:
        return f"{self.chat.id}:{self.part}"

    @property
    def key(self) -> str:
        return self.team

    @property
    def recipients(self) -> list[str]:
        return [self.chat.label]

    @property
    def label(self) -> str:
        who = "the company" if self.team == cm.COMPANY else f"team {one_line(self.team)}"
        return f"{self.part} for {who} to the {self.chat.label}"

    @property
    def file_name(self) -> str:
        who = "company" if self.team == cm.COMPANY else safe_filename(self.team)[:40]
        return f"{self.chat.id}-{self.part}-{who}-{self.digest[:10]}"


def _digest(*parts) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(str(part).encode() + b"\0")
    return h.hexdigest()


def build_posts(month_dir: Path, month: str, chats: list[Chat], only: set[str] | None = None) -> list[ChatPost]:
    """Every chat's posts for the month, the chats interleaved (so one chat's pace is not the
    others' wait). ``only``: these teams (``*`` for the company's post)."""
    figures = cm.read_figures(month_dir, month)
    if any(row["team"] == cm.COMPANY for row in figures["teams"]):
        raise cm.ChatError(f"{month}'s reports have a team named {cm.COMPANY!r}, which in salesdesk.toml and --only "
                           "means the company's post; rename the team in the workbook")
    pdfs = _team_pdfs(Path(month_dir))
    per_chat = []
    for chat in chats:
        teams = [row["team"] for row in figures["teams"]] + [cm.COMPANY] if cm.COMPANY in chat.teams else chat.teams
        per_chat.append([p for team in teams if not only or team in only
                         for p in _posts(chat, team, figures, month, pdfs)])
    return [p for round_ in _rounds(per_chat) for p in round_]


def _rounds(lists: list[list]):
    for i in range(max((len(x) for x in lists), default=0)):
        yield [x[i] for x in lists if i < len(x)]


def _posts(chat: Chat, team: str, figures: dict, month: str, pdfs: dict) -> list[ChatPost]:
    platform = PLATFORMS[chat.kind]
    esc = cm.plain_text if chat.kind == "feishu" else cm.md_text
    summary = cm.company_summary(figures, esc) if team == cm.COMPANY else cm.team_summary(figures, team, esc)
    if summary is None:
        post = ChatPost(chat, "summary", team, _digest(month, chat.id, team, "missing"))
        post.problem = f"no team {one_line(team)!r} in {month}'s reports; check teams in salesdesk.toml"
        return [post]
    body = platform.message(summary)
    posts = [ChatPost(chat, "summary", team, _digest(month, chat.id, "summary", team, json.dumps(body, sort_keys=True)),
                      body)]
    if platform.takes_files and team in pdfs:
        path, sha, problem = pdfs[team]
        report = ChatPost(chat, "report", team, _digest(month, chat.id, "report", team, sha), pdf=path)
        report.problem = problem
        posts.append(report)
    return posts


def _team_pdfs(month_dir: Path) -> dict:
    """team -> (the PDF report, its SHA-256 in the manifest, a problem if it changed since)."""
    try:
        manifest = json.loads((month_dir / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    out = {}
    for d in manifest.get("deliveries", []):
        for f in d.get("files", []) if d.get("kind") == "team" else []:
            if f.get("format") == "pdf":
                path = month_dir / f["path"]
                ok = path.exists() and hashlib.sha256(path.read_bytes()).hexdigest() == f["sha256"]
                out[d["key"]] = (path, f["sha256"], None if ok else
                                 f"{f['path']} is missing or changed since the manifest was written; re-run the reports")
    return out


def post_all(posts: list[ChatPost], transport, month: str, ledger: DeliveryLedger | None, resend: bool = False,
             sleep=time.sleep, clock=time.monotonic, now=time.time, retries: int = 4, backoff: float = 10.0,
             progress=None) -> SendSummary:
    """Posts what the ledger does not have as sent (delivery.deliver_each); a failure is recorded
    and the batch goes on."""
    paces: dict[str, Pace] = {}

    def send(post: ChatPost):
        """One request at its chat's pace, rate limits retried; failures with the chat's secrets scrubbed."""
        pace = paces.setdefault(post.chat.id, Pace(60.0 / PLATFORMS[post.chat.kind].per_minute, sleep, clock))
        reply, failure, reason = with_retries(lambda: _send(post, transport, now), pace, sleep, retries, backoff)
        if failure is not None:
            return None, post.chat.scrub(failure), post.chat.scrub(reason)
        return {"message_id": reply.get("media_id"), "reply": json.dumps(reply)[:500]}, None, None
    return deliver_each(posts, month, ledger, send, resend, progress)


def _send(post: ChatPost, transport, now) -> dict:
    platform = PLATFORMS[post.chat.kind]
    if post.part == "summary":
        body = post.body
    else:
        uploaded = platform.judge(post.chat, *transport.exchange(platform.upload(post.chat, post.pdf), post.file_name))
        if not uploaded.get("media_id"):
            raise Permanent("upload_media answered without a media_id")
        body = platform.file_message(uploaded["media_id"])
    request = platform.request(post.chat, body, now())
    return platform.judge(post.chat, *transport.exchange(request, post.file_name))


def outbox_folder(folder: Path, month: str) -> Path:
    return Path(folder, month, *OUTBOX)


def post_month(folder: Path, month: str, config: Path, only: set[str] | None = None, dry_run: bool = False,
               resend: bool = False, environ=os.environ, progress=None, **options) -> tuple[SendSummary, Path | None]:
    """The job behind ``salesdesk post``, under FOLDER's lock: (what happened, the dry run's
    folder). ``progress(total)`` starts a progress callback (with ``close``) once the posts are
    built. Raises ChatConfigError or chat_message.ChatError when nothing can be posted."""
    chats = load_chats(config, environ, dry_run)
    with exclusive(Path(folder), "post"):     # one writer at a time; the month is read under the lock too
        posts = build_posts(Path(folder) / month, month, chats, only)
        unknown = sorted((only or set()) - {p.team for p in posts})
        if unknown:
            raise ChatConfigError(f"--only {', '.join(map(repr, unknown))}: no chat in {config} gets it "
                                  "(team names are the workbook's; '*' is the company's post)")
        if dry_run:       # nothing goes out, so nothing to pace or wait for
            transport, ledger = OutboxTransport(outbox_folder(folder, month)), None
            options["sleep"] = lambda seconds: None
        else:
            transport, ledger = HttpTransport(), DeliveryLedger(Path(folder) / CHAT_LEDGER)
        steps = progress(len(posts)) if progress else None
        try:
            summary = post_all(posts, transport, month, ledger, resend=resend, progress=steps, **options)
        finally:
            if steps is not None:
                steps.close()
            if ledger:
                ledger.close()
    return summary, transport.folder if dry_run else None


def example_config(teams: list[str]) -> str:
    """The demo's salesdesk.toml: one chat of each kind with example addresses that reach no
    bot (the demo posts only as a dry run). WeCom gets every team and the company; DingTalk
    and Feishu share the teams."""
    half = (len(teams) + 1) // 2
    names = lambda ts: json.dumps(ts, ensure_ascii=False)  # noqa: E731  (TOML arrays of strings read as JSON)
    return f"""# EXAMPLE chat settings written by `salesdesk demo` (see docs/chat.md). The addresses are
# examples and reach no bot: put your bots' webhooks here (or url_env = "NAME" to keep them in
# the environment) and the signing secrets in the environment variables named by secret_env.

[[chat]]
kind = "wecom"
url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=EXAMPLE-KEY"
teams = ["*"]

[[chat]]
kind = "dingtalk"
url = "https://oapi.dingtalk.com/robot/send?access_token=EXAMPLE-TOKEN"
secret_env = "SALESDESK_DINGTALK_SECRET"
teams = {names(teams[:half])}

[[chat]]
kind = "feishu"
url = "https://open.feishu.cn/open-apis/bot/v2/hook/EXAMPLE-HOOK"
secret_env = "SALESDESK_FEISHU_SECRET"
teams = {names(teams[half:])}
"""
