"""``.github/workflows/declare.yml`` (shipped by ``clarion init``): actionlint and
least privilege run in tests/test_workflows.py over every workflow; here its
promises, and its shell steps run as GitHub's runner would (a real git
repository with a bare ``origin``, the real ``clarion``), standing in only for
GitHub itself: the dispatch event file and ``gh`` (the pull-request API).
A payload becomes a branch with the incident file and one pull request; a
second alert of the same incident updates that branch and pull request."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.test_workflows import SHIPPED, StepRunner, _init_site, _tools_path, load

FIXTURES = Path(__file__).parent / "alerts"
DECLARE = SHIPPED / "declare.yml"
BRANCH = "declare/pagerduty-q2m4qz9sfkryuf"
SLUG = "payments-are-failing"

FAKE_GH = r'''#!/usr/bin/env python3
"""A stand-in for gh's pull-request calls: logs each call, keeps PRs in a JSON file."""
import json, os, sys
state_path = os.environ["FAKE_GH_STATE"]
with open(state_path) as f:
    state = json.load(f)
args = sys.argv[1:]
state["calls"].append(args)
def opt(name):
    return args[args.index(name) + 1] if name in args else None
def body():
    path = opt("--body-file")
    return open(path).read() if path else opt("--body")
if args[:2] == ["pr", "list"]:
    found = [p for p in state["prs"] if p["head"] == opt("--head") and p["open"]]
    print(found[0]["number"] if found else "")
elif args[:2] == ["pr", "create"]:
    state["prs"].append({"number": 7 + len(state["prs"]), "head": opt("--head"),
                         "base": opt("--base"), "title": opt("--title"), "body": body(),
                         "labels": [opt("--label")], "open": True, "comments": []})
elif args[:2] == ["pr", "edit"]:
    pr = next(p for p in state["prs"] if p["number"] == int(args[2]))
    pr["labels"].append(opt("--add-label"))
elif args[:2] == ["pr", "comment"]:
    pr = next(p for p in state["prs"] if p["number"] == int(args[2]))
    pr["comments"].append(body())
elif args[:2] == ["label", "create"]:
    state["labels"].append(args[2])
else:
    sys.exit(f"fake gh: unexpected call {args}")
with open(state_path, "w") as f:
    json.dump(state, f)
