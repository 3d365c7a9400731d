"""Send email through SMTP with the standard library's :mod:`smtplib`.

The server comes from a URL held in an environment variable (never in
``site.toml``)::

    smtp://USER:PASSWORD@smtp.example.com:587     STARTTLS, required (default port 587)
    smtps://USER:PASSWORD@smtp.example.com:465    TLS from the first byte (default 465)
    smtp+insecure://relay.internal:25             no TLS: a relay on a trusted network

User and password are URL-encoded. A 4xx reply, a dropped connection or a
timeout is tried again with backoff; a 5xx reply for a recipient is final
for that recipient, and so is a certificate that does not verify. Messages
name the host only.
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from ..errors import UsageError
from .delivery import Outcome, Policy

_MODES = {"smtp": ("starttls", 587), "smtps": ("tls", 465), "smtp+insecure": ("plain", 25)}


@dataclass(frozen=True, slots=True, kw_only=True)
class SmtpServer:
    host: str
    port: int
    mode: str  # "starttls", "tls" or "plain"
    username: str | None = None
    password: str | None = None


def parse_smtp_url(url: str, variable: str) -> SmtpServer:
    """Read an SMTP URL; errors name the variable, never its value."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise UsageError(f"{variable}: not an SMTP URL") from None
    if parts.scheme not in _MODES or not parts.hostname:
        raise UsageError(
            f"{variable}: not an SMTP URL\n"
            "  expected: smtp://USER:PASSWORD@HOST:587 (STARTTLS), smtps://... (TLS)"
            " or smtp+insecure://HOST:25"
        )
    mode, default_port = _MODES[parts.scheme]
    return SmtpServer(
        host=parts.hostname,
        port=port or default_port,
        mode=mode,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


class Connection:
    """One SMTP session, opened on first use and reopened after a failure."""

    def __init__(self, server: SmtpServer, policy: Policy):
        self.server = server
        self.policy = policy
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (smtplib.SMTPException, OSError):
                self._smtp.close()
            self._smtp = None

    def _open(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        server, timeout = self.server, self.policy.timeout
        context = ssl.create_default_context()
        smtp: smtplib.SMTP
        if server.mode == "tls":
            smtp = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(server.host, server.port, timeout=timeout)
            if server.mode == "starttls":
                smtp.ehlo()
                if not smtp.has_extn("starttls"):
                    smtp.close()
                    raise _Final(
                        f"{server.host} offers no STARTTLS; use smtps:// or smtp+insecure://"
                    )
                smtp.starttls(context=context)
                smtp.ehlo()
        if server.username:
            smtp.login(server.username, server.password or "")
        self._smtp = smtp
        return smtp

    def send(self, message: EmailMessage, sender: str, recipients: Iterable[str]) -> Outcome:
        """Send ``message`` to ``recipients`` (the envelope), trying again on
        transient failures."""
        host = self.server.host
        attempt = 0
        while True:
            attempt += 1
            try:
                refused = self._open().send_message(
                    message, from_addr=sender, to_addrs=list(recipients)
                )
                if refused:
                    text = ", ".join(str(code) for code, _ in refused.values())
                    return Outcome(
                        delivered=False, attempts=attempt, detail=f"{host}: refused ({text})"
                    )
                return Outcome(delivered=True, attempts=attempt, detail=f"{host}: accepted")
            except _Final as exc:
                return Outcome(delivered=False, attempts=attempt, detail=str(exc))
            except smtplib.SMTPAuthenticationError as exc:
                self.close()
                return Outcome(
                    delivered=False,
                    attempts=attempt,
                    detail=f"{host}: login refused ({exc.smtp_code})",
                )
            except smtplib.SMTPRecipientsRefused as exc:
                codes = sorted({int(code) for code, _ in exc.recipients.values()})
                listed = ", ".join(map(str, codes))
                if any(400 <= code < 500 for code in codes):
                    detail = f"{host}: recipient deferred ({listed})"
                else:
                    return Outcome(
                        delivered=False,
                        attempts=attempt,
                        detail=f"{host}: recipient refused ({listed})",
                    )
            except smtplib.SMTPResponseException as exc:
                self.close()
                detail = f"{host}: SMTP {exc.smtp_code}"
                if not 400 <= exc.smtp_code < 500:
                    return Outcome(delivered=False, attempts=attempt, detail=detail)
            except ssl.SSLCertVerificationError as exc:
                self.close()
                detail = f"{host}: {type(exc).__name__}: {exc.verify_message}"
                return Outcome(delivered=False, attempts=attempt, detail=detail)
            except (TimeoutError, smtplib.SMTPException, OSError) as exc:
                self.close()
                detail = f"{host}: {type(exc).__name__}"
            wait = self.policy.wait(attempt)
            if wait is None:
                return Outcome(
                    delivered=False, attempts=attempt, detail=f"{detail}, {attempt} attempts"
                )
            self.policy.sleep(wait)


class _Final(Exception):
    """A failure no retry can fix."""
