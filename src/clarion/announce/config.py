"""``[[announce]]`` in ``site_src/site.toml``: where ``clarion announce`` sends.

Each entry is a channel::

    [[announce]]
    kind = "slack"                  # slack, teams, discord, mattermost, rocketchat,
    name = "slack-status"           # webhook or email; name: default the kind
    url_env = "SLACK_WEBHOOK_URL"   # the secret stays in the environment
    components = ["api"]            # optional: only these components' items
    signup_url = "https://acme.slack.com/archives/C0STATUS"  # optional: on the page

Secrets (webhook URLs, signing secrets, SMTP URLs) are never in the file: a
channel names the environment variable that holds each one. The subscriber
list of an ``email`` channel is private: a YAML file under the comms folder
(:func:`load_subscribers`), read only when announcing.

The site configuration calls :func:`parse_announce`; problems are reported
with the rest of ``site.toml``'s, with the line of the entry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from ..errors import ContentError, ContentErrors, ErrorCollector, SourceLocation, did_you_mean
from ..load.schema import check_keys

#: Chat and webhook kinds, posted to over HTTPS.
HTTP_KINDS = ("slack", "teams", "discord", "mattermost", "rocketchat", "webhook")
KINDS = (*HTTP_KINDS, "email")
#: How each kind is named on the page's Subscribe section.
KIND_LABELS = {
    "slack": "Slack",
    "teams": "Microsoft Teams",
    "discord": "Discord",
    "mattermost": "Mattermost",
    "rocketchat": "Rocket.Chat",
    "webhook": "Webhook",
    "email": "Email",
}
_COMMON_KEYS = ("kind", "name", "components", "signup_url", "signup_label")
_KEYS_BY_KIND = {
    **{kind: (*_COMMON_KEYS, "url_env") for kind in HTTP_KINDS},
    "webhook": (*_COMMON_KEYS, "url_env", "secret_env"),
    "email": (
        *_COMMON_KEYS,
        "smtp_url_env",
        "subscribers",
        "unsubscribe_mailto",
        "unsubscribe_url",
    ),
}
_ENV_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_NAME_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_URL_RE = re.compile(r"^https?://[^\s/]+\S*$")
_ADDRESS_RE = re.compile(r"^[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+$")
DEFAULT_SUBSCRIBERS = "subscribers.yml"
_SECRET_SUFFIX = {False: "WEBHOOK_URL", True: "SMTP_URL"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Channel:
    """One place ``clarion announce`` posts to."""

    name: str
    kind: str
    url_env: str | None = None  # HTTP kinds: the variable holding the webhook URL
    secret_env: str | None = None  # webhook: the variable holding the signing secret
    smtp_url_env: str | None = None  # email: the variable holding the SMTP URL
    subscribers: str = DEFAULT_SUBSCRIBERS  # email: file under the comms folder
    unsubscribe_mailto: str | None = None
    unsubscribe_url: str | None = None  # may hold {email}, URL-encoded when sent
    components: tuple[str, ...] = ()  # empty: every component
    signup_url: str | None = None
    signup_label: str = ""
    line: int | None = None  # of the [[announce]] header, for messages

    @property
    def label(self) -> str:
        return self.signup_label or KIND_LABELS[self.kind]


@dataclass(frozen=True, slots=True, kw_only=True)
class Subscriber:
    """One email subscriber: an address and, optionally, the components they follow."""

    address: str
    components: tuple[str, ...] = ()  # empty: every component


class _EntryLocator:
    """Lines of ``[[announce]]`` entries and of the keys inside them."""

    def __init__(self, path: str, lines: Sequence[str]):
        self.path = path
        self.lines = list(lines)
        header = re.compile(r"^\s*\[\[\s*announce\s*\]\]")
        self.headers = [n for n, line in enumerate(self.lines) if header.match(line)]

    def entry(self, index: int) -> SourceLocation:
        if index < len(self.headers):
            return SourceLocation(self.path, self.headers[index] + 1)
        return SourceLocation(self.path)

    def key(self, index: int, key: str) -> SourceLocation:
        if index >= len(self.headers):
            return SourceLocation(self.path)
        wanted = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
        for number in range(self.headers[index] + 1, len(self.lines)):
            line = self.lines[number]
            if line.lstrip().startswith("["):
                break
            if wanted.match(line):
                return SourceLocation(self.path, number + 1)
        return self.entry(index)


def parse_announce(
    raw: object,
    *,
    path: str,
    lines: Sequence[str],
    component_ids: Collection[str],
    errors: ErrorCollector,
    locate_table: Callable[[str], SourceLocation],
) -> tuple[Channel, ...]:
    """The ``announce`` value of ``site.toml`` (an array of tables) -> channels."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(e, dict) for e in raw):
        errors.error(
            locate_table("announce"),
            "'announce' must be a list of channels",
            expected='[[announce]] tables, each with kind = "slack" (or teams, discord, ...)',
            hint="write [[announce]] (two brackets) once per channel",
        )
        return ()
    locator = _EntryLocator(path, lines)
    channels: list[Channel] = []
    for index, entry in enumerate(raw):
        channel = _channel(index, entry, locator, component_ids, errors)
        if channel is None:
            continue
        if any(c.name == channel.name for c in channels):
            errors.error(
                locator.key(index, "name"),
                f"announce: two channels are named {channel.name!r}",
                expected="a unique name per [[announce]] entry",
                hint=f'add name = "{channel.name}-2" (names appear in announced.json and reports)',
            )
            continue
        channels.append(channel)
    return tuple(channels)


