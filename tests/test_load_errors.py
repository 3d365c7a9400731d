"""Each validation error names the file and line, what was expected, and how to fix it."""

from __future__ import annotations

import pytest

from clarion.config import load_config
from clarion.errors import ContentErrors
from clarion.load import load_site

GOOD = """\
---
title: API errors
severity: SEV1
components:
  api: partial_outage
declared: 2026-11-20T14:02:00Z
---
## 2026-11-20 14:05 UTC · Investigating
We are looking into it.
"""


def errors_of(site_factory, files, **kw) -> list[str]:
    root = site_factory(files, **kw)
    with pytest.raises(ContentErrors) as info:
        load_site(load_config(root))
    return [e.format() for e in info.value.errors]


def test_good_file_loads(load):
    config, site = load({"updates/2026-11-20-api.md": GOOD})
    assert [i.slug for i in site.incidents] == ["2026-11-20-api"]


def test_unknown_component_with_hint(site_factory):
    text = GOOD.replace("  api: partial_outage", "  apl: partial_outage")
    (message,) = errors_of(site_factory, {"updates/x.md": text})
    assert message == (
        "updates/x.md:5: error: unknown component 'apl'\n"
        "  expected: a component id from site_src/site.toml: api, web\n"
        "  hint: did you mean 'api'?"
    )


def test_unknown_impact_word(site_factory):
    text = GOOD.replace("partial_outage", "partial_outge")
    (message,) = errors_of(site_factory, {"updates/x.md": text})
    assert message.startswith("updates/x.md:5: error: got impact 'partial_outge'\n")
    assert (
        "expected: one of: operational, degraded_performance, partial_outage, major_outage"
        in message
    )
    assert "hint: did you mean 'partial_outage'?" in message


def test_unknown_severity(site_factory):
    (message,) = errors_of(site_factory, {"updates/x.md": GOOD.replace("SEV1", "SEV9")})
    assert message.startswith("updates/x.md:3: error: severity: got 'SEV9'")
    assert "SEV0, SEV1, SEV2, SEV3, P0, P1, P2, P3" in message


def test_severity_alias_is_accepted(load):
    _, site = load({"updates/x.md": GOOD.replace("SEV1", "P0")})
    assert site.incidents[0].severity.value == "SEV0"


def test_unknown_stage_with_hint(site_factory):
    (message,) = errors_of(
        site_factory, {"updates/x.md": GOOD.replace("Investigating", "Investigatng")}
    )
    assert message.startswith("updates/x.md:8: error: unknown stage 'Investigatng' for incident")
    assert "hint: did you mean 'investigating'?" in message


def test_maintenance_stage_is_not_an_incident_stage(site_factory):
    (message,) = errors_of(
        site_factory, {"updates/x.md": GOOD.replace("Investigating", "Completed")}
    )
    assert "unknown stage 'Completed' for incident" in message


def test_time_without_zone_when_site_sets_none(site_factory):
    toml = "[site]\ntitle = 'T'\n[components.api]\nname = 'API'\n"
    text = GOOD.replace("14:05 UTC", "14:05").replace("14:02:00Z", "14:02:00")
    messages = errors_of(site_factory, {"updates/x.md": text}, toml=toml)
    assert messages[0].startswith(
        "updates/x.md:6: error: declared: the time 2026-11-20 14:02:00 has no zone"
    )
    assert "set [site] timezone" in messages[0]
    assert messages[1].startswith("updates/x.md:8: error: update heading: the time")


def test_naive_times_use_the_site_zone(load):
    text = GOOD.replace("14:05 UTC", "15:05").replace("14:02:00Z", "15:02:00")
    _, site = load({"updates/x.md": text})
    incident = site.incidents[0]
    assert (
        incident.declared_at.isoformat() == "2026-11-20T14:02:00+00:00"
    )  # Berlin is UTC+1 in November
    assert incident.updates[0].at.isoformat() == "2026-11-20T14:05:00+00:00"


@pytest.mark.parametrize(
    "heading, expected_utc",
    [
        ("2026-11-20 15:05 +01:00", "2026-11-20T14:05:00+00:00"),
        ("2026-11-20T15:05 Europe/Berlin", "2026-11-20T14:05:00+00:00"),
        ("2026-11-20 09:05 -0500", "2026-11-20T14:05:00+00:00"),
        ("2026-11-20 14:05:30 Z", "2026-11-20T14:05:30+00:00"),
    ],
)
def test_heading_zones(load, heading, expected_utc):
    _, site = load({"updates/x.md": GOOD.replace("2026-11-20 14:05 UTC", heading)})
    assert site.incidents[0].updates[0].at.isoformat() == expected_utc


@pytest.mark.parametrize("separator", ["·", "-", "|"])
def test_heading_separators(load, separator):
    _, site = load({"updates/x.md": GOOD.replace(" · ", f" {separator} ")})
    assert site.incidents[0].updates[0].stage.value == "investigating"


def test_updates_out_of_order(site_factory):
    text = GOOD + "\n## 2026-11-20 13:00 UTC · Identified\nFound it.\n"
    (message,) = errors_of(site_factory, {"updates/x.md": text})
    assert message.startswith("updates/x.md:11: error: updates are out of time order")
    assert "hint: move this section" in message


