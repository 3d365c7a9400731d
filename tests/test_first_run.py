"""A first run that guides: ``clarion init`` makes a repository (never
touching an existing one), asks for ``base_url``, prints the next steps and
brings an existing site's workflows up to date; ``clarion check`` warns about
the placeholders a new site still has until they are fixed."""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from clarion.authoring.placeholders import is_example_url
from clarion.cli import first_run as cli_module
from clarion.cli import main
from clarion.github.first_run import normalise_base_url
from clarion.github.publishing import ACTION_REPOSITORY, running_clarion
from tests.conftest import MINIMAL_TOML

NOW_TEXT = "2026-11-27T12:00:00Z"


def cli(*args: str, input: str | None = None, env: Mapping[str, str] | None = None):
    return CliRunner().invoke(main, list(args), input=input, env=dict(env or {}))


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout.strip()


def init(target: Path, *extra: str, input: str | None = None):
    result = cli("init", str(target), "--now", NOW_TEXT, *extra, input=input)
    assert result.exit_code == 0, result.output
    return result


# -- git ----------------------------------------------------------------------------


def test_init_in_an_empty_folder_makes_a_repository_on_main(tmp_path: Path):
    site = tmp_path / "status"
    result = init(site)
    assert (site / ".git").is_dir()
    assert git("symbolic-ref", "HEAD", cwd=site) == "refs/heads/main"  # the workflows' branch
    assert "made it a git repository (branch main)" in result.stderr
    # nothing is committed on the user's behalf
    assert "?? site_src/" in git("status", "--porcelain", cwd=site).splitlines()
    assert git("rev-list", "--all", cwd=site) == ""


def test_init_inside_an_existing_repository_leaves_it_alone(tmp_path: Path):
    repo = tmp_path / "company"
    repo.mkdir()
    git("init", "--quiet", "--initial-branch=trunk", cwd=repo)
    (repo / "README.md").write_text("# Company\n")
    git("add", "README.md", cwd=repo)
    git("-c", "user.name=A", "-c", "user.email=a@b.c", "commit", "-qm", "first", cwd=repo)
    before = (git("rev-parse", "HEAD", cwd=repo), (repo / ".git/config").read_bytes())
    result = init(repo / "status")
    assert not (repo / "status/.git").exists()
    assert (git("rev-parse", "HEAD", cwd=repo), (repo / ".git/config").read_bytes()) == before
    assert git("symbolic-ref", "HEAD", cwd=repo) == "refs/heads/trunk"
    assert "inside an existing git repository (left as it is)" in result.stderr


def test_init_no_git(tmp_path: Path):
    init(tmp_path / "status", "--no-git")
    assert not (tmp_path / "status/.git").exists()


# -- base_url and the next steps ----------------------------------------------------


def test_init_asks_base_url_on_a_terminal_and_says_where_the_page_will_be(
    tmp_path: Path, monkeypatch
):
    monkeypatch.setattr(cli_module, "_interactive", lambda: True)
    site = tmp_path / "status"
    result = init(site, input="hourly\nstatus.acme.io\n")
    assert 'base_url = "https://status.acme.io/"' in (site / "site_src/site.toml").read_text()
    err = result.stderr
    assert "base_url" in err
    steps = err[err.index("Next, in") :]
    assert "1. Push it" in steps and "git push -u origin main" in steps
    assert "2. Turn on Pages: Settings > Pages > Build and deployment > Source: GitHub Actions" in (
        steps
    )
    assert "3. The page will be at https://status.acme.io/" in steps


def test_init_without_base_url_names_the_pages_address(tmp_path: Path):
    result = init(tmp_path / "status")
    assert "3. The page will be at https://OWNER.github.io/REPOSITORY/" in result.stderr


def test_a_bad_base_url_writes_nothing(tmp_path: Path):
    result = cli("init", str(tmp_path / "s"), "--base-url", "ftp://x", "--now", NOW_TEXT)
    assert result.exit_code == 2 and "base_url: got 'ftp://x'" in result.output
    assert not (tmp_path / "s").exists()


def test_normalise_base_url():
    assert normalise_base_url("status.acme.io") == "https://status.acme.io/"
    assert normalise_base_url("https://acme.github.io/status") == "https://acme.github.io/status/"
    for bad in ("", "https://", "mailto:a@b.c", "https://a b/"):
        with pytest.raises(Exception, match="base_url"):
            normalise_base_url(bad)
    assert is_example_url("https://status.example.com/") and is_example_url("http://x.example/")
    assert not is_example_url("https://status.acme.io/") and not is_example_url(
        "https://examples.io"
    )


# -- placeholders -------------------------------------------------------------------


def check(site: Path, *extra: str):
    return cli("check", "--source", str(site), "--now", NOW_TEXT, *extra)


def test_placeholder_warnings_until_fixed(tmp_path: Path):
    site = tmp_path / "status"
    init(site)
    text = check(site)
    assert text.exit_code == 0, text.output  # warnings, not errors
    assert (
        "site_src/site.toml:13: warning: placeholder: base_url https://status.example.com/ is an "
        "example domain" in text.stdout
    )
    assert (
        "updates/2026-11-26-example-incident.md:1: warning: placeholder: the example incident"
        in text.stdout
    )
    github = check(site, "--format", "github")
    assert github.exit_code == 0
    lines = [line for line in github.stdout.splitlines() if "placeholder" in line]
    assert [line.split("::")[1] for line in lines] == [
        "warning file=site_src/site.toml,line=13,title=Clarion warning",
        "warning file=updates/2026-11-26-example-incident.md,line=1,title=Clarion warning",
    ]
    assert cli("build", "--source", str(site), "--now", NOW_TEXT).exit_code == 0  # still builds
    # fixed: the warnings are gone
    toml = site / "site_src/site.toml"
    toml.write_text(toml.read_text().replace("status.example.com", "status.acme.io"))
    (site / "updates/2026-11-26-example-incident.md").unlink()
    assert "placeholder" not in check(site).output
    assert "placeholder" not in check(site, "--format", "github").output