_SECRET_KEYS = ("url", "webhook_url", "secret", "smtp_url", "password")
_ENV_EXPECTED = "the name of an environment variable, e.g. SLACK_WEBHOOK_URL"


@dataclass(frozen=True, slots=True)
class _Entry:
    """One ``[[announce]]`` table being read: typed access with errors at its lines."""

    index: int
    data: dict[str, object]
    locator: _EntryLocator
    errors: ErrorCollector

    @property
    def where(self) -> str:
        return f"announce[{self.index + 1}]"

    def at(self, key: str | None = None) -> SourceLocation:
        if key is None:
            return self.locator.entry(self.index)
        return self.locator.key(self.index, key)

    def text(
        self, key: str, pattern: re.Pattern[str] | None = None, expected: str = "text"
    ) -> str | None:
        value = self.data.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or (pattern is not None and not pattern.match(value)):
            self.errors.error(self.at(key), f"{self.where}.{key}: got {value!r}", expected=expected)
            return None
        return value


def _channel(
    index: int,
    data: dict[str, object],
    locator: _EntryLocator,
    component_ids: Collection[str],
    errors: ErrorCollector,
) -> Channel | None:
    entry = _Entry(index, data, locator, errors)
    kind = data.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        errors.error(
            entry.at("kind"),
            f"{entry.where}.kind: got {kind!r}",
            expected="one of: " + ", ".join(KINDS),
            hint=did_you_mean(str(kind), KINDS),
        )
        return None
    before = len(errors.errors)
    _check_keys(entry, kind)
    env_name, secret_env = _secret_variables(entry, kind)
    name = entry.text("name", _NAME_RE, "lower-case letters, digits, '-' and '_'") or kind
    components = _components(
        data.get("components"), entry.where, entry.at("components"), component_ids, errors
    )
    signup_url = entry.text(
        "signup_url",
        re.compile(r"^(https?://\S+|mailto:\S+)$"),
        "an https:// link (a form, a channel to join) or a mailto: link",
    )
    subscribers = entry.text(
        "subscribers", re.compile(r"^[^/\\][^\\]*$"), "a file name under the comms folder"
    )
    mailto = entry.text(
        "unsubscribe_mailto", _ADDRESS_RE, "an address such as status-unsubscribe@example.com"
    )
    unsubscribe_url = entry.text(
        "unsubscribe_url", re.compile(r"^https://\S+$"), "an https:// URL (one-click unsubscribe)"
    )
    label = entry.text("signup_label") or ""
    if len(errors.errors) > before:
        return None
    return Channel(
        name=name,
        kind=kind,
        url_env=env_name if kind != "email" else None,
        secret_env=secret_env,
        smtp_url_env=env_name if kind == "email" else None,
        subscribers=subscribers or DEFAULT_SUBSCRIBERS,
        unsubscribe_mailto=mailto,
        unsubscribe_url=unsubscribe_url,
        components=components,
        signup_url=signup_url,
        signup_label=label,
        line=entry.at().line,
    )


def _check_keys(entry: _Entry, kind: str) -> None:
    """Secrets written into the file, then unknown keys."""
    for secret_key in _SECRET_KEYS:
        if secret_key in entry.data:
            entry.errors.error(
                entry.at(secret_key),
                f"{entry.where}.{secret_key}: secrets never go in site.toml",
                expected=f'the name of an environment variable: {_env_key(kind)} = "MY_VARIABLE"',
                hint="set the variable in CI's secrets; site.toml is usually public",
            )
    check_keys(
        {k: v for k, v in entry.data.items() if k not in _SECRET_KEYS},
        _KEYS_BY_KIND[kind],
        where=f"[[announce]] of kind {kind}",
        locate=entry.at,
        errors=entry.errors,
    )


