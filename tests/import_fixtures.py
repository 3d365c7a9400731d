"""Deterministic generator of realistic Statuspage API v2 histories, in the
documented shapes (reference/statuspage-api.md): components with groups,
incidents with several updates and per-update component impacts, HTML and
unicode bodies, postmortems, maintenance windows, times in several offsets
with milliseconds. Incidents never overlap, so a component has one status at
a time (as on Statuspage). Used by the import tests and bench/.

    python tests/import_fixtures.py OUT_DIR [INCIDENTS] [MAINTENANCES]
"""

from __future__ import annotations

import json
import random
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

PAGE = {
    "id": "y2j98763l56x",
    "name": "Tinkerwell",
    "url": "https://status.tinkerwell.example",
    "time_zone": "America/Denver",
    "updated_at": "2026-11-27T09:00:00.000-07:00",
}
GROUPS = [("g0core000001", "Core platform"), ("g0data000002", "Données & stockage")]
COMPONENTS = [
    ("c0api0000001", "API", "g0core000001", "Public REST API"),
    ("c0dash000002", "Dashboard", "g0core000001", None),
    ("c0auth000003", "Login & SSO", "g0core000001", "Sign-in, SAML and OIDC"),
    ("c0db00000004", "Databases", "g0data000002", None),
    ("c0s3000000005", "Object storage", "g0data000002", "Buckets — all regions"),
    ("c0hook000006", "Webhooks", None, None),
    ("c0mail000007", "Email delivery", None, None),
    ("c0cdn0000008", "CDN (東京)", None, None),
]
OFFSETS = [UTC, timezone(timedelta(hours=-7)), timezone(timedelta(hours=5, minutes=30))]
TITLES = [
    "Elevated error rates on {c}",
    "{c} latency in eu-west",
    "Partial outage of {c}",
    "{c}: requests failing for some customers",
    "Degraded {c} performance – Zürich",
    "Intermittent 5xx from {c} <script>alert(1)</script>",
    "{c} unavailable",
    "Verzögerungen bei {c}",
]
BODIES = [
    "We are investigating reports of errors on {c}.",
    "The issue has been identified: a faulty deploy. We are rolling it back.",
    "A fix has been implemented and we are monitoring the results.\n\n"
    "Error rates are < 1% & falling.",
    '<p>Update: <b>{c}</b> is recovering. See <a href="https://docs.example/incident">'
    "our notes</a>.</p>",
    "Some *customers* may see _timeouts_; retries succeed. Straße, naïve, 😀.",
    "<p>We are still working on it.</p><ul><li>EU: recovering</li><li>US: healthy</li></ul>"
    "<script>steal()</script>",
    "1. Reads are fine\n2. Writes are queued\n# not a heading",
    "This incident has been resolved.",
]
IMPACT_STATUS = {
    "critical": "major_outage",
    "major": "partial_outage",
    "minor": "degraded_performance",
}
STAGES = ["investigating", "identified", "monitoring", "resolved"]


def _time(moment: datetime, zone: timezone) -> str:
    return moment.astimezone(zone).isoformat(timespec="milliseconds")


def _component(
    cid: str,
    name: str,
    group: str | None,
    description: str | None,
    position: int,
    is_group: bool = False,
) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": cid,
        "name": name,
        "status": "operational",
        "created_at": "2019-02-10T18:03:50.245Z",
        "updated_at": "2026-11-27T09:00:00.000Z",
        "position": position,
        "description": description,
        "showcase": not is_group,
        "start_date": None,
        "group_id": group,
        "page_id": PAGE["id"],
        "group": is_group,
        "only_show_if_degraded": False,
    }
    if is_group:
        record["components"] = [c[0] for c in COMPONENTS if c[2] == cid]
    return record


def components() -> list[dict[str, Any]]:
    result = [_component(gid, name, None, None, n, True) for n, (gid, name) in enumerate(GROUPS, 1)]
    result += [
        _component(cid, name, group, desc, n)
        for n, (cid, name, group, desc) in enumerate(COMPONENTS, 1)
    ]
    return result


def _update(
    rng: random.Random,
    incident_id: str,
    n: int,
    status: str,
    at: datetime,
    zone: timezone,
    body: str,
    affected: list[dict[str, str]] | None,
) -> dict[str, Any]:
    text = _time(at, zone)
    return {
        "id": f"{incident_id[:8]}u{n:03d}",
        "status": status,
        "body": body,
        "incident_id": incident_id,
        "created_at": text,
        "updated_at": text,
        "display_at": text,
        "affected_components": affected,
        "deliver_notifications": True,
        "custom_tweet": None,
        "tweet_id": None,
    }