def test_equal_times_keep_file_order(load):
    text = GOOD + "\n## 2026-11-20 14:05 UTC · Identified\nFound it.\n"
    _, site = load({"updates/x.md": text})
    assert [u.stage.value for u in site.incidents[0].updates] == ["investigating", "identified"]


def test_second_level_heading_that_is_not_an_update(site_factory):
    text = GOOD + "\n## Root cause\nDNS.\n"
    (message,) = errors_of(site_factory, {"updates/x.md": text})
    assert message.startswith(
        "updates/x.md:11: error: the heading '## Root cause' is not an update"
    )
    assert "hint: use '###' for headings inside an update" in message


def test_deeper_headings_and_code_fences_are_free(load):
    text = GOOD + "\n### Details\n```\n## not a heading\n```\n"
    _, site = load({"updates/x.md": text})
    assert "## not a heading" in site.incidents[0].updates[0].body


def test_duplicate_slugs(site_factory):
    messages = errors_of(site_factory, {"updates/x.md": GOOD, "updates/2025/x.md": GOOD})
    assert len(messages) == 1
    assert "duplicate slug 'x'" in messages[0]
    assert "updates/2025/x.md:1" in messages[0] or "updates/x.md:1" in messages[0]


def test_malformed_yaml(site_factory):
    text = GOOD.replace("severity: SEV1", "severity: [SEV1")
    (message,) = errors_of(site_factory, {"updates/x.md": text})
    assert message.startswith("updates/x.md:")
    assert "invalid YAML" in message
    assert "hint: check indentation" in message


def test_missing_front_matter(site_factory):
    (message,) = errors_of(site_factory, {"updates/x.md": "# Hello\n"})
    assert message.startswith("updates/x.md:1: error: the file does not start with front matter")


def test_missing_title(site_factory):
    (message,) = errors_of(site_factory, {"updates/x.md": GOOD.replace("title: API errors\n", "")})
    assert message.startswith("updates/x.md:1: error: the front matter has no title")


def test_unknown_key_with_hint(site_factory):
    message, missing = errors_of(
        site_factory, {"updates/x.md": GOOD.replace("severity:", "severty:")}
    )
    assert missing.startswith("updates/x.md:1: error: the incident has no severity")
    assert message.startswith("updates/x.md:3: error: unknown key 'severty' in the front matter")
    assert "hint: did you mean 'severity'?" in message


def test_all_errors_of_a_run_are_reported_together(site_factory):
    bad1 = GOOD.replace("api:", "apx:")
    bad2 = GOOD.replace("SEV1", "SEV7").replace("Investigating", "Lookin")
    messages = errors_of(site_factory, {"updates/a.md": bad1, "updates/b.md": bad2})
    assert [m.split(": error")[0] for m in messages] == [
        "updates/a.md:5",
        "updates/b.md:3",
        "updates/b.md:8",
    ]


def test_invalid_slug_is_refused(site_factory):
    (message,) = errors_of(site_factory, {"updates/API Errors.md": GOOD})
    assert "invalid file name" in message
    assert "rename the file to api-errors.md" in message


def test_reopened_incident_is_allowed(load):
    text = GOOD + (
        "\n## 2026-11-20 15:00 UTC · Resolved\nFixed.\n"
        "\n## 2026-11-20 16:00 UTC · Investigating\nBack again.\n"
        "\n## 2026-11-20 17:00 UTC · Resolved\nFixed for good.\n"
    )
    _, site = load({"updates/x.md": text})
    incident = site.incidents[0]
    assert incident.reopened
    assert incident.resolved_at.isoformat() == "2026-11-20T17:00:00+00:00"


def test_impact_line_validation(site_factory):
    text = GOOD + "\n## 2026-11-20 15:00 UTC · Identified\nImpact: api=broken\nFound.\n"
    (message,) = errors_of(site_factory, {"updates/x.md": text})
    assert message.startswith("updates/x.md:12: error: got impact 'broken'")


def test_maintenance_needs_a_window(site_factory):
    text = "---\ntitle: Upgrade\nkind: maintenance\ncomponents: [api]\n---\n"
    (message,) = errors_of(site_factory, {"updates/m.md": text})
    assert "maintenance needs a window" in message


def test_window_end_before_start(site_factory):
    text = (
        "---\ntitle: Upgrade\nkind: maintenance\ncomponents: [api]\nwindow: "
        "{start: 2026-12-01T04:00:00Z, end: 2026-12-01T02:00:00Z}\n---\n"
    )
    (message,) = errors_of(site_factory, {"updates/m.md": text})
    assert message.startswith("updates/m.md:5: error: the window ends before it starts")


def test_breach_decision_needs_a_reason(site_factory):
    text = GOOD.replace(
        "declared:",
        "breach:\n  aware: 2026-11-20T16:00:00Z\n  decisions:\n  "
        "  gdpr-art34-data-subjects: {required: false}\ndeclared:",
    )
    (message,) = errors_of(site_factory, {"updates/x.md": text})
    assert message.startswith(
        "updates/x.md:9: error: breach.decisions.gdpr-art34-data-subjects records no reason"
    )