def _secret_variables(entry: _Entry, kind: str) -> tuple[str | None, str | None]:
    """The variables holding the URL (required) and, for webhooks, the secret."""
    env_key = _env_key(kind)
    env_name = entry.text(env_key, _ENV_RE, _ENV_EXPECTED)
    if env_name is None and env_key not in entry.data:
        entry.errors.error(
            entry.at(),
            f"{entry.where}: a {kind} channel needs {env_key}",
            expected=f'{env_key} = "{kind.upper()}_{_SECRET_SUFFIX[kind == "email"]}"',
            hint="the variable holds the secret URL; Clarion never prints it",
        )
    secret_env = entry.text("secret_env", _ENV_RE, _ENV_EXPECTED)
    if kind == "webhook" and "secret_env" not in entry.data:
        entry.errors.error(
            entry.at(),
            f"{entry.where}: a webhook channel signs its messages and needs secret_env",
            expected='secret_env = "STATUS_WEBHOOK_SECRET"',
            hint="receivers verify the X-Clarion-Signature header with the same secret",
        )
    return env_name, secret_env


def _env_key(kind: str) -> str:
    return "smtp_url_env" if kind == "email" else "url_env"


def _components(
    value: object,
    where: str,
    location: SourceLocation,
    known: Collection[str],
    errors: ErrorCollector,
) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value) or not value:
        errors.error(
            location,
            f"{where}.components: got {value!r}",
            expected='a list of component ids, e.g. ["api"] (leave it out for every component)',
        )
        return ()
    for cid in value:
        if cid not in known:
            errors.error(
                location,
                f"{where}.components: unknown component {cid!r}",
                expected="one of: " + ", ".join(known),
                hint=did_you_mean(cid, known),
            )
    return tuple(value)


# -- the private subscriber list ------------------------------------------------------


def load_subscribers(
    comms_dir: Path, channel: Channel, component_ids: Collection[str], display: str
) -> tuple[Subscriber, ...]:
    """The subscribers of an email channel, from ``<comms>/<subscribers>``::

        - ops@example.com                 # every component
        - address: cto@example.com
          components: [api]               # only incidents affecting the API

    Raises :class:`ContentErrors` with every problem (file and line)."""
    path = comms_dir / channel.subscribers
    errors = ErrorCollector()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        errors.error(
            SourceLocation(display),
            f"the subscriber list of channel {channel.name!r} does not exist",
            expected="a YAML list of addresses in the private comms folder",
            hint="create it with one line per subscriber: - ops@example.com",
        )
        errors.raise_if_any()
        raise AssertionError("unreachable") from None
    try:
        node = yaml.compose(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ContentErrors(
            [_problem(display, line, f"invalid YAML: {getattr(exc, 'problem', exc)}")]
        ) from None
    if node is None:
        return ()
    if not isinstance(node, yaml.SequenceNode):
        errors.error(
            SourceLocation(display, node.start_mark.line + 1),
            "the subscriber list must be a YAML list",
            expected="- ops@example.com\n- address: cto@example.com\n  components: [api]",
        )
        errors.raise_if_any()
    out: list[Subscriber] = []
    seen: set[str] = set()
    for item in node.value:
        where = SourceLocation(display, item.start_mark.line + 1)
        value = yaml.safe_load(yaml.serialize(item))
        address, components = _subscriber_fields(value, where, component_ids, errors)
        if address is None:
            continue
        if address.lower() in seen:
            errors.warn(where, f"{address} is listed twice; it gets one message per change")
            continue
        seen.add(address.lower())
        out.append(Subscriber(address=address, components=components))
    errors.raise_if_any()
    return tuple(out)


def _subscriber_fields(
    value: object, where: SourceLocation, component_ids: Collection[str], errors: ErrorCollector
) -> tuple[str | None, tuple[str, ...]]:
    expected = 'an address, or {address: "...", components: [ids]}'
    if isinstance(value, str):
        value = {"address": value}
    if not isinstance(value, dict):
        errors.error(where, f"got {value!r}", expected=expected)
        return None, ()
    check_keys(
        value,
        ("address", "components"),
        where="a subscriber",
        locate=lambda _k: where,
        errors=errors,
    )
    address = value.get("address")
    if not isinstance(address, str) or not _ADDRESS_RE.match(address.strip()):
        errors.error(where, f"not an email address: {address!r}", expected=expected)
        return None, ()
    components = _components(value.get("components"), "subscriber", where, component_ids, errors)
    return address.strip(), components


def _problem(path: str, line: int | None, message: str) -> ContentError:
    return ContentError(location=SourceLocation(path, line), message=message)
