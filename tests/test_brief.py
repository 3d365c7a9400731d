"""``clarion brief``: golden text, Markdown and Slack Block Kit output for a SEV0
and a SEV2 with regulator clocks running (``pytest --update-golden`` rewrites
tests/golden/brief/); durations from the rulebook; untrusted text inert."""

from __future__ import annotations

import difflib
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from clarion.cli import main
from tests.conftest import MINIMAL_TOML

GOLDEN = Path(__file__).parent / "golden" / "brief"
TOML = MINIMAL_TOML + '\n[rules]\nenabled = ["gdpr-art33-authority", "nis2-art23-early-warning"]\n'

SEV0 = """\
---
title: API and dashboard down in all regions
severity: SEV0
components:
  api: major_outage
  web: partial_outage
detected: 2026-11-27T09:52:00Z
declared: 2026-11-27T10:00:00Z
customers_affected: true
roles:
  commander: Ana Lima
  experts: [Dana Diaz (database)]
breach:
  aware: 2026-11-27T10:20:00Z
  rules: [gdpr-art33-authority, nis2-art23-early-warning]
---
## 2026-11-27 10:02 UTC · Investigating
The API and the dashboard are unavailable. We are investigating.

## 2026-11-27 10:15 UTC · Identified
Impact: web=major_outage
A failed database failover is the cause.
"""
SEV2 = """\
---
title: Slow exports
severity: SEV2
components:
  web: degraded_performance
declared: 2026-11-26T08:00:00Z
roles:
  commander: Ben Okafor
  comms_lead: Chen Wu
  scribe: Eli Ito
breach:
  aware: 2026-11-26T09:00:00Z
---
## 2026-11-26 08:05 UTC · Investigating
Exports take longer than usual.
"""
NOW = "2026-11-27T10:40:00Z"
CASES = [("sev0", "2026-11-27-api-down", SEV0, fmt) for fmt in ("text", "markdown", "slack")] + [
    ("sev2", "2026-11-26-slow-exports", SEV2, fmt) for fmt in ("text", "markdown", "slack")
]
SUFFIX = {"text": "txt", "markdown": "md", "slack": "json"}


def brief(root: Path, slug: str, *args: str):
    return CliRunner().invoke(main, ["brief", slug, "--source", str(root), "--now", NOW, *args])


@pytest.mark.parametrize("case,slug,text,fmt", CASES, ids=[f"{c[0]}-{c[3]}" for c in CASES])
def test_golden_brief(site_factory, update_golden, case, slug, text, fmt):
    root = site_factory({f"updates/{slug}.md": text}, toml=TOML)
    result = brief(root, slug.split("-", 3)[-1], "--format", fmt)  # a prefix without the date
    assert result.exit_code == 0, result.output
    golden = GOLDEN / f"{case}.{SUFFIX[fmt]}"
    if update_golden:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(result.output, encoding="utf-8")
        pytest.skip("golden file rewritten")
    expected = golden.read_text(encoding="utf-8")
    if result.output != expected:
        diff = "\n".join(
            difflib.unified_diff(
                expected.splitlines(), result.output.splitlines(), str(golden), "brief", lineterm=""
            )
        )
        pytest.fail(f"{golden.name} differs (pytest --update-golden rewrites it):\n{diff}")
    if fmt == "slack":
        message = json.loads(result.output)
        assert message["blocks"][0]["type"] == "header"
        for block in message["blocks"]:
            assert len(block.get("fields", [])) <= 10  # Block Kit's limit


def test_sev0_brief_reads_the_rulebook(site_factory):
    root = site_factory({"updates/2026-11-27-api-down.md": SEV0}, toml=TOML)
    out = brief(root, "api-down").output
    assert "Channel: #incident-2026-11-27-api-down" in out
    assert "[ ] Public status update at least every 15 min until resolved" in out
    assert "Comms lead:         UNASSIGNED (expected by 10:30 UTC, overdue)" in out
    assert "Impact:             API: Major outage; Website: Major outage" in out
    faster = TOML + '\n[rules.overrides.update-cadence]\ndeadlines = { SEV0 = "PT10M" }\n'
    other = site_factory({"updates/2026-11-27-api-down.md": SEV0}, toml=faster, name="faster")
    assert "at least every 10 min until resolved" in brief(other, "api-down").output


def test_untrusted_text_is_inert(site_factory):
    hostile = SEV0.replace(
        "title: API and dashboard down in all regions",
        'title: "<!channel> *pwn* [x](https://evil.example) @here & <b>"',
    ).replace("commander: Ana Lima", 'commander: "<@U123> @admins"')
    root = site_factory({"updates/2026-11-27-api-down.md": hostile}, toml=TOML)
    slack = json.loads(brief(root, "api-down", "--format", "slack").output)
    texts = json.dumps(slack["blocks"][1:]) + slack["text"]
    assert "<!channel>" not in texts and "<@U123>" not in texts
    assert "&lt;!channel&gt;" in slack["text"] and "&amp;" in slack["text"]
    assert "&lt;@U123&gt;" in texts
    markdown = brief(root, "api-down", "--format", "markdown").output
    assert "[x](https://evil.example)" not in markdown and "\\[x\\](https" in markdown
    assert not re.search(r"(?<!\\)<(b|!channel)>", markdown) and "\\<b>" in markdown
    assert "@here" not in markdown and "@\u200bhere" in markdown


def test_brief_errors(site_factory):
    root = site_factory({"updates/2026-11-27-api-down.md": SEV0}, toml=TOML)
    result = brief(root, "nothing-like-it")
    assert result.exit_code == 2 and "no incident matches 'nothing-like-it'" in result.output
