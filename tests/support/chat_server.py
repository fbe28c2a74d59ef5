"""A local stand-in for the three chat platforms' webhooks (http.server on 127.0.0.1, in a
thread), answering as each documents: WeCom's group robot (send, upload_media), DingTalk's
custom robot and Feishu's custom bot. It checks each request's shape, recomputes the
signatures from the secrets it was given (independently of generators.chat) and refuses a
wrong one with the platform's code; ``fail`` scripts answers (a rate limit first, ...)."""
from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

WECOM_KEY = "wecom-key-0123456789"
DINGTALK_TOKEN = "dingtalk-token-0123456789"
FEISHU_HOOK = "feishu-hook-0123456789"


class Platforms:
    def __init__(self, dingtalk_secret: str = "SECding-secret-value", feishu_secret: str = "feishu-secret-value"):
        self.secrets = {"dingtalk": dingtalk_secret, "feishu": feishu_secret}
        self.requests: list[dict] = []      # every request: platform, path, query, headers, json or multipart
        self.fail: dict[str, list[dict]] = {"wecom": [], "dingtalk": [], "feishu": [], "upload": []}
        self.problems: list[str] = []       # shapes that are not as documented
        self.lock = threading.Lock()
        self.media = 0

    # --- what each platform answers -------------------------------------------------------

    def answer(self, platform: str, query: dict, headers, body: bytes) -> tuple[int, dict]:
        with self.lock:
            record = {"platform": platform, "query": query, "content_type": headers.get("Content-Type", ""),
                      "body": body}
            self.requests.append(record)
            scripted = self.fail[platform].pop(0) if self.fail[platform] else None
        if scripted is not None:
            return 200, scripted
        return getattr(self, platform)(record, query, body)

    def wecom(self, record, query, body):
        if query.get("key") != WECOM_KEY:
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
        record["json"] = payload = json.loads(body)
        kind = payload.get("msgtype")
        ok = (kind == "markdown" and isinstance(payload["markdown"].get("content"), str)
              and len(payload["markdown"]["content"].encode()) <= 4096) or \
             (kind == "file" and payload["file"].get("media_id", "").startswith("media-"))
        if not ok:
            self.problems.append(f"wecom: {payload}")
            return 200, {"errcode": 40008, "errmsg": "invalid message type"}
        return 200, {"errcode": 0, "errmsg": "ok"}

    def upload(self, record, query, body):
        if query.get("key") != WECOM_KEY or query.get("type") != "file":
            self.problems.append(f"upload: {query}")
            return 200, {"errcode": 93000, "errmsg": "invalid webhook url"}
        boundary = record["content_type"].split("boundary=", 1)[-1]
        head, _, rest = body.partition(b"\r\n\r\n")
        content = rest[:rest.rfind(f"\r\n--{boundary}--".encode())]
        disposition = head.decode("utf-8")
        if not head.startswith(f"--{boundary}\r\n".encode()) or 'name="media"' not in disposition \
                or f"filelength={len(content)}" not in disposition or len(content) <= 5:
            self.problems.append(f"upload: {disposition}")
            return 200, {"errcode": 40004, "errmsg": "invalid media"}
        record["file"] = {"disposition": disposition, "content": content}
        self.media += 1
        return 200, {"errcode": 0, "errmsg": "ok", "type": "file", "media_id": f"media-{self.media}",
                     "created_at": str(int(time.time()))}

    def dingtalk(self, record, query, body):
        if query.get("access_token") != DINGTALK_TOKEN:
            return 200, {"errcode": 300001, "errmsg": "token is not exist"}
        timestamp, sign = query.get("timestamp", ""), query.get("sign", "")
        secret = self.secrets["dingtalk"]
        expected = base64.b64encode(hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(),
                                             hashlib.sha256).digest()).decode()
        if not timestamp.isdigit() or abs(int(timestamp) / 1000 - time.time()) > 3600 or sign != expected:
            return 200, {"errcode": 310000, "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com/doc]"}
        record["json"] = payload = json.loads(body)
        md = payload.get("markdown", {})
        if payload.get("msgtype") != "markdown" or not md.get("title") or not md.get("text"):
            self.problems.append(f"dingtalk: {payload}")
            return 200, {"errcode": 40035, "errmsg": "missing parameter"}
        return 200, {"errcode": 0, "errmsg": "ok"}

    def feishu(self, record, query, body):
        record["json"] = payload = json.loads(body)
        timestamp, secret = payload.get("timestamp", ""), self.secrets["feishu"]
        expected = base64.b64encode(hmac.new(f"{timestamp}\n{secret}".encode(), b"", hashlib.sha256).digest()).decode()
        if not isinstance(timestamp, str) or not timestamp.isdigit() or abs(int(timestamp) - time.time()) > 3600 \
                or payload.get("sign") != expected:
            return 200, {"code": 19021, "data": {}, "msg": "sign match fail or timestamp is not within one hour "
                                                            "from current time"}
        post = payload.get("content", {}).get("post", {})
        ok = payload.get("msg_type") == "post" and len(post) == 1 and all(
            isinstance(v.get("title"), str) and all(isinstance(e, dict) and e.get("tag") == "text" and "\n" not in e["text"]
                                                    for para in v["content"] for e in para)
            for v in post.values())
        if not ok:
            self.problems.append(f"feishu: {payload}")
            return 200, {"code": 9499, "data": {}, "msg": "Bad Request"}
        return 200, {"code": 0, "data": {}, "msg": "success"}

    def of(self, platform: str) -> list[dict]:
        return [r for r in self.requests if r["platform"] == platform and "json" in r]


def _handler(platforms: Platforms):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            parts = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(parts.query))
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            route = {"/cgi-bin/webhook/send": "wecom", "/cgi-bin/webhook/upload_media": "upload",
                     "/robot/send": "dingtalk", f"/open-apis/bot/v2/hook/{FEISHU_HOOK}": "feishu"}.get(parts.path)
            if route is None:
                status, answer = 404, {"error": "not found"}
            else:
                status, answer = platforms.answer(route, query, self.headers, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass
    return Handler


@contextlib.contextmanager
def running(platforms: Platforms):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(platforms))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
