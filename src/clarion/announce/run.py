"""One ``clarion announce`` run: read both states, plan, deliver, record.

Delivery is concurrent but ordered where order matters: the messages of one
incident to one channel go one after the other, oldest first, and stop at
the first that fails (the rest stay owed, so a retry keeps the order);
different incidents and channels run side by side, at most ``concurrency``
requests at a time. A channel that fails does not stop the others.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..config import SiteConfig
from ..errors import UsageError
from . import chat, discord, slack, teams, webhook
from .delivery import Outcome, Policy
from .http import post
from .mail import build_email
from .messages import Message, message_for
from .plan import Planned, component_codes, plan
from .record import RECORD_PATH, Record, build_record
from .smtp import Connection
from .state import SiteState, read_state
from .targets import Target, resolve

DEFAULT_CONCURRENCY = 8
_PAYLOADS = {
    "slack": slack.payload,
    "teams": teams.payload,
    "discord": discord.payload,
    "mattermost": chat.payload,
    "rocketchat": chat.payload,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class Delivery:
    """One change on one channel."""

    key: str
    channel: str
    kind: str
    host: str
    status: str  # "delivered", "failed", "skipped" (owed, not tried), "planned" (dry run)
    attempts: int = 0
    detail: str = ""
    recipients: int = 0  # email: how many addresses it went (or would go) to
    preview: str = ""  # dry run: exactly what would be sent


@dataclass(frozen=True, slots=True, kw_only=True)
class Report:
    previous: str
    baseline: bool  # no previous page: nothing announced, this build is the baseline
    messages: tuple[Message, ...] = ()
    deliveries: tuple[Delivery, ...] = ()
    already: int = 0  # deliveries a record shows done, not repeated
    dry_run: bool = False
    seconds: float = 0.0

    @property
    def failed(self) -> tuple[Delivery, ...]:
        return tuple(d for d in self.deliveries if d.status in ("failed", "skipped"))


@dataclass
class _Context:
    config: SiteConfig
    new: SiteState
    now: datetime
    policy: Policy
    done: Record
    dry_run: bool
    results: dict[tuple[str, str], Delivery] = field(default_factory=dict)
    tokens: dict[tuple[str, str], list[str]] = field(default_factory=dict)


def announce(
    config: SiteConfig,
    *,
    previous: str | Path,
    now: datetime,
    public_dir: Path | None = None,
    dry_run: bool = False,
    policy: Policy | None = None,
    concurrency: int = DEFAULT_CONCURRENCY,
    environ: Mapping[str, str] | None = None,
) -> Report:
    """Announce what changed between ``previous`` and the built ``public_dir``."""
    started = time.monotonic()
    public = public_dir or config.paths.public
    new = read_state(public)
    if not new.found:
        raise UsageError(
            f"no built site in {public} (no api/v2/incidents.json): run 'clarion build' first"
        )
    old = read_state(previous)
    done = old.record.merged(new.record)
    if not old.found:
        if not dry_run and not (public / RECORD_PATH).exists():
            write_record(public, Record())
        return Report(previous=str(previous), baseline=True, dry_run=dry_run)
    planned = plan(config, old, new, done)
    env = os.environ if environ is None else environ
    needed = {ch.name: ch for p in planned for ch in p.channels}
    targets = {name: resolve(config, ch, env) for name, ch in needed.items()}
    context = _Context(
        config=config, new=new, now=now, policy=policy or Policy(), done=done, dry_run=dry_run
    )
    messages = {p.change.key: message_for(p.change) for p in planned}
    jobs: dict[tuple[str, str], list[Planned]] = {}
    for item in planned:
        for channel in item.channels:
            jobs.setdefault((channel.name, item.change.thread_key), []).append(item)
    workers = max(1, min(concurrency, len(jobs)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="announce") as pool:
        for future in [
            pool.submit(_run_job, context, targets[name], items, messages)
            for (name, _), items in jobs.items()
        ]:
            future.result()
    deliveries = tuple(
        context.results[(p.change.key, ch.name)] for p in planned for ch in p.channels
    )
    if not dry_run:
        _record(public, planned, deliveries, context)
    return Report(
        previous=str(previous),
        baseline=False,
        messages=tuple(messages[p.change.key] for p in planned),
        deliveries=deliveries,
        already=sum(len(p.delivered) for p in planned),
        dry_run=dry_run,
        seconds=time.monotonic() - started,
    )


def _run_job(
    context: _Context, target: Target, items: list[Planned], messages: Mapping[str, Message]
) -> None:
    """The messages of one incident to one channel, in order; stop at a failure."""
    failed: str | None = None
    connection = (
        Connection(target.smtp, context.policy)
        if target.smtp is not None and not context.dry_run
        else None
    )
    try:
        for item in items:
            key = item.change.key
            if failed is not None:
                delivery = _delivery(target, key, "skipped", detail=f"not tried: {failed}")
            elif target.problem is not None and not context.dry_run:
                delivery = _delivery(target, key, "failed", detail=target.problem)
            elif target.channel.kind == "email":
                delivery = _send_email(context, target, messages[key], connection)
            else:
                delivery = _send_http(context, target, messages[key])
            if delivery.status == "failed":
                failed = "an earlier message of this item failed"
            context.results[(key, target.channel.name)] = delivery
    finally:
        if connection is not None:
            connection.close()


def _delivery(
    target: Target,
    key: str,
    status: str,
    *,
    attempts: int = 0,
    detail: str = "",
    recipients: int = 0,
    preview: str = "",
) -> Delivery:
    channel = target.channel
    return Delivery(
        key=key,
        channel=channel.name,
        kind=channel.kind,
        host=target.host,
        status=status,
        attempts=attempts,
        detail=detail,
        recipients=recipients,
        preview=preview,
    )


def http_request(
    context: _Context, target: Target, message: Message
) -> tuple[bytes, dict[str, str]]:
    """The body and signing headers of one webhook or chat message."""
    if target.channel.kind == "webhook":
        data = webhook.payload(message, context.new.page, context.new.status, context.now)
    else:
        data = _PAYLOADS[target.channel.kind](message)
    body = json.dumps(data, ensure_ascii=False, sort_keys=True).encode("utf-8")
    headers: dict[str, str] = {}
    if target.channel.kind == "webhook" and target.secret:
        headers = webhook.signed_headers(target.secret, int(time.time()), body, message.key)
    return body, headers


def _send_http(context: _Context, target: Target, message: Message) -> Delivery:
    body, headers = http_request(context, target, message)
    if context.dry_run:
        preview = json.dumps(json.loads(body), ensure_ascii=False, indent=2, sort_keys=True)
        detail = target.problem or ""
        if target.channel.kind == "webhook" and not detail:
            detail = (
                f"{webhook.DELIVERY_HEADER}: {message.key}; {webhook.TIMESTAMP_HEADER} and "
                f"{webhook.SIGNATURE_HEADER} are computed when it is sent"
            )
        return _delivery(target, message.key, "planned", preview=preview, detail=detail)
    assert target.url is not None
    outcome = post(target.url, body, headers, context.policy)
    return _from_outcome(target, message.key, outcome)


def _from_outcome(target: Target, key: str, outcome: Outcome, recipients: int = 0) -> Delivery:
    status = "delivered" if outcome.delivered else "failed"
    return _delivery(
        target, key, status, attempts=outcome.attempts, detail=outcome.detail, recipients=recipients
    )


def _send_email(
    context: _Context, target: Target, message: Message, connection: Connection | None
) -> Delivery:
    recipients = _recipients(context, target, message)
    config = context.config

    def build(address: str) -> bytes:
        return bytes(
            build_email(
                message,
                channel=target.channel,
                site_title=config.title,
                base_url=config.base_url,
                sender=config.email.sender or "status@example.invalid",
                reply_to=config.email.reply_to,
                recipient=address,
                now=context.now,
            )
        )

    if context.dry_run:
        preview = build("subscriber@example.invalid").decode("utf-8", "replace")
        detail = target.problem or f"to {len(recipients)} subscriber(s); shown for one"
        return _delivery(
            target,
            message.key,
            "planned",
            recipients=len(recipients),
            preview=preview,
            detail=detail,
        )
    assert connection is not None and config.email.sender is not None
    failures: list[str] = []
    details: list[str] = []
    attempts = 0
    for address in recipients:
        email = build_email(
            message,
            channel=target.channel,
            site_title=config.title,
            base_url=config.base_url,
            sender=config.email.sender,
            reply_to=config.email.reply_to,
            recipient=address,
            now=context.now,
        )
        outcome = connection.send(
            email, sender=_envelope(config.email.sender), recipients=[address]
        )
        attempts += outcome.attempts
        if not outcome.delivered:
            failures.append(target.token(address))
            details.append(outcome.detail)
    if failures:
        context.tokens[(message.key, target.channel.name)] = failures
        detail = f"{len(failures)} of {len(recipients)} not delivered: {details[0]}"
        return _delivery(
            target,
            message.key,
            "failed",
            attempts=attempts,
            detail=detail,
            recipients=len(recipients),
        )
    detail = f"{target.host}: {len(recipients)} recipient(s)"
    return _delivery(
        target,
        message.key,
        "delivered",
        attempts=attempts,
        detail=detail,
        recipients=len(recipients),
    )


def _recipients(context: _Context, target: Target, message: Message) -> list[str]:
    """Subscribers following the change's components (all, without a filter),
    and of those only the ones a record says are still owed it."""
    owed = context.done.pending_recipients(message.key, target.channel.name)
    codes = set(message.component_codes)
    return [
        s.address
        for s in target.subscribers
        if (not s.components or component_codes(s.components) & codes)
        and (owed is None or target.token(s.address) in owed)
    ]


def _envelope(sender: str) -> str:
    from email.utils import parseaddr

    return parseaddr(sender)[1] or sender


def _record(
    public: Path, planned: list[Planned], deliveries: tuple[Delivery, ...], context: _Context
) -> None:
    delivered: dict[str, set[str]] = {p.change.key: set(p.delivered) for p in planned}
    pending: dict[str, set[str]] = {p.change.key: set() for p in planned}
    for d in deliveries:
        (delivered if d.status == "delivered" else pending)[d.key].add(d.channel)
    record = build_record([p.change.key for p in planned], delivered, pending, context.tokens)
    write_record(public, record)


def write_record(public: Path, record: Record) -> None:
    """Replace ``announced.json`` in the public folder in one step."""
    path = public / RECORD_PATH
    temporary = path.with_name(f".{RECORD_PATH}.{os.getpid()}.tmp")
    temporary.write_bytes(record.to_bytes())
    os.replace(temporary, path)