'''
MAPPING = """
[alerts.map.payments]
service = "payments-api"
components = { api = "major_outage" }
severity = "SEV1"
headline = "Payments are failing"
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, check=True, capture_output=True, text=True
    ).stdout.strip()


def test_declare_promises():
    data = load(DECLARE)
    assert data["on"] == {"repository_dispatch": {"types": ["clarion-alert"]}}
    job = data["jobs"]["declare"]
    assert job["if"] == "vars.CLARION_DECLARE == 'on'"  # off until configured
    assert job["permissions"] == {
        "contents": "write",
        "pull-requests": "write",
        "issues": "write",
    }
    assert data["concurrency"] == {"group": "declare", "cancel-in-progress": False}
    assert "${{ github.event.client_payload" not in DECLARE.read_text(), (
        "the payload is read from the event file, never pasted into a script"
    )


@pytest.fixture
def repository(tmp_path: Path, monkeypatch) -> tuple[Path, Path, Path]:
    assert shutil.which("jq"), "jq is missing: .ci/run installs it (GitHub's runners have it)"
    site = _init_site(tmp_path)
    with (site / "site_src/site.toml").open("a") as f:
        f.write(MAPPING)
    for key, value in {
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@example.com",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@example.com",
    }.items():
        monkeypatch.setenv(key, value)
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "--quiet", "--bare", "-b", "main", str(origin))
    git(site, "init", "--quiet", "-b", "main")
    git(site, "add", "-A")
    git(site, "commit", "--quiet", "-m", "site")
    git(site, "remote", "add", "origin", str(origin))
    git(site, "push", "--quiet", "origin", "main")
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    gh = folder / "gh"
    gh.write_text(FAKE_GH.replace("#!/usr/bin/env python3", f"#!{sys.executable}", 1))
    gh.chmod(0o755)
    state = tmp_path / "gh-state.json"
    state.write_text(json.dumps({"calls": [], "prs": [], "labels": []}))
    monkeypatch.setenv("FAKE_GH_STATE", str(state))
    return site, origin, state


def dispatch(site: Path, tmp_path: Path, monkeypatch, fixture: str) -> StepRunner:
    event = tmp_path / f"event-{fixture}.json"
    payload = json.loads((FIXTURES / f"{fixture}.json").read_text())
    event.write_text(
        json.dumps(
            {
                "action": "clarion-alert",
                "client_payload": {"alert": payload},
                "repository": {"default_branch": "main", "full_name": "acme/status"},
            }
        )
    )
    monkeypatch.setenv("GITHUB_EVENT_PATH", str(event))
    runner = StepRunner(
        site / ".github/workflows/declare.yml",
        "declare",
        site,
        event="repository_dispatch",
        context={
            "github.token": "not-a-token",
            "github.event.repository.default_branch": "main",
        },
        path=str(tmp_path / "fake-bin") + os.pathsep + _tools_path(),
    )
    runner.run()
    return runner


def test_a_payload_becomes_a_branch_with_the_incident_and_one_pull_request(
    repository, tmp_path: Path, monkeypatch
):
    site, origin, state_path = repository
    main_before = git(origin, "rev-parse", "main")
    runner = dispatch(site, tmp_path, monkeypatch, "pagerduty-triggered")
    assert runner.ran == [
        "Read the alert",
        "Draft on the incident's branch",
        "Open or update the pull request",
    ]
    assert runner.outputs["alert"]["branch"] == BRANCH
    assert git(origin, "rev-parse", "main") == main_before, "never pushes to the published branch"
    files = git(origin, "ls-tree", "-r", "--name-only", BRANCH).splitlines()
    (incident,) = [f for f in files if f.startswith("updates/") and f.endswith(f"-{SLUG}.md")]
    text = git(origin, "show", f"{BRANCH}:{incident}")
    assert "severity: SEV1" in text and "  api: major_outage" in text
    assert "detected: 2026-11-20T13:55:12Z" in text and "acknowledged:" not in text
    assert "    dedup_key: Q2M4QZ9SFKRYUF" in text
    state = json.loads(state_path.read_text())
    (pr,) = state["prs"]
    assert (pr["head"], pr["base"], pr["labels"]) == (BRANCH, "main", ["SEV1"])
    assert pr["title"] == "Declare SEV1: Payments are failing"
    assert state["labels"] == ["SEV1"]
    (comment,) = pr["comments"]
    assert "**SEV1 checklist**" in comment
    assert "- [ ] Name an incident commander within 15 min (roles: commander)" in comment

    # the acknowledgement of the same incident: same branch, same pull request
    git(site, "checkout", "--quiet", "main")
    runner = dispatch(site, tmp_path, monkeypatch, "pagerduty-acknowledged")
    assert runner.outputs["draft"]["changed"] == "true"
    text = git(origin, "show", f"{BRANCH}:{incident}")
    assert "acknowledged: 2026-11-20T13:58:40Z\ndeclared:" in text
    assert git(origin, "rev-list", "--count", f"main..{BRANCH}") == "2"
    state = json.loads(state_path.read_text())
    (pr,) = state["prs"]
    assert len(pr["comments"]) == 2
    assert [c[:2] for c in state["calls"]].count(["pr", "create"]) == 1

    # the same alert again changes nothing and calls no pull-request API
    calls = len(state["calls"])
    git(site, "checkout", "--quiet", "main")
    runner = dispatch(site, tmp_path, monkeypatch, "pagerduty-acknowledged")
    assert runner.outputs["draft"]["changed"] == "false"
    assert "Open or update the pull request" not in runner.ran
    assert len(json.loads(state_path.read_text())["calls"]) == calls


def test_an_unmapped_alert_fails_the_run_and_pushes_nothing(
    repository, tmp_path: Path, monkeypatch
):
    site, origin, _ = repository
    with pytest.raises(AssertionError, match="maps to no component"):
        dispatch(site, tmp_path, monkeypatch, "opsgenie-create")
    assert git(origin, "for-each-ref", "--format=%(refname)") == "refs/heads/main"
