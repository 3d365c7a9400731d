"""SMTP transports of ``clarion announce`` and ``clarion send`` against a real
aiosmtpd server with a certificate from a test CA (trustme): STARTTLS,
implicit TLS, and no silent fall-back to plain text."""

from __future__ import annotations

import ssl
from email.message import EmailMessage

import pytest
import trustme

from clarion.announce.delivery import Policy
from clarion.announce.smtp import Connection, parse_smtp_url
from clarion.errors import UsageError
from tests.receivers import smtp_receiver

POLICY = Policy(backoff=0.01, timeout=5, attempts=2)


@pytest.fixture
def ca(tmp_path, monkeypatch) -> trustme.CA:
    """A CA the client trusts (through SSL_CERT_FILE, as OpenSSL reads it)."""
    authority = trustme.CA()
    path = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(path))
    monkeypatch.setenv("SSL_CERT_FILE", str(path))
    return authority


def server_context(ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return context


def message() -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = "status@test.example"
    msg["To"] = "a@subscriber.example"
    msg["Subject"] = "Test"
    msg.set_content("Hello.\n")
    return msg


def send(url: str):
    server = parse_smtp_url(url, "SMTP_URL")
    with Connection(server, POLICY) as connection:
        return connection.send(message(), "status@test.example", ["a@subscriber.example"])


def test_starttls_is_used_and_verified(ca):
    with smtp_receiver(starttls=server_context(ca)) as mail:
        assert mail.url.startswith("smtp://")
        outcome = send(mail.url)
        assert outcome.delivered, outcome.detail
        assert [m.recipients for m in mail.messages] == [["a@subscriber.example"]]


def test_implicit_tls(ca):
    with smtp_receiver(implicit_tls=server_context(ca)) as mail:
        outcome = send(mail.url)
        assert outcome.delivered, outcome.detail
        assert len(mail.messages) == 1


def test_smtp_without_starttls_on_offer_is_refused_not_sent_in_plain_text():
    with smtp_receiver() as mail:
        outcome = send(mail.url.replace("smtp+insecure://", "smtp://"))
        assert not outcome.delivered
        assert outcome.detail == "127.0.0.1 offers no STARTTLS; use smtps:// or smtp+insecure://"
        assert mail.messages == []


def test_an_untrusted_certificate_is_not_accepted(ca, monkeypatch, tmp_path):
    other = trustme.CA()
    with smtp_receiver(starttls=server_context(other)) as mail:
        outcome = send(mail.url)
        assert not outcome.delivered and outcome.attempts == 1
        assert outcome.detail.startswith("127.0.0.1: SSLCertVerificationError")
        assert mail.messages == []


@pytest.mark.parametrize(
    "url, expected",
    [
        ("smtp://u:p%40ss@mail.example", ("mail.example", 587, "starttls", "u", "p@ss")),
        ("smtps://mail.example", ("mail.example", 465, "tls", None, None)),
        ("smtp+insecure://relay:2525", ("relay", 2525, "plain", None, None)),
    ],
)
def test_smtp_urls(url, expected):
    server = parse_smtp_url(url, "SMTP_URL")
    assert (server.host, server.port, server.mode, server.username, server.password) == expected


def test_a_bad_smtp_url_names_the_variable_never_the_value():
    with pytest.raises(UsageError) as caught:
        parse_smtp_url("http://user:hunter2@mail.example", "SMTP_URL")
    assert str(caught.value).startswith("SMTP_URL: not an SMTP URL")
    assert "hunter2" not in str(caught.value)
