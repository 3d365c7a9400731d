"""The private deadline report is a theme template a site can override."""

from __future__ import annotations

from clarion.build import build
from clarion.config import load_config
from tests.conftest import NOW

INCIDENT = """\
---
title: API errors
severity: SEV1
components: {api: major_outage}
---
## 2026-11-27 09:00 UTC · Investigating
Errors.
"""


def test_the_default_template_lists_every_obligation(site_factory):
    root = site_factory({"updates/2026-11-27-api.md": INCIDENT})
    build(load_config(root), now=NOW, use_cache=False)
    page = (root / "private/deadlines.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and '<meta name="robots" content="noindex">' in page
    assert "<main>" in page and "<code>update-cadence</code>" in page
    assert page.count('<tr class="') >= 2 and "2026-11-27-api" in page


def test_a_site_template_replaces_the_report(site_factory):
    root = site_factory(
        {
            "updates/2026-11-27-api.md": INCIDENT,
            "templates/deadlines.html.j2": (
                "<!doctype html><title>Ours</title>\n<p>{{ summary }}</p>\n"
                "{% for o in report.obligations %}<p>{{ o.rule.id }}: {{ utc_text(o.due_at) }}</p>"
                "{% endfor %}\n"
            ),
        }
    )
    build(load_config(root), now=NOW, use_cache=False)
    page = (root / "private/deadlines.html").read_text(encoding="utf-8")
    assert page.startswith("<!doctype html><title>Ours</title>")
    assert "<p>update-cadence: 2026-11-27" in page and "<table>" not in page
