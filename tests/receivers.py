"""Real receivers on 127.0.0.1 for the announce tests and the bench: an HTTP
server that records every request (and can fail, delay or rate-limit on
purpose), and an SMTP server (aiosmtpd) that records every message."""

from __future__ import annotations

import email
import email.policy
import http.server
import socket
import ssl
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

from aiosmtpd.controller import Controller


@dataclass
class Request:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Behaviour:
    """How a path answers: ``fail`` times with ``status`` first (sending
    ``Retry-After`` when set), then 200 after ``delay`` seconds."""

    fail: int = 0
    status: int = 503
    retry_after: str | None = None
    delay: float = 0.0


@dataclass
class HttpReceiver:
    url: str
    requests: list[Request] = field(default_factory=list)  # delivered (answered 2xx)
    attempts: list[Request] = field(default_factory=list)  # every request
    behaviour: dict[str, Behaviour] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def to(self, path: str) -> list[Request]:
        return [r for r in self.requests if r.path == path]


@contextmanager
def http_receiver() -> Iterator[HttpReceiver]:
    receiver = HttpReceiver(url="")

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length", "0"))
            request = Request(self.path, dict(self.headers.items()), self.rfile.read(length))
            with receiver.lock:
                receiver.attempts.append(request)
                behaviour = receiver.behaviour.get(self.path, Behaviour())
                failing = behaviour.fail > 0
                if failing:
                    behaviour.fail -= 1
            if behaviour.delay:
                time.sleep(behaviour.delay)
            if failing:
                self.send_response(behaviour.status)
                if behaviour.retry_after is not None:
                    self.send_header("Retry-After", behaviour.retry_after)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            with receiver.lock:  # before answering: the sender may return at once
                receiver.requests.append(request)
            try:
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")
                self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                with receiver.lock:  # the sender gave up (timed out): not delivered
                    receiver.requests.remove(request)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()


@dataclass
class Mail:
    sender: str
    recipients: list[str]
    message: EmailMessage


@dataclass
class SmtpReceiver:
    url: str
    messages: list[Mail] = field(default_factory=list)
    fail_next: int = 0  # answer this many DATA commands with 451 first
    deferred: set[str] = field(default_factory=set)  # RCPT TO these: 451


class _Handler:
    def __init__(self, receiver: SmtpReceiver):
        self.receiver = receiver

    async def handle_RCPT(  # noqa: N802
        self, server: object, session: object, envelope: object, address: str, options: object
    ) -> str:
        if address in self.receiver.deferred:
            return "451 4.2.1 mailbox busy, try later"
        envelope.rcpt_tos.append(address)  # type: ignore[attr-defined]
        return "250 OK"

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802
        if self.receiver.fail_next > 0:
            self.receiver.fail_next -= 1
            return "451 4.3.0 try again later"
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)  # type: ignore[attr-defined]
        self.receiver.messages.append(
            Mail(envelope.mail_from, list(envelope.rcpt_tos), message)  # type: ignore[attr-defined]
        )
        return "250 OK"


@contextmanager
def smtp_receiver(
    *, starttls: ssl.SSLContext | None = None, implicit_tls: ssl.SSLContext | None = None
) -> Iterator[SmtpReceiver]:
    """An SMTP server; with ``starttls`` it requires STARTTLS, with
    ``implicit_tls`` it speaks TLS from the first byte."""
    receiver = SmtpReceiver(url="")
    with socket.socket() as probe:  # a free port (aiosmtpd's start-up check needs one)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    options: dict[str, object] = {}
    if starttls is not None:
        options.update(tls_context=starttls, require_starttls=True)
    if implicit_tls is not None:
        options.update(ssl_context=implicit_tls)
    controller = Controller(_Handler(receiver), hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        scheme = "smtps" if implicit_tls else "smtp" if starttls else "smtp+insecure"
        receiver.url = f"{scheme}://127.0.0.1:{port}"
        yield receiver
    finally:
        controller.stop()
