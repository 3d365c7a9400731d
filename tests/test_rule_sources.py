"""Every rule in force names the text of its law on an official publisher's
domain, with its article or section and an explicit verification mark."""

from __future__ import annotations

import pytest

from clarion.rules import RuleKind, shipped_rules
from clarion.rules.sources import PRIMARY_DOMAINS, parse_primary, primary_domain

IN_FORCE = [
    r for r in shipped_rules() if r.status == "in_force" and r.kind is not RuleKind.PRACTICE
]


@pytest.mark.parametrize("rule", IN_FORCE, ids=lambda r: r.id)
def test_a_rule_in_force_cites_its_primary_text_on_a_listed_domain(rule):
    assert rule.primary is not None, f"{rule.id} has no primary source"
    assert rule.primary.cite, f"{rule.id} names no article or section"
    assert primary_domain(rule.primary.url), (
        f"{rule.id} cites {rule.primary.domain}, which is not a primary source "
        f"(listed: {', '.join(PRIMARY_DOMAINS)})"
    )
    assert rule.verified is rule.primary.verified
    if rule.verified:
        assert rule.primary.quote and rule.primary.read


def test_domains_match_whole_labels_only():
    assert primary_domain("https://www.ecfr.gov/current/title-45/section-164.404") == "ecfr.gov"
    assert primary_domain("https://usa.visa.com/x.pdf") == "visa.com"
    assert primary_domain("https://notecfr.gov/x") is None
    assert primary_domain("https://gdprhub.eu/Article_33_GDPR") is None


def test_a_verified_mark_needs_a_quote_and_what_was_read():
    with pytest.raises(ValueError, match="quotes its operative sentence"):
        parse_primary({"cite": "Art. 1", "url": "https://eur-lex.europa.eu/x", "verified": True})
    with pytest.raises(ValueError, match="verified must be true or false"):
        parse_primary({"cite": "Art. 1", "url": "https://eur-lex.europa.eu/x"})


def test_a_rule_citing_a_secondary_site_fails_the_check():
    from clarion.rules import parse_rulebook

    rule = {
        "id": "x", "title": "X", "regime": "R", "recipient": "A", "trigger": "T",
        "clock": "breach.aware", "source": "blog", "kind": "regulatory",
        "primary": {"cite": "Art. 1", "url": "https://lawfirm.example/blog", "verified": False},
    }  # fmt: skip
    (parsed,) = parse_rulebook([rule])
    assert primary_domain(parsed.primary.url) is None  # the parametrized test above would fail
    del rule["primary"]
    with pytest.raises(ValueError, match="needs primary"):
        parse_rulebook([rule])


def test_clarion_rules_markdown_groups_by_jurisdiction_with_verified_counts(tmp_path):
    import json

    from click.testing import CliRunner

    from clarion.cli import main

    runner = CliRunner()
    text = runner.invoke(main, ["rules", "--source", str(tmp_path), "--format", "markdown"]).output
    eu = [r for r in shipped_rules() if r.jurisdiction.startswith("EU")]
    verified = sum(1 for r in eu if r.verified)
    assert f"| [EU](#eu) | {len(eu)} | {verified} | {len(eu) - verified} |" in text
    assert "## United States - Texas" in text and "### us-tx-attorney-general" in text
    assert (
        "**Primary source:** Tex. Bus. &amp; Com. Code 521.053(i), <https://statutes.capitol.texas.gov"
        in text
    )
    assert "| `eur-lex.europa.eu` |" in text  # the documented list of primary domains
    data = json.loads(
        runner.invoke(
            main, ["rules", "gdpr-art33-authority", "--source", str(tmp_path), "--format", "json"]
        ).output
    )
    assert data["rules"][0]["primary"]["url"] == "https://eur-lex.europa.eu/eli/reg/2016/679/oj"
    assert data["rules"][0]["primary"]["verified"] is False