class TestSiteToml:
    def test_malformed_toml_names_the_line(self, site_factory):
        root = site_factory(toml='[site]\ntitle = "T\n')
        with pytest.raises(ContentErrors) as info:
            load_config(root)
        (error,) = info.value.errors
        assert error.format().startswith("site_src/site.toml:2: error: invalid TOML")

    def test_unknown_section_and_key(self, site_factory):
        toml = (
            '[site]\ntitle = "T"\ntimezon = "UTC"\n[component.api]\nname '
            '= "API"\n[components.api]\nname="API"\n'
        )
        root = site_factory(toml=toml)
        with pytest.raises(ContentErrors) as info:
            load_config(root)
        messages = [e.format() for e in info.value.errors]
        assert messages[0].startswith(
            "site_src/site.toml:4: error: unknown key 'component' in site.toml"
        )
        assert "did you mean 'components'?" in messages[0]
        assert messages[1].startswith(
            "site_src/site.toml:3: error: unknown key 'timezon' in [site]"
        )
        assert "did you mean 'timezone'?" in messages[1]

    def test_unknown_group_and_zone(self, site_factory):
        toml = (
            '[site]\ntitle = "T"\ntimezone = '
            '"Europe/Berlinn"\n[groups.core]\nname="Core"\n[components.api]\nname '
            '= "API"\ngroup = "cor"\n'
        )
        with pytest.raises(ContentErrors) as info:
            load_config(site_factory(toml=toml))
        messages = [e.format() for e in info.value.errors]
        assert messages[0].startswith(
            "site_src/site.toml:3: error: site.timezone: unknown time zone 'Europe/Berlinn'"
        )
        assert messages[1].startswith(
            "site_src/site.toml:8: error: components.api.group: unknown group 'cor'"
        )
        assert "did you mean 'core'?" in messages[1]

    def test_private_inside_public_is_refused(self, site_factory):
        toml = (
            '[site]\ntitle = "T"\n[components.api]\nname = '
            '"API"\n[paths]\npublic = "out"\nprivate = "out/private"\n'
        )
        with pytest.raises(ContentErrors) as info:
            load_config(site_factory(toml=toml))
        assert "overlap" in info.value.errors[0].message

    def test_fictional_site_needs_now(self, site_factory):
        toml = '[site]\ntitle = "T"\nfictional = true\n[components.api]\nname = "API"\n'
        with pytest.raises(ContentErrors) as info:
            load_config(site_factory(toml=toml))
        assert "site.now is missing" in info.value.errors[0].message


def test_a_bad_update_heading_is_reported_once(site_factory):
    text = GOOD.replace("declared: 2026-11-20T14:02:00Z\n", "").replace(
        "2026-11-20 14:05 UTC", "yesterday"
    )
    (message,) = errors_of(site_factory, {"updates/x.md": text})
    assert message.startswith(
        "updates/x.md:7: error: update heading: cannot read 'yesterday' as a time"
    )


def test_an_incident_needs_a_declared_time_or_an_update(site_factory):
    text = GOOD.split("## ")[0].replace("declared: 2026-11-20T14:02:00Z\n", "")
    (message,) = errors_of(site_factory, {"updates/x.md": text})
    assert "the incident has neither a 'declared' time nor any update" in message


def test_every_problem_of_a_line_in_one_run_with_case_and_word_tolerant_hints(site_factory):
    text = (
        GOOD.replace("  api: partial_outage", "  API: degraded")
        .replace("· Investigating", "· Resolvd")
        .replace("We are looking into it.", "Impact: Web=partial-outage, apl=majr\nLooking.")
    )
    messages = errors_of(site_factory, {"updates/x.md": text})
    joined = "\n".join(messages)
    assert "updates/x.md:5: error: unknown component 'API'" in joined
    assert "hint: did you mean 'api'?" in joined
    assert "add [components.API]" not in joined
    assert "updates/x.md:5: error: got impact 'degraded'" in joined
    assert "hint: did you mean 'degraded_performance'?" in joined
    assert "did you mean 'resolved'?" in joined
    assert "unknown component 'Web'" in joined and "did you mean 'web'?" in joined
    assert "unknown component 'apl'" in joined and "got impact 'majr'" in joined
    assert "did you mean 'major_outage'?" in joined
    # partial-outage is read as partial_outage: no error for it
    assert "partial-outage" not in joined


def test_rule_ids_get_a_suggestion_from_the_right_regime(site_factory):
    from tests.conftest import MINIMAL_TOML

    root = site_factory(
        {"updates/x.md": GOOD},
        toml=MINIMAL_TOML + '\n[rules]\nenabled = ["gdpr-art33", "UK-GDPR-ART33-ICO"]\n',
    )
    with pytest.raises(ContentErrors) as info:
        load_site(load_config(root))
    joined = info.value.format()
    assert "did you mean 'gdpr-art33-authority'?" in joined
    assert "did you mean 'uk-gdpr-art33-ico'?" in joined