NOTICE_OWED = """\
---
title: API errors
severity: SEV1
components: {api: partial_outage}
declared: 2026-11-27T11:30:00Z
customers_affected: true
---
## 2026-11-27 11:30 UTC · Investigating
Some requests fail.
"""


def test_notices_owed_without_a_sender_or_recipients(site_factory):
    bare = MINIMAL_TOML.replace("status.test.example", "status.acme.io")
    bare = bare[: bare.index("[email]")]  # no [email], no [audiences]
    site = site_factory({"updates/2026-11-27-api-errors.md": NOTICE_OWED}, toml=bare)
    result = check(site)
    assert result.exit_code in (0, 4), result.output  # customer-ack is due at 12:30
    assert "warning: placeholder: no [email] from while notices are owed (customer-ack for " in (
        result.stdout
    )
    assert "warning: placeholder: the audience 'customers' has no addresses" in result.stdout
    # a site with a sender and the audience: no warning
    full = MINIMAL_TOML.replace("status.test.example", "status.acme.io")
    site = site_factory({"updates/2026-11-27-api-errors.md": NOTICE_OWED}, toml=full, name="ok")
    assert "placeholder" not in check(site).output
    # nothing owed (no incident): no warning either
    site = site_factory({}, toml=bare, name="calm")
    assert "placeholder" not in check(site).output


def test_a_fictional_site_has_no_placeholders(site_factory):
    toml = MINIMAL_TOML.replace(
        'timezone = "Europe/Berlin"',
        'timezone = "Europe/Berlin"\nfictional = true\nnow = "2026-11-27T12:00:00Z"',
    )
    assert "placeholder" not in check(site_factory({}, toml=toml)).output


# -- upgrading the workflows --------------------------------------------------------


def test_upgrade_workflows_keeps_schedules_and_leaves_every_other_file(tmp_path: Path):
    site = tmp_path / "status"
    init(site, "--deadline-schedule", "6h", "--clarion-source", "pip")
    publish = site / ".github/workflows/publish.yml"
    # the site's own choices: another publish schedule and branch
    publish.write_text(
        publish.read_text()
        .replace('- cron: "2 * * * *"', '- cron: "5,35 * * * *"')
        .replace("branches: [main]", "branches: [trunk]")
    )
    others = {
        p: p.read_bytes() for p in site.rglob("*") if p.is_file() and ".github" not in p.parts
    }
    result = cli("init", str(site), "--upgrade-workflows", "--now", NOW_TEXT)
    assert result.exit_code == 0, result.output
    assert "updated  .github/workflows/publish.yml" in result.stderr
    assert {p: p.read_bytes() for p in others} == others
    data = yaml.safe_load(publish.read_text())
    assert data[True]["schedule"] == [{"cron": "5,35 * * * *"}]
    assert data[True]["push"]["branches"] == ["trunk"]
    deadlines = yaml.safe_load((site / ".github/workflows/deadlines.yml").read_text())
    assert deadlines[True]["schedule"] == [{"cron": "7 */6 * * *"}]
    uses = f"{ACTION_REPOSITORY}@{running_clarion().ref}"
    for workflow in (data, deadlines):
        steps = [s for job in workflow["jobs"].values() for s in job["steps"]]
        assert {
            "name": "Install Clarion",
            "uses": uses,
            "with": {"python-version": "3.12"},
        } in steps
        assert not any("pip install" in s.get("run", "") for s in steps)
    again = cli("init", str(site), "--upgrade-workflows", "--now", NOW_TEXT)
    assert again.exit_code == 0 and "unchanged  .github/workflows/publish.yml" in again.stderr
    assert "already install" in again.stderr and again.stdout == ""
    # a new deadline schedule on the way
    cli("init", str(site), "--upgrade-workflows", "--deadline-schedule", "off", "--now", NOW_TEXT)
    deadlines = yaml.safe_load((site / ".github/workflows/deadlines.yml").read_text())
    assert "schedule" not in deadlines[True] and "push" in deadlines[True]


def test_init_on_an_existing_site_offers_to_upgrade_on_a_terminal(tmp_path: Path, monkeypatch):
    site = tmp_path / "status"
    init(site, "--clarion-source", "pip")
    refused = cli("init", str(site), "--now", NOW_TEXT)
    assert refused.exit_code == 2 and "--upgrade-workflows" in refused.output
    monkeypatch.setattr(cli_module, "_interactive", lambda: True)
    toml = (site / "site_src/site.toml").read_bytes()
    no = cli("init", str(site), "--now", NOW_TEXT, input="n\n")
    assert no.exit_code == 0 and "Nothing was written" in no.stderr
    assert "pip install" in (site / ".github/workflows/publish.yml").read_text()
    yes = cli("init", str(site), "--now", NOW_TEXT, input="y\n")
    assert yes.exit_code == 0, yes.output
    assert "pip install" not in (site / ".github/workflows/publish.yml").read_text()
    assert (site / "site_src/site.toml").read_bytes() == toml


def test_upgrade_workflows_needs_a_site(tmp_path: Path):
    result = cli("init", str(tmp_path), "--upgrade-workflows", "--now", NOW_TEXT)
    assert result.exit_code == 2 and "has no site_src/site.toml" in result.output
    assert not (tmp_path / ".github").exists()
