"""``clarion new postmortem`` and ``clarion new runbook``: the documents a
team learns from, started from what the repository already knows.

A postmortem is the incident's ``Postmortem`` update: the draft is added to
the incident file like any update (in time order, read back with the loader
before it is saved), so the page, the feeds, the metrics and the 48-hour
rule read it with no second format. Commit it on a branch and merge it once
it is written: merging publishes it.
"""

from __future__ import annotations

from datetime import datetime

from ..config import SiteConfig
from ..derive.deadline_report import evaluate
from ..derive.learning import postmortem_facts
from ..errors import UsageError, display_path
from ..load import load_site
from ..load.runbooks import RUNBOOK_ID_RE, runbooks_dir
from ..model import Stage
from ..render.postmortem import draft_postmortem
from ..rules import load_rules
from . import (
    Written,
    _write_atomic,
    add_update,
    find_incident_file,
    heading_time,
    read_source,
)


def new_postmortem(
    config: SiteConfig, slug_prefix: str, *, at: datetime, now: datetime, again: bool = False
) -> Written:
    """Add a drafted ``Postmortem`` update, dated ``at``, to an incident."""
    incident = read_source(config, find_incident_file(config, slug_prefix))
    if incident.is_maintenance:
        raise UsageError(f"{incident.slug} is a maintenance: postmortems follow incidents")
    if incident.postmortem is not None and not again:
        raise UsageError(
            f"{incident.slug} already has a postmortem "
            f"({heading_time(incident.postmortem.at)}); nothing was written.\n"
            "  hint: edit it in the incident file, or pass --again for a second one"
        )
    facts = postmortem_facts(incident, at)
    site = load_site(config).as_of(at)  # what was known at the postmortem's time
    report = evaluate(site, load_rules(config), at, config.timezone)
    clocks = [
        _clock_line(o.rule.title, o.rule.id, o.clock, o.clock_at, o.due_at, config)
        for o in report.obligations
        if o.incident.slug == incident.slug and not o.rule.is_practice and o.clock_at
    ]
    text = draft_postmortem(
        facts,
        zone=config.timezone,
        component_names={c.id: c.name for c in config.components},
        clocks=clocks,
    )
    written = add_update(config, incident.slug, Stage.POSTMORTEM.value, text, at=at, now=now)
    notes = (
        *written.notes,
        "fill in each prompt; `clarion check` lists what is still missing",
    )
    return Written(
        path=written.path,
        relpath=written.relpath,
        slug=written.slug,
        warnings=written.warnings,
        notes=notes,
    )


def _clock_line(
    title: str,
    rule_id: str,
    clock: str,
    clock_at: datetime | None,
    due_at: datetime | None,
    config: SiteConfig,
) -> str:
    assert clock_at is not None
    started = clock_at.astimezone(config.timezone).strftime("%Y-%m-%d %H:%M")
    line = f"{title} ({rule_id}): clock from {clock} at {started}"
    if due_at is not None:
        line += ", due " + due_at.astimezone(config.timezone).strftime("%Y-%m-%d %H:%M")
    return line


RUNBOOK_SKELETON = """\
---
title: {title}
trigger: ""         # the alert or symptom that sends a responder here
severity: SEV2      # the severity this usually is
owner: ""           # the team or person who keeps it current, e.g. "@team-data"
last_updated: {today}
public: false       # true publishes it at runbooks/{name}/ on the status site
---
## Prerequisites
<!-- prompt: Access, tools and permissions a responder needs before step 1. -->

## Steps
<!-- prompt: Numbered steps, each with its command in a fenced block to copy:
1. Check replication lag:

   ```sh
   psql -c "select now() - pg_last_xact_replay_timestamp()"
   ```
-->

## Verification
<!-- prompt: How to tell that it worked: the graph, the query, the check. -->

## Rollback
<!-- prompt: How to undo the steps if they make things worse. -->
"""


def new_runbook(config: SiteConfig, name: str, *, now: datetime) -> Written:
    """Write ``runbooks/<name>.md`` with the eight fields and prompts."""
    name = name.strip().removesuffix(".md")
    if not RUNBOOK_ID_RE.match(name):
        raise UsageError(
            f"invalid runbook name {name!r}: use lower-case letters, digits, '-' and '_' "
            "(incidents refer to it by this name)"
        )
    path = runbooks_dir(config.root) / f"{name}.md"
    if path.exists():
        raise UsageError(f"{display_path(path, config.root)} already exists; nothing was written")
    title = name.replace("-", " ").replace("_", " ").capitalize()
    today = now.astimezone(config.timezone).date().isoformat()
    text = RUNBOOK_SKELETON.format(title=title, today=today, name=name)
    _write_atomic(path, text.encode("utf-8"), exclusive=True)
    return Written(
        path=path,
        relpath=display_path(path, config.root),
        slug=name,
        notes=(
            "fill in trigger, owner and each section; `clarion check` lists what is missing",
            f"refer to it from an incident with: runbooks: [{name}]",
        ),
    )
