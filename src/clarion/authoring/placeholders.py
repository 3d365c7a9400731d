"""What a new site still has from ``clarion init``: placeholders that
``clarion check`` warns about until they are replaced.

* ``base_url`` on a domain reserved for examples (the page is never there);
* the example incident ``clarion init`` wrote;
* no ``[email] from``, or no addresses for a notice's audience, while notices
  are owed (their drafts cannot be addressed).

Warnings, never errors: the site still builds and the check's exit code is
what the deadlines make it. A fictional site (demo data) is exempt.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ..config import CONFIG_RELPATH, SiteConfig
from ..derive.deadlines import DeadlineReport, Obligation, ObligationState
from ..errors import ContentError, SourceLocation
from ..model import Site

#: Domains reserved for examples (RFC 2606, RFC 6761): a page is never served there.
EXAMPLE_DOMAINS = ("example.com", "example.net", "example.org", "example", "test", "invalid")
#: The first words of the example incident's title and a line of its comment.
EXAMPLE_TITLE = "Example incident"
EXAMPLE_MARKER = "An example incident written by `clarion init`"
_OWED = (ObligationState.DUE, ObligationState.OVERDUE, ObligationState.NO_DEADLINE)


def is_example_url(url: str) -> bool:
    host = (urlsplit(url).hostname or "").rstrip(".").lower()
    return any(host == d or host.endswith("." + d) for d in EXAMPLE_DOMAINS)


def placeholder_warnings(
    config: SiteConfig, site: Site, report: DeadlineReport
) -> tuple[ContentError, ...]:
    if config.fictional:
        return ()
    toml = _TomlLines(config)
    out: list[ContentError] = []
    if is_example_url(config.base_url):
        out.append(ContentError(
            location=toml.locate(r"base_url\s*="),
            message=f"placeholder: base_url {config.base_url} is an example domain; feeds, the API "
            "and canonical links would point there",
            hint="set base_url to the page's public address, e.g. "
            "https://OWNER.github.io/REPOSITORY/ or https://status.acme.io/",
            severity="warning",
        ))  # fmt: skip
    for incident in site.incidents:
        if incident.title.startswith(EXAMPLE_TITLE) and _has_marker(config, incident.source_path):
            out.append(ContentError(
                location=SourceLocation(incident.source_path, 1),
                message="placeholder: the example incident written by 'clarion init' would be "
                "published",
                hint=f"delete {incident.source_path} before you publish",
                severity="warning",
            ))  # fmt: skip
    out += _unaddressed_notices(config, toml, [o for o in report.obligations if _is_owed(o)])
    return tuple(out)


def _is_owed(obligation: Obligation) -> bool:
    """An open item that a notice (an email) satisfies: customer emails and
    regulatory or contractual notices, not public updates or postmortems."""
    rule = obligation.rule
    return obligation.state in _OWED and (rule.audience is not None or not rule.is_practice)


def _unaddressed_notices(
    config: SiteConfig, toml: _TomlLines, owed: list[Obligation]
) -> list[ContentError]:
    if not owed:
        return []
    out = []
    first = owed[0]
    if not config.email.sender:
        out.append(ContentError(
            location=toml.locate(r"#?\s*\[email\]"),
            message=f"placeholder: no [email] from while notices are owed ({first.rule.id} for "
            f"{first.incident.slug}{_more(owed)}); their drafts have no sender",
            hint='add [email] with from = "Acme Status <status@acme.io>" to site_src/site.toml',
            severity="warning",
        ))  # fmt: skip
    missing = sorted(
        {
            o.rule.audience
            for o in owed
            if o.rule.audience is not None and not config.audiences.get(o.rule.audience)
        }
    )
    for audience in missing:
        rules = sorted({o.rule.id for o in owed if o.rule.audience == audience})
        out.append(ContentError(
            location=toml.locate(r"#?\s*\[audiences\]"),
            message=f"placeholder: the audience '{audience}' has no addresses while notices to it "
            f"are owed ({', '.join(rules)}); their drafts have no recipient",
            hint=f'add [audiences] with {audience} = ["..."] to site_src/site.toml',
            severity="warning",
        ))  # fmt: skip
    return out


def _more(owed: list[Obligation]) -> str:
    return f" and {len(owed) - 1} more" if len(owed) > 1 else ""


def _has_marker(config: SiteConfig, relpath: str) -> bool:
    try:
        return EXAMPLE_MARKER in (config.root / relpath).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False


class _TomlLines:
    """Finds a line of ``site.toml`` (the file's first line when absent)."""

    def __init__(self, config: SiteConfig):
        try:
            text = (config.root / CONFIG_RELPATH).read_text(encoding="utf-8")
        except OSError:
            text = ""
        self.lines = text.split("\n")

    def locate(self, pattern: str) -> SourceLocation:
        regex = re.compile(rf"^\s*{pattern}")
        for number, line in enumerate(self.lines, 1):
            if regex.match(line):
                return SourceLocation(CONFIG_RELPATH, number)
        return SourceLocation(CONFIG_RELPATH, 1)