def history(
    incidents: int = 220, maintenances: int = 40, seed: int = 18, end: datetime | None = None
) -> dict[str, dict[str, Any]]:
    """The four API documents of a page with that many incidents and maintenances."""
    rng = random.Random(seed)
    end = end or datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    by_id = {c[0]: c for c in COMPONENTS}
    span = timedelta(days=min(900, max(120, incidents // 3)))
    gap = span / (incidents + 1)
    moment = end - span
    incident_records = []
    for index in range(incidents):
        zone = rng.choice(OFFSETS)
        start = moment + timedelta(
            seconds=rng.randrange(0, int(gap.total_seconds() * 0.3)),
            milliseconds=rng.randrange(0, 1000) if rng.random() < 0.3 else 0,
        )
        impact = rng.choice(["critical", "major", "major", "minor", "minor", "minor", "none"])
        chosen = rng.sample([c[0] for c in COMPONENTS], rng.choice([1, 1, 2, 3]))
        incident_id = f"i{index:05d}{rng.randrange(16**6):06x}"
        status_of = dict.fromkeys(chosen, "operational")
        stages = (
            ["investigating"]
            + [s for s in ("identified", "monitoring") if rng.random() < 0.6]
            + ["resolved"]
        )
        if rng.random() < 0.1:
            stages.insert(1, "investigating")
        updates = []
        at = start
        for n, stage in enumerate(stages):
            affected = None
            if n == 0 and impact != "none":
                new = {
                    c: IMPACT_STATUS[impact]
                    if i == 0
                    else rng.choice(["degraded_performance", "partial_outage"])
                    for i, c in enumerate(chosen)
                }
                affected = [
                    {
                        "code": c,
                        "name": by_id[c][1],
                        "old_status": status_of[c],
                        "new_status": new[c],
                    }
                    for c in chosen
                ]
            elif stage == "resolved":
                changed = [c for c in chosen if status_of[c] != "operational"]
                affected = [
                    {
                        "code": c,
                        "name": by_id[c][1],
                        "old_status": status_of[c],
                        "new_status": "operational",
                    }
                    for c in changed
                ] or None
            elif stage == "monitoring" and impact != "none":
                c = chosen[0]
                affected = [
                    {
                        "code": c,
                        "name": by_id[c][1],
                        "old_status": status_of[c],
                        "new_status": "degraded_performance",
                    }
                ]
            for change in affected or []:
                status_of[change["code"]] = change["new_status"]
            body = rng.choice(BODIES).format(c=by_id[chosen[0]][1])
            updates.append(_update(rng, incident_id, n, stage, at, zone, body, affected))
            at += timedelta(minutes=rng.randrange(5, 180), seconds=rng.choice([0, 0, 17, 42]))
        resolved = updates[-1]
        monitoring = [u for u in updates if u["status"] == "monitoring"]
        postmortem = rng.random() < 0.25
        record = {
            "id": incident_id,
            "name": rng.choice(TITLES).format(c=by_id[chosen[0]][1]),
            "status": "postmortem" if postmortem else "resolved",
            "created_at": updates[0]["created_at"],
            "updated_at": resolved["updated_at"],
            "monitoring_at": monitoring[-1]["display_at"] if monitoring else None,
            "resolved_at": resolved["display_at"],
            "impact": impact,
            "shortlink": f"https://stspg.io/{incident_id}",
            "started_at": _time(start - timedelta(minutes=rng.choice([0, 0, 4, 11])), zone),
            "page_id": PAGE["id"],
            "incident_updates": list(reversed(updates)),
            "components": [_component(c, by_id[c][1], by_id[c][2], by_id[c][3], 1) for c in chosen],
            "reminder_intervals": None,
            "postmortem_body": (
                f"<h2>What happened</h2><p>{by_id[chosen[0]][1]} failed after a config push.</p>"
                "<h3>Follow-up</h3><ul><li>Stage pushes</li><li>Alert sooner</li></ul>"
            )
            if postmortem
            else None,
            "postmortem_published_at": _time(at + timedelta(days=1), zone) if postmortem else None,
        }
        incident_records.append(record)
        moment += gap
    maintenance_records = []
    for index in range(maintenances):
        zone = rng.choice(OFFSETS)
        start = (end - span + timedelta(days=rng.randrange(0, span.days + 20))).replace(
            minute=0, second=0, microsecond=0, hour=rng.choice([1, 2, 3, 22])
        )
        length = timedelta(hours=rng.choice([1, 2, 4]))
        chosen = rng.sample([c[0] for c in COMPONENTS], rng.choice([1, 2]))
        mid = f"m{index:05d}{rng.randrange(16**6):06x}"
        announced = min(start - timedelta(days=rng.randrange(2, 10)), end - timedelta(hours=3))
        updates = [
            _update(
                rng,
                mid,
                0,
                "scheduled",
                announced,
                zone,
                f"We will upgrade {by_id[chosen[0]][1]}; brief pauses are expected.",
                None,
            )
        ]
        upcoming = start > end
        status = "scheduled"
        if not upcoming:
            on = [
                {
                    "code": c,
                    "name": by_id[c][1],
                    "old_status": "operational",
                    "new_status": "under_maintenance",
                }
                for c in chosen
            ]
            off = [
                {
                    "code": c,
                    "name": by_id[c][1],
                    "old_status": "under_maintenance",
                    "new_status": "operational",
                }
                for c in chosen
            ]
            updates.append(
                _update(rng, mid, 1, "in_progress", start, zone, "Maintenance is in progress.", on)
            )
            if rng.random() < 0.4:
                updates.append(
                    _update(
                        rng,
                        mid,
                        2,
                        "verifying",
                        start + length / 2,
                        zone,
                        "Verifying the upgrade.",
                        None,
                    )
                )
            done = start + length - timedelta(minutes=rng.choice([0, 10, 25]))
            updates.append(
                _update(rng, mid, 3, "completed", done, zone, "The maintenance is complete.", off)
            )
            status = "completed"
        maintenance_records.append(
            {
                "id": mid,
                "name": f"Scheduled upgrade of {by_id[chosen[0]][1]}",
                "status": status,
                "created_at": updates[0]["created_at"],
                "updated_at": updates[-1]["updated_at"],
                "monitoring_at": None,
                "resolved_at": updates[-1]["display_at"] if status == "completed" else None,
                "impact": "maintenance",
                "shortlink": f"https://stspg.io/{mid}",
                "started_at": updates[0]["created_at"],
                "page_id": PAGE["id"],
                "scheduled_for": _time(start, zone),
                "scheduled_until": _time(start + length, zone),
                "incident_updates": list(reversed(updates)),
                "components": [
                    _component(c, by_id[c][1], by_id[c][2], by_id[c][3], 1) for c in chosen
                ],
            }
        )
    newest_first = sorted(
        incident_records, key=lambda r: datetime.fromisoformat(r["created_at"]), reverse=True
    )
    return {
        "components.json": {"page": PAGE, "components": components()},
        "incidents.json": {"page": PAGE, "incidents": newest_first},
        "scheduled-maintenances.json": {
            "page": PAGE,
            "scheduled_maintenances": maintenance_records[::-1],
        },
    }


def write(folder: Path, documents: dict[str, dict[str, Any]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in documents.items():
        (folder / name).write_text(json.dumps(data, indent=1, ensure_ascii=False), encoding="utf-8")
    return folder


if __name__ == "__main__":
    args = sys.argv[1:]
    write(
        Path(args[0]),
        history(int(args[1]) if len(args) > 1 else 220, int(args[2]) if len(args) > 2 else 40),
    )


# -- the same history as other tools keep it -------------------------------------------

CSTATE_SEVERITY = {"critical": "down", "major": "disrupted", "minor": "notice", "none": "notice"}


def _utc_text(text: str) -> str:
    """cState writes UTC times without a zone, to the second."""
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _yaml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def cstate_site(folder: Path, documents: dict[str, dict[str, Any]]) -> Path:
    """A cState site (config.yml, content/issues/*.md) holding the same history:
    cState keeps one severity per issue and Markdown bodies, newest first."""
    by_id = {c[0]: c for c in COMPONENTS}
    lines = ["title: Tinkerwell Status", "params:", "  categories:"]
    for _gid, name in GROUPS:
        lines += [f"    - name: {_yaml_string(name)}", "      description: Servers"]
    lines += ["    - name: Uncategorized", "  systems:"]
    groups = dict(GROUPS)
    for _cid, name, group, description in COMPONENTS:
        lines.append(f"    - name: {_yaml_string(name)}")
        lines.append(f"      category: {_yaml_string(groups.get(group or '', 'Uncategorized'))}")
        if description:
            lines.append(f"      description: {_yaml_string(description)}")
    (folder / "content" / "issues").mkdir(parents=True, exist_ok=True)
    (folder / "config.yml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    records = documents["incidents.json"]["incidents"] + [
        m
        for m in documents["scheduled-maintenances.json"]["scheduled_maintenances"]
        if m["status"] == "completed"
    ]
    for record in records:
        updates = sorted(
            record["incident_updates"], key=lambda u: datetime.fromisoformat(u["display_at"])
        )
        maintenance = "scheduled_for" in record
        first = updates[0]["display_at"] if not maintenance else record["scheduled_for"]
        title = ("Maintenance: " if maintenance else "") + record["name"]
        front = [
            "---",
            f"title: {_yaml_string(title)}",
            f"date: {_utc_text(first)}",
            "resolved: true",
            f"resolvedWhen: {_utc_text(record['resolved_at'])}",
            f"severity: {'notice' if maintenance else CSTATE_SEVERITY[record['impact']]}",
            "affected:",
            *(f"  - {_yaml_string(by_id[c['id']][1])}" for c in record["components"]),
            "section: issue",
            "---",
            "",
        ]
        body = []
        for update in reversed(updates):
            if maintenance and update["status"] != "completed":
                if datetime.fromisoformat(update["display_at"]) < datetime.fromisoformat(first):
                    continue  # cState has no announcement before the window
            word = update["status"].replace("_", " ").capitalize()
            text = update["body"].replace("\n\n", "\n")
            body.append(
                f'*{word}* - {text} {{{{< track "{_utc_text(update["display_at"])}" >}}}}\n'
            )
        slug = f"{_utc_text(first)[:10]}-{record['id']}"
        (folder / "content" / "issues" / f"{slug}.md").write_text(
            "\n".join(front) + "\n".join(body), encoding="utf-8"
        )
    return folder


def _utc_z(text: str) -> str:
    return datetime.fromisoformat(text).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def upptime_repo(folder: Path, documents: dict[str, dict[str, Any]]) -> Path:
    """An Upptime repository (history/*.yml, .upptimerc.yml, issues.json as
    `gh issue list --json` writes it) holding the same incidents: one issue
    per incident on its first component, closed by a "Resolved" comment."""
    slugs = {c[0]: "site-" + c[0][2:6] for c in COMPONENTS}
    by_id = {c[0]: c for c in COMPONENTS}
    (folder / "history").mkdir(parents=True, exist_ok=True)
    sites = ["sites:"]
    for cid, name, _group, _description in COMPONENTS:
        url = f"https://{slugs[cid]}.tinkerwell.example"
        (folder / "history" / f"{slugs[cid]}.yml").write_text(
            f"url: {url}\nstatus: up\ncode: 200\nresponseTime: 120\n"
            "lastUpdated: 2026-11-27T11:55:21.842Z\nstartTime: 2020-08-10T18:17:39.000Z\n"
            "generator: Upptime <https://github.com/upptime/upptime>\n",
            encoding="utf-8",
        )
        sites += [f"  - name: {_yaml_string(name)}", f"    slug: {slugs[cid]}", f"    url: {url}"]
    (folder / ".upptimerc.yml").write_text("\n".join(sites) + "\n", encoding="utf-8")
    issues = []
    records = sorted(
        documents["incidents.json"]["incidents"],
        key=lambda r: datetime.fromisoformat(r["created_at"]),
    )
    for number, record in enumerate(records, start=1):
        cid = record["components"][0]["id"]
        name = by_id[cid][1]
        degraded = record["impact"] in ("minor", "none")
        title = f"⚠️ {name} has degraded performance" if degraded else f"🛑 {name} is down"
        state = "experienced **degraded performance**" if degraded else "was **down**"
        sha = f"{number:07x}"
        issues.append(
            {
                "number": number,
                "title": title,
                "body": f"In [`{sha}`](https://github.com/tinkerwell/status/commit/{sha}), {name} "
                f"(https://{slugs[cid]}.tinkerwell.example) {state}:\n- HTTP code: 502\n"
                "- Response time: 0 ms\n",
                "createdAt": _utc_z(record["created_at"]),
                "closedAt": _utc_z(record["resolved_at"]),
                "state": "CLOSED",
                "labels": [
                    {"id": "LA_1", "name": "status", "description": "", "color": "ededed"},
                    {"id": f"LA_{cid}", "name": slugs[cid], "description": "", "color": "ededed"},
                ],
                "comments": [
                    {
                        "id": f"IC_{number}",
                        "author": {"login": "upptime-bot"},
                        "authorAssociation": "NONE",
                        "body": f"**Resolved:** {name} is back up in [`{sha}`](https://github.com/x).",
                        "createdAt": _utc_z(record["resolved_at"]),
                        "includesCreatedEdit": False,
                        "isMinimized": False,
                        "minimizedReason": "",
                        "reactionGroups": [],
                        "url": f"https://github.com/tinkerwell/status/issues/{number}",
                        "viewerDidAuthor": False,
                    }
                ],
            }
        )
    (folder / "issues.json").write_text(
        json.dumps(issues[::-1], indent=1, ensure_ascii=False), encoding="utf-8"
    )
    return folder
