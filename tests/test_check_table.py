"""``clarion check`` as text: one table that fits 120 columns (cells cut with
"…", details wrapped), one due column for a UTC site; JSON keeps every text."""

from __future__ import annotations

import json
from dataclasses import replace
from zoneinfo import ZoneInfo

from clarion.render.report import render_json, render_text

from .test_deadlines import BOOK, breach, incident, only, t

LONG_SLUG = "2026-10-23-exports-went-to-the-wrong-account-for-enterprise-tenants"


def report(zone: str):
    from clarion.derive.deadline_report import evaluate
    from clarion.model import Site

    rules = ("hipaa-164-408-secretary-under-500", "gdpr-art33-authority")
    book = only(BOOK, *rules)
    book = replace(book, rules=tuple(
        replace(r, recipient=(
            "Secretary of Health and Human Services via the HHS breach portal (annual log)"
        ))
        if r.id == rules[0] else r for r in book.rules
    ))  # fmt: skip
    item = replace(
        incident(breach=breach(rules, affected=120, discovered="2026-10-23T12:00:00Z",
                               aware="2026-10-23T12:00:00Z")),
        slug=LONG_SLUG,
    )  # fmt: skip
    return evaluate(
        Site(incidents=(item,), notices=()), book, t("2026-10-24T00:00:00Z"), ZoneInfo(zone)
    )


def test_the_text_table_fits_120_columns_and_json_keeps_the_full_text():
    result = report("America/Los_Angeles")
    text = render_text(result)
    assert max(len(line) for line in text.splitlines()) <= 120, text
    assert "DUE (America/Los_Angeles)" in text
    rows = [line for line in text.splitlines() if line.startswith(("due ", "clock_not_started "))]
    assert len(rows) == 2 and all(
        LONG_SLUG not in row and "2026-10-23-expor…" in row for row in rows
    )
    data = json.loads(render_json(result))
    assert {o["incident"] for o in data["obligations"]} == {LONG_SLUG}
    assert "Secretary of Health and Human Services via the HHS breach portal" in {
        o["recipient"] for o in data["obligations"]
    }


def test_a_utc_site_shows_the_due_time_once():
    text = render_text(report("UTC"))
    header = next(line for line in text.splitlines() if line.startswith("STATE"))
    assert header.split() == ["STATE", "RULE", "INCIDENT", "RECIPIENT", "DUE", "(UTC)"]
    assert "2026-10-26 12:00" in text and "2026-10-26 12:00 UTC" not in text.split("\n\n")[1]


def test_a_wide_terminal_still_gets_at_most_120_columns():
    import io

    from rich.console import Console

    from clarion.render.report import print_rich

    out = io.StringIO()
    print_rich(report("America/Los_Angeles"), Console(file=out, width=220, color_system=None))
    lines = out.getvalue().splitlines()
    assert max(len(line) for line in lines) <= 120
    assert any("2026-10-23-exports" in line and "…" in line for line in lines)
