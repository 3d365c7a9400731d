"""A channel made ready to send: its secrets read from the environment,
its subscribers read from the private comms folder; or the reason it cannot
send, said without the secret."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass

from ..config import SiteConfig
from ..errors import ClarionError, ContentErrors, display_path
from .config import Channel, Subscriber, load_subscribers
from .http import host_of
from .smtp import SmtpServer, parse_smtp_url


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    channel: Channel
    host: str  # shown in reports instead of the URL
    url: str | None = None
    secret: str | None = None
    smtp: SmtpServer | None = None
    smtp_key: str = ""  # keys the record's recipient tokens
    subscribers: tuple[Subscriber, ...] = ()
    problem: str | None = None  # why this channel cannot send

    def token(self, address: str) -> str:
        """An opaque, unlinkable token of a recipient for the public record."""
        digest = hmac.new(self.smtp_key.encode(), address.lower().encode(), hashlib.sha256)
        return digest.hexdigest()[:20]


def resolve(config: SiteConfig, channel: Channel, environ: Mapping[str, str]) -> Target:
    if channel.kind == "email":
        return _email(config, channel, environ)
    assert channel.url_env is not None
    url = environ.get(channel.url_env, "").strip()
    if not url:
        return Target(channel=channel, host="?", problem=f"{channel.url_env} is not set")
    if not url.startswith(("https://", "http://")):
        return Target(
            channel=channel, host="?", problem=f"{channel.url_env} does not hold an http(s) URL"
        )
    secret = None
    if channel.secret_env:
        secret = environ.get(channel.secret_env, "")
        if not secret:
            return Target(
                channel=channel, host=host_of(url), problem=f"{channel.secret_env} is not set"
            )
    return Target(channel=channel, host=host_of(url), url=url, secret=secret)


def _email(config: SiteConfig, channel: Channel, environ: Mapping[str, str]) -> Target:
    assert channel.smtp_url_env is not None
    path = config.paths.comms / channel.subscribers
    shown = display_path(path, config.root)
    try:
        subscribers = load_subscribers(config.paths.comms, channel, config.component_ids, shown)
    except ContentErrors as exc:
        return Target(channel=channel, host="?", problem=exc.format())
    if not config.email.sender:
        return Target(
            channel=channel,
            host="?",
            subscribers=subscribers,
            problem="[email] from is not set in site_src/site.toml",
        )
    url = environ.get(channel.smtp_url_env, "").strip()
    if not url:
        return Target(
            channel=channel,
            host="?",
            subscribers=subscribers,
            problem=f"{channel.smtp_url_env} is not set",
        )
    try:
        server = parse_smtp_url(url, channel.smtp_url_env)
    except ClarionError as exc:
        return Target(channel=channel, host="?", subscribers=subscribers, problem=str(exc))
    return Target(
        channel=channel,
        host=server.host,
        smtp=server,
        smtp_key=url,
        subscribers=subscribers,
    )
