"""Generate a synthetic Clarion site for benchmarks.

N incidents over three years, 8 components in 3 groups, 3-5 updates of 60-120
words each, a few maintenance windows; fixed seed, so the same N gives the same
site. With ``markdown=True`` (``--markdown``) the updates are formatted the way
real ones are: bold words, inline code and links in every update, and about
every other update has a list, a table or a code block. Without it every
update is plain prose (which takes Clarion's fast path around the Markdown
parser). Usage: ``python bench/generate.py N DIR [--markdown]``.
"""

from __future__ import annotations

import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
COMPONENTS = {
    "core": ["api", "dashboard", "auth"],
    "data": ["database", "storage", "backups"],
    "delivery": ["webhooks", "cdn"],
}
WORDS = (
    "service request latency error rate region cluster deploy rollback database replica queue "
    "customers traffic engineers investigating mitigation monitoring recovered degraded network "
    "certificate cache capacity scaling dashboard webhook delivery storage upload timeout retry"
).split()
STAGES = ["Investigating", "Identified", "Monitoring", "Resolved"]
IMPACTS = ["degraded_performance", "partial_outage", "major_outage"]


def paragraph(rng: random.Random) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(60, 120))]
    text = " ".join(words)
    return text[0].upper() + text[1:] + "."


def formatted(rng: random.Random) -> str:
    """An update as people write them: bold, code, links, and often a block."""
    words = [rng.choice(WORDS) for _ in range(rng.randint(50, 100))]
    for _ in range(2):
        at = rng.randrange(len(words))
        words[at] = f"**{words[at]}**"
    at = rng.randrange(len(words))
    words[at] = f"`{words[at]}-{rng.randint(1, 99)}`"
    at = rng.randrange(len(words))
    words[at] = f"[{words[at]}](https://docs.bench.example/{words[at]}/{rng.randint(1, 999)})"
    text = " ".join(words)
    parts = [text[0].upper() + text[1:] + "."]
    block = rng.randrange(6)
    if block == 0:
        parts.append(
            "\n".join(
                f"- {rng.choice(WORDS)} {rng.choice(WORDS)} _{rng.choice(WORDS)}_"
                for _ in range(rng.randint(2, 4))
            )
        )
    elif block == 1:
        rows = [f"| {rng.choice(WORDS)} | {rng.randint(1, 100)} % |" for _ in range(3)]
        parts.append("\n".join(["| region | error rate |", "|---|---:|", *rows]))
    elif block == 2:
        parts.append(f"```\n$ kubectl rollout undo deploy/{rng.choice(WORDS)}\n```")
    elif block == 3:
        parts.append("\n".join(f"{n}. {rng.choice(WORDS)} {rng.choice(WORDS)}" for n in (1, 2, 3)))
    return "\n\n".join(parts)


def site_toml() -> str:
    lines = [
        "[site]",
        'title = "Benchmark Status"',
        'base_url = "https://status.bench.example/"',
        'timezone = "Europe/Berlin"',
        "",
    ]
    for group, ids in COMPONENTS.items():
        lines += [f"[groups.{group}]", f'name = "{group.title()}"', ""]
        for cid in ids:
            lines += [f"[components.{cid}]", f'name = "{cid.title()}"', f'group = "{group}"', ""]
    return "\n".join(lines)


def generate(count: int, root: Path, seed: int = 1, markdown: bool = False) -> None:
    rng = random.Random(seed)
    body = formatted if markdown else paragraph
    (root / "site_src").mkdir(parents=True, exist_ok=True)
    (root / "site_src/site.toml").write_text(site_toml(), encoding="utf-8")
    updates = root / "updates"
    updates.mkdir(exist_ok=True)
    all_ids = [c for ids in COMPONENTS.values() for c in ids]
    span = timedelta(days=3 * 365).total_seconds()
    for n in range(count):
        start = NOW - timedelta(seconds=span * (n + 1) / (count + 1))
        start = start.replace(second=0, microsecond=0)
        affected = rng.sample(all_ids, rng.randint(1, 3))
        severity = rng.choice(["SEV0", "SEV1", "SEV2", "SEV2", "SEV3"])
        steps = rng.randint(3, 5)
        lines = [
            "---",
            f"title: Synthetic incident {n} affecting {', '.join(affected)}",
            f"severity: {severity}",
            "components:",
            *(f"  {cid}: {rng.choice(IMPACTS)}" for cid in affected),
            f"declared: {start.isoformat().replace('+00:00', 'Z')}",
            "---",
            "",
        ]
        at = start
        for step in range(steps):
            stage = STAGES[min(step, 2)] if step < steps - 1 else "Resolved"
            at += timedelta(minutes=rng.randint(5, 90))
            lines += [f"## {at:%Y-%m-%d %H:%M} UTC · {stage}", body(rng), ""]
        slug = f"{start:%Y-%m-%d}-synthetic-{n:06d}"
        (updates / f"{slug}.md").write_text("\n".join(lines), encoding="utf-8")
    for m in range(max(1, count // 200)):
        start = NOW - timedelta(days=rng.randint(-20, 3 * 365))
        start = start.replace(minute=0, second=0, microsecond=0)
        end = start + timedelta(hours=2)
        cid = rng.choice(all_ids)
        text = (
            f"---\ntitle: Planned maintenance {m}\nkind: maintenance\ncomponents: [{cid}]\n"
            f"window: {{start: {start.isoformat()}, end: {end.isoformat()}}}\n---\n\n"
            f"## {start - timedelta(days=7):%Y-%m-%d %H:%M} UTC · Scheduled\n{paragraph(rng)}\n"
        )
        (updates / f"{start:%Y-%m-%d}-maintenance-{m:05d}.md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    generate(int(sys.argv[1]), Path(sys.argv[2]), markdown="--markdown" in sys.argv[3:])
