"""A real SMTP server on loopback (aiosmtpd) with switchable faults, for the mail tests."""
from __future__ import annotations

import contextlib
import email
import socket
import threading
from email import policy
from typing import Iterator

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder:
    """Keeps every accepted message; faults: greylist the first N DATA commands with 451,
    drop the connection instead of answering DATA number K, refuse listed recipients with 550."""

    def __init__(self, greylist: int = 0, drop_at: int | None = None, refuse: set[str] = frozenset()):
        self.messages: list[dict] = []
        self.greylist = greylist
        self.drop_at = drop_at
        self.refuse = set(refuse)
        self.data_calls = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.data_calls += 1
            n = self.data_calls
        if n <= self.greylist:
            return "451 4.7.1 greylisted, try again later"
        if self.drop_at is not None and n == self.drop_at:
            server.transport.close()            # the connection drops before the reply
            return "421 closing"
        msg = email.message_from_bytes(envelope.original_content, policy=policy.default)
        with self.lock:
            self.messages.append({"from": envelope.mail_from, "rcpt": list(envelope.rcpt_tos), "msg": msg})
        return f"250 2.0.0 queued as {len(self.messages)}"

    def by_subject_to(self):
        return [(m["msg"]["Subject"], tuple(sorted(m["rcpt"]))) for m in self.messages]


def start(handler, **kwargs) -> Controller:
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **kwargs)
    controller.start()
    return controller


@contextlib.contextmanager
def serving(handler, **kwargs) -> Iterator[Controller]:
    """A server on loopback for the duration of the block, stopped whatever happens."""
    controller = start(handler, **kwargs)
    try:
        yield controller
    finally:
        controller.stop()


def authenticator(user: str, password: str):
    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == user and \
            auth_data.password.decode() == password
        # handled=False: let the server answer 535 itself (the default means "already answered")
        return AuthResult(success=ok, handled=False)
    return check
