"""GitHub Actions: the workflows Clarion ships and runs, and what they ask Clarion.

* actionlint (with shellcheck for ``run:`` steps) over every workflow file,
  shipped in the scaffold and at this repository's top level;
* the structural promises: triggers, least-privilege permissions on every
  job, concurrency, the private folder never in the Pages artifact;
* the exact shell steps of ``publish.yml`` (install excepted) against a fresh
  ``clarion init`` site, and of ``deadlines.yml`` against a fake ``gh``;
* ``clarion check --format reminders``, ``--repo-visibility public``,
  ``--comms`` and ``clarion next-change``; ``clarion init --deadline-schedule``.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import textwrap
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from clarion import __version__
from clarion.cli import first_run as cli_module
from clarion.cli import main
from clarion.config import load_config
from clarion.github.publishing import (
    ACTION_REPOSITORY,
    DEADLINE_SCHEDULES,
    next_change,
    public_digest,
    running_clarion,
    set_deadline_schedule,
)
from clarion.github.reminders import OpenIssue, parse_open_issues, plan_reminders
from clarion.reports.check import run_check
from tests.conftest import NOW

REPO = Path(__file__).resolve().parent.parent
SHIPPED = REPO / "src/clarion/scaffold/dot-github/workflows"
TOP = REPO / ".github/workflows"
NOW_TEXT = "2026-11-27T12:00:00Z"
WORKFLOWS = sorted([*SHIPPED.glob("*.yml"), *TOP.glob("*.yml")])
PUBLISH = (SHIPPED / "publish.yml", TOP / "publish.yml")
DEADLINES = (SHIPPED / "deadlines.yml", TOP / "deadlines.yml")


def cli(*args: str, input: str | None = None, env: Mapping[str, str] | None = None):
    return CliRunner().invoke(
        main, list(args), input=input, env=dict(env or {}), catch_exceptions=False
    )


def load(path: Path) -> dict:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # YAML 1.1 reads the key `on` as True.
    if True in data:
        data["on"] = data.pop(True)
    return data


def ids(paths) -> list[str]:
    return [p.relative_to(REPO).as_posix() for p in paths]


def tool(name: str) -> str | None:
    """A console script of this Python's environment, else one on PATH."""
    scripts = Path(sysconfig.get_path("scripts"))
    for folder in (scripts, Path(sys.executable).parent):
        candidate = folder / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    return shutil.which(name)


# -- actionlint ---------------------------------------------------------------------


def test_every_workflow_is_found():
    names = {p.relative_to(REPO).as_posix() for p in WORKFLOWS}
    assert names == {
        ".github/workflows/deadlines.yml",
        ".github/workflows/publish.yml",
        ".github/workflows/release.yml",
        ".github/workflows/tests.yml",
        "src/clarion/scaffold/dot-github/workflows/deadlines.yml",
        "src/clarion/scaffold/dot-github/workflows/declare.yml",
        "src/clarion/scaffold/dot-github/workflows/publish.yml",
    }


@pytest.mark.parametrize("path", WORKFLOWS, ids=ids(WORKFLOWS))
def test_actionlint(path: Path):
    actionlint = tool("actionlint")
    if actionlint is None:
        pytest.fail("actionlint is missing: install the test extras (pip install -e '.[test]')")
    shellcheck = tool("shellcheck") or ""
    result = subprocess.run(
        [actionlint, "-no-color", "-oneline", f"-shellcheck={shellcheck}", "-pyflakes=", str(path)],
        capture_output=True,
        text=True,
        cwd=REPO,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def _action_scripts() -> list[tuple[str, str]]:
    """The ``run:`` steps of action.yml as bash scripts, each ``${{ }}``
    replaced by a plain word (the runner substitutes them before bash runs)."""
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    scripts = []
    for step in action["runs"]["steps"]:
        if "run" in step:
            assert step["shell"] == "bash", "composite steps name their shell"
            body = re.sub(r"\$\{\{.*?\}\}", "expression", step["run"])
            scripts.append((step["name"], "#!/bin/bash\nset -eo pipefail\n" + body))
    return scripts


def test_action_steps_pass_shellcheck(tmp_path: Path):
    """actionlint does not read action.yml; shellcheck reads its steps."""
    shellcheck = tool("shellcheck")
    if shellcheck is None:
        pytest.fail("shellcheck is missing: install the test extras (pip install -e '.[test]')")
    scripts = _action_scripts()
    assert len(scripts) >= 3
    for index, (name, script) in enumerate(scripts):
        path = tmp_path / f"step-{index}.sh"
        path.write_text(script)
        result = subprocess.run(
            [shellcheck, "--shell=bash", "--severity=style", str(path)],
            capture_output=True,
            text=True,
        )
        assert result.returncode == 0, f"{name}:\n{result.stdout}"


def test_shellcheck_finds_what_the_action_test_looks_for(tmp_path: Path):
    """The check above can fail: a script with an unquoted expansion does."""
    shellcheck = tool("shellcheck")
    assert shellcheck
    path = tmp_path / "bad.sh"
    path.write_text("#!/bin/bash\nvenv=$1\n$venv/bin/python -m pip install x\n")
    result = subprocess.run([shellcheck, "--shell=bash", str(path)], capture_output=True)
    assert result.returncode != 0


def test_action_interface():
    """What sites' workflows rely on: the inputs, the outputs, a composite
    action that installs from its own files, never from a package index."""
    action = yaml.safe_load((REPO / "action.yml").read_text(encoding="utf-8"))
    assert action["runs"]["using"] == "composite"
    assert set(action["inputs"]) == {
        "command",
        "args",
        "ok-exit-codes",
        "working-directory",
        "python-version",
    }
    assert action["inputs"]["command"]["default"] == ""  # install only
    assert {"exit-code", "changed", "public-digest", "version"} <= set(action["outputs"])
    steps = {s.get("name"): s for s in action["runs"]["steps"]}
    install = steps["Install Clarion"]["run"]
    assert '"$GITHUB_ACTION_PATH"' in install and "clarion-status" not in install
    cache = steps["Restore Clarion's environment"]
    assert cache["uses"].startswith("actions/cache@")
    key = steps["Cache key of this Clarion"]["run"]
    assert "GITHUB_ACTION_REF" in key and "digest" in key


# -- structural promises ------------------------------------------------------------


@pytest.mark.parametrize("path", WORKFLOWS, ids=ids(WORKFLOWS))
def test_least_privilege_on_every_job(path: Path):
    data = load(path)
    assert data.get("permissions") == {}, "the workflow grants nothing by default"
    for name, job in data["jobs"].items():
        permissions = job.get("permissions")
        assert isinstance(permissions, dict) and permissions, f"job {name} states its permissions"
        assert all(v in ("read", "write") for v in permissions.values()), permissions
        assert "write-all" not in str(permissions) and "read-all" not in str(permissions)
        assert job.get("timeout-minutes"), f"job {name} has a timeout"
        for step in job["steps"]:
            if step.get("uses", "").startswith("actions/checkout@"):
                assert step.get("with", {}).get("persist-credentials") is False, (
                    "no token left in .git/config"
                )


def _steps(job: dict) -> list[dict]:
    return job["steps"]


def _by_uses(job: dict, prefix: str) -> list[dict]:
    return [s for s in _steps(job) if s.get("uses", "").startswith(prefix)]


@pytest.mark.parametrize("path", PUBLISH, ids=ids(PUBLISH))
def test_publish_promises(path: Path):
    data = load(path)
    on = data["on"]
    assert on["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in on
    assert on["schedule"] and all("cron" in s for s in on["schedule"])
    # two pushes never deploy out of order: one run at a time, never cancelled midway
    assert data["concurrency"]["cancel-in-progress"] is False and data["concurrency"]["group"]
    build, deploy = data["jobs"]["build"], data["jobs"]["deploy"]
    assert build["permissions"] == {"contents": "read"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["needs"] == "build" and deploy["environment"]["name"] == "github-pages"
    assert "needs.build.outputs.deploy == 'true'" in deploy["if"]
    # the official Pages actions
    assert _by_uses(deploy, "actions/configure-pages@") and _by_uses(
        deploy, "actions/deploy-pages@"
    )
    (pages,) = _by_uses(build, "actions/upload-pages-artifact@")
    assert pages["with"]["path"].rstrip("/") == "public"
    # the private folder: never in the Pages artifact, only as a short-lived
    # artifact of a private repository
    for job in data["jobs"].values():
        for step in _steps(job):
            text = json.dumps(step.get("with", {}))
            if "private" in text:
                assert step["uses"].startswith("actions/upload-artifact@"), step
                assert step["if"].replace(" ", "") == "steps.repo.outputs.visibility=='private'"
                assert 0 < step["with"]["retention-days"] <= 7
                assert step["with"]["name"] != "github-pages"
    # content errors fail the run; overdue items only annotate
    check = next(s for s in _steps(build) if "clarion check" in s.get("run", ""))
    assert "--format github" in check["run"] and "--repo-visibility" in check["run"]
    assert re.search(r'"\$status" -eq 2', check["run"])
    # the scheduled run deploys only when the page changed
    page = next(s for s in _steps(build) if s.get("id") == "page")
    assert "clarion next-change --format github --deployed-digest" in page["run"]
    assert "steps.page.outputs.changed == 'true'" in pages["if"]
    assert "github.event_name != 'schedule'" in build["outputs"]["deploy"]
    # subscribers hear about a page only once it is live: announce runs after
    # a successful deploy (a schedule-only run that changed nothing deploys nothing)
    announce = data["jobs"]["announce"]
    assert announce["needs"] == ["build", "deploy"]
    assert announce["if"] == (
        "needs.deploy.result == 'success' && needs.build.outputs.announce == 'true'"
    )
    assert announce["permissions"] == {"contents": "read"}
    saw = next(s for s in _steps(build) if s.get("name") == "The page subscribers saw last")
    assert saw["if"] == pages["if"] and "--dry-run --save-previous" in saw["run"]
    assert _steps(build).index(saw) < _steps(build).index(pages)
    run = next(s for s in _steps(announce) if s.get("id") == "announce")
    assert "clarion announce --previous .clarion-previous" in run["run"]
    assert all(v.startswith("${{ secrets.") for v in run["env"].values())


@pytest.mark.parametrize("path", DEADLINES, ids=ids(DEADLINES))
def test_deadlines_promises(path: Path):
    data = load(path)
    on = data["on"]
    assert "push" in on and on["schedule"]
    assert data["concurrency"]["cancel-in-progress"] is False
    (job,) = data["jobs"].values()
    assert job["permissions"] == {"contents": "read", "issues": "write"}
    runs = [s for s in _steps(job) if "run" in s]
    checks = [s for s in runs if "clarion check" in s["run"]]
    assert len(checks) == 2
    for step in checks:
        assert '--repo-visibility "$VISIBILITY"' in step["run"]
        assert step["env"]["VISIBILITY"] == "${{ steps.repo.outputs.visibility }}"
    assert "--format github" in checks[0]["run"]
    reminders = checks[1]
    assert "--format reminders" in reminders["run"] and "--open-issues" in reminders["run"]
    assert reminders["if"] == "steps.repo.outputs.visibility != 'public'"
    # the workflow only carries out Clarion's actions with gh issue
    gh_calls = set(re.findall(r"\bgh (\w+ \w+)", reminders["run"]))
    assert gh_calls == {
        "label create",
        "issue list",
        "issue create",
        "issue edit",
        "issue comment",
        "issue close",
    }
    visibility = next(s for s in runs if s.get("id") == "repo")
    assert visibility["env"]["EVENT_VISIBILITY"] == "${{ github.event.repository.visibility }}"
    assert "visibility:-public" in visibility["run"], "unknown visibility counts as public"


def test_shipped_deadline_schedule_is_hourly_and_documented():
    text = (SHIPPED / "deadlines.yml").read_text()
    assert load(SHIPPED / "deadlines.yml")["on"]["schedule"] == [
        {"cron": DEADLINE_SCHEDULES["hourly"].cron}
    ]
    for name in ("15min", "30min", "hourly", "6h", "daily"):
        minutes = DEADLINE_SCHEDULES[name].runs_per_day * 30
        assert f"{minutes:,}" in text, f"the cost of {name} is documented"
    assert "late" in text


def test_tests_workflow_runs_the_readme_command_on_supported_pythons():
    data = load(TOP / "tests.yml")
    assert set(data["on"]) == {"push", "pull_request"}
    (job,) = data["jobs"].values()
    assert job["permissions"] == {"contents": "read"}
    assert job["strategy"]["matrix"]["python-version"] == ["3.11", "3.12", "3.13"]
    assert [s["run"] for s in _steps(job) if "run" in s] == ["bash .ci/run"]
    pyproject = (REPO / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.11"' in pyproject
    ci = (REPO / ".ci/run").read_text()
    readme = (REPO / "README.md").read_text()
    assert '-e ".[test]"' in ci and "python3 -m pytest" in ci
    assert 'python3 -m pip install -e ".[test]" && python3 -m pytest' in readme


@pytest.mark.parametrize("name", ["publish.yml", "deadlines.yml"])
def test_top_level_workflows_are_the_shipped_ones(name: str):
    """The example site runs the shipped workflow; only the install step (the
    action of this commit) and the schedule differ."""
    shipped, top = load(SHIPPED / name), load(TOP / name)
    for data in (shipped, top):
        data["on"].pop("schedule")
        for job in data["jobs"].values():
            for step in job["steps"]:
                if step.get("name") == "Install Clarion":
                    step.pop("uses")
    assert shipped == top
    install = [
        s
        for j in load(TOP / name)["jobs"].values()
        for s in j["steps"]
        if s.get("name") == "Install Clarion"
    ]
    assert install and all(s["uses"] == "./" for s in install)


# -- clarion init writes the workflows ----------------------------------------------


def test_init_writes_workflows_with_pinned_version_and_schedule(tmp_path: Path):
    target = tmp_path / "site"
    result = cli("init", str(target), "--now", NOW_TEXT, "--deadline-schedule", "6h")
    assert result.exit_code == 0, result.output
    publish = (target / ".github/workflows/publish.yml").read_text()
    deadlines = (target / ".github/workflows/deadlines.yml").read_text()
    pin = running_clarion()
    # this Clarion runs from its git checkout: the workflows pin its commit
    assert pin.commit is not None and re.fullmatch(r"[0-9a-f]{40}", pin.commit)
    uses = f"uses: {ACTION_REPOSITORY}@{pin.commit}  # clarion-status {__version__}, commit "
    head = subprocess.run(
        ["git", "-C", str(REPO), "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    assert pin.commit == head
    assert uses in publish and uses in deadlines
    assert "pip install" not in publish and "CLARION_VERSION" not in publish
    assert load(target / ".github/workflows/deadlines.yml")["on"]["schedule"] == [
        {"cron": "7 */6 * * *"}
    ]
    assert "--deadline-schedule 6h" in deadlines
    # everything but the install step is the shipped workflow
    for relpath in ("publish.yml", "deadlines.yml"):
        mine, theirs = load(target / ".github/workflows" / relpath), load(SHIPPED / relpath)
        for data in (mine, theirs):
            data["on"].pop("schedule")
            for job in data["jobs"].values():
                for step in job["steps"]:
                    if step.get("name") == "Install Clarion":
                        assert step.pop("uses").startswith(f"{ACTION_REPOSITORY}@")
        assert mine == theirs


@pytest.mark.parametrize(
    ("source", "install"),
    [
        (
            "pip",
            f'python -m pip install --disable-pip-version-check "clarion-status=={__version__}"',
        ),
        (
            "git",
            "python -m pip install --disable-pip-version-check "
            f'"clarion-status @ git+https://github.com/{ACTION_REPOSITORY}@COMMIT"',
        ),
    ],
)
def test_init_clarion_source_pip_or_git(tmp_path: Path, source: str, install: str):
    target = tmp_path / "site"
    result = cli("init", str(target), "--now", NOW_TEXT, "--clarion-source", source)
    assert result.exit_code == 0, result.output
    install = install.replace("COMMIT", running_clarion().ref)
    for name in ("publish.yml", "deadlines.yml"):
        data = load(target / ".github/workflows" / name)
        job = data["jobs"]["build" if name == "publish.yml" else "deadlines"]
        steps = job["steps"]
        index = next(i for i, s in enumerate(steps) if s.get("name") == "Install Clarion")
        assert steps[index]["run"] == install
        assert steps[index - 1] == {
            "uses": "actions/setup-python@v6",
            "with": {"python-version": "3.12"},
        }
        assert not any(s.get("uses", "").startswith(ACTION_REPOSITORY) for s in steps)
        _actionlint(target / ".github/workflows" / name)


def _actionlint(path: Path) -> None:
    actionlint = tool("actionlint")
    assert actionlint, "actionlint is missing: install the test extras"
    result = subprocess.run(
        [actionlint, "-no-color", "-oneline", f"-shellcheck={tool('shellcheck') or ''}", str(path)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_init_default_schedule_is_hourly(tmp_path: Path):
    assert cli("init", str(tmp_path / "s"), "--now", NOW_TEXT).exit_code == 0
    data = load(tmp_path / "s/.github/workflows/deadlines.yml")
    assert data["on"]["schedule"] == [{"cron": "7 * * * *"}]


def test_init_asks_the_schedule_on_a_terminal(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(cli_module, "_interactive", lambda: True)
    result = cli("init", str(tmp_path / "s"), "--now", NOW_TEXT, input="daily\n\n")
    assert result.exit_code == 0, result.output
    assert "720 min/month" in result.output and "2,880 min/month" in result.output
    assert load(tmp_path / "s/.github/workflows/deadlines.yml")["on"]["schedule"] == [
        {"cron": "7 6 * * *"}
    ]


def test_deadline_schedule_off_keeps_push_only(tmp_path: Path):
    text = set_deadline_schedule((SHIPPED / "deadlines.yml").read_text(), "off")
    path = tmp_path / "deadlines.yml"
    path.write_text(text)
    on = load(path)["on"]
    assert "schedule" not in on and "push" in on
    actionlint = tool("actionlint")
    if actionlint:
        assert (
            subprocess.run(
                [actionlint, "-shellcheck=", "-pyflakes=", str(path)], capture_output=True
            ).returncode
            == 0
        )
    for name in DEADLINE_SCHEDULES:
        assert yaml.safe_load(set_deadline_schedule((SHIPPED / "deadlines.yml").read_text(), name))


# -- the exact shell steps of publish.yml -------------------------------------------


class StepRunner:
    """Runs the ``run:`` steps of one job as GitHub's runner would: bash -e -o
    pipefail, the workflow's, job's and step's env, step outputs through
    $GITHUB_OUTPUT. Every ``${{ }}`` expression must be known here, so a new
    one in a workflow makes this test fail until it is taught."""

    def __init__(
        self,
        workflow: Path,
        job: str,
        workspace: Path,
        *,
        event: str,
        context: Mapping[str, str],
        path: str = "",
    ):
        self.data = load(workflow)
        self.job = self.data["jobs"][job]
        self.workspace = workspace
        self.event = event
        self.context = dict(context)
        self.outputs: dict[str, dict[str, str]] = {}
        self.path = path
        self.temp = workspace.parent / "runner-temp"
        self.temp.mkdir(exist_ok=True)
        self.summary = self.temp / "summary.md"
        self.ran: list[str] = []

    def value(self, expr: str) -> str:
        expr = expr.strip()
        match = re.fullmatch(r"steps\.(\w+)\.outputs\.(\w+)", expr)
        if match:
            return self.outputs.get(match[1], {}).get(match[2], "")
        match = re.fullmatch(r"(vars\.\w+) != '' && '([^']*)' \|\| '([^']*)'", expr)
        if match:
            return match[2] if self.context.get(match[1]) else match[3]
        if expr in self.context:
            return self.context[expr]
        raise AssertionError(f"the test does not know the expression ${{{{ {expr} }}}}")

    def expand(self, text: object) -> str:
        return re.sub(r"\$\{\{(.*?)\}\}", lambda m: self.value(m[1]), str(text))

    def condition(self, expr: str) -> bool:
        expr = expr.strip()
        match = re.fullmatch(r"steps\.(\w+)\.outputs\.(\w+) (==|!=) '([^']*)'", expr)
        if match:
            equal = self.outputs.get(match[1], {}).get(match[2], "") == match[4]
            return equal if match[3] == "==" else not equal
        match = re.fullmatch(r"github\.event_name (==|!=) '(\w+)'", expr)
        if match:
            return (self.event == match[2]) == (match[1] == "==")
        match = re.fullmatch(r"github\.event_name != 'schedule' \|\| (.*)", expr)
        if match:
            return self.event != "schedule" or self.condition(match[1])
        match = re.fullmatch(r"env\.(\w+) != ''", expr)
        if match:
            return bool(self.env_for({}).get(match[1]))
        raise AssertionError(f"the test does not know the condition {expr!r}")

    def env_for(self, step: Mapping) -> dict[str, str]:
        env: dict[str, str] = {}
        for scope in (self.data.get("env", {}), self.job.get("env", {}), step.get("env", {})):
            for key, raw in scope.items():
                env[key] = self.expand(raw)
        return env

    def run(
        self, *, skip: tuple[str, ...] = ("Install Clarion",), only: tuple[str, ...] | None = None
    ) -> None:
        for step in self.job["steps"]:
            if "run" not in step or step.get("name") in skip:
                continue
            if only is not None and step.get("name") not in only:
                continue
            if "if" in step and not self.condition(step["if"]):
                continue
            output = self.temp / f"output-{len(self.ran)}"
            output.write_text("")
            env = {
                **os.environ,
                **self.env_for(step),
                "GITHUB_OUTPUT": str(output),
                "GITHUB_STEP_SUMMARY": str(self.summary),
                "GITHUB_REPOSITORY": "acme/status",
                "RUNNER_TEMP": str(self.temp),
                "PATH": self.path + os.environ.get("PATH", ""),
            }
            env.pop("CLARION_REPO_VISIBILITY", None)
            result = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                cwd=self.workspace,
                env=env,
                capture_output=True,
                text=True,
            )
            assert result.returncode == 0, (
                f"step {step.get('name')!r} failed:\n{result.stdout}\n{result.stderr}"
            )
            self.ran.append(step.get("name", step["run"][:30]))
            if "id" in step:
                pairs = [
                    line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
                ]
                self.outputs[step["id"]] = dict(pairs)


def _tools_path() -> str:
    """This Python's scripts first, so `clarion` is the Clarion under test."""
    return (
        os.pathsep.join(
            {str(Path(sysconfig.get_path("scripts"))): 1, str(Path(sys.executable).parent): 1}
        )
        + os.pathsep
    )


def _init_site(tmp_path: Path) -> Path:
    site = tmp_path / "workspace"
    result = cli(
        "init",
        str(site),
        "--now",
        (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%MZ"),
    )
    assert result.exit_code == 0, result.output
    return site


GITHUB_CONTEXT = {
    "github.event.repository.visibility": "private",
    "github.token": "not-a-token",
    "github.repository": "acme/status",
    "vars.CLARION_SITE_REPOSITORY": "",
}


def test_publish_steps_build_a_deployable_site(tmp_path: Path):
    site = _init_site(tmp_path)
    runner = StepRunner(
        site / ".github/workflows/publish.yml",
        "build",
        site,
        event="push",
        context=GITHUB_CONTEXT,
        path=_tools_path(),
    )
    runner.run()
    assert runner.ran == [
        "Repository visibility",
        "Check content and deadlines",
        "Build",
        "Has the page changed?",
        "The page subscribers saw last",
    ]
    assert runner.outputs["repo"]["visibility"] == "private"
    # a site without [[announce]] channels reads no live page
    assert not (site / ".clarion-previous").exists()
    page = runner.outputs["page"]
    assert page["changed"] == "true" and page["public_digest"].startswith("sha256:")
    assert page["public_digest"] == public_digest(site / "public")
    # what upload-pages-artifact would take: a folder with the pages, no links,
    # nothing of the private folder
    public = site / "public"
    assert (public / "index.html").is_file() and (public / "404.html").is_file()
    assert (public / "api/v2/summary.json").is_file()
    files = [p for p in public.rglob("*")]
    assert not any(p.is_symlink() for p in files)
    private_names = {p.name for p in (site / "private").rglob("*") if p.is_file()}
    assert "deadlines.json" in private_names
    assert not any(p.name in {"deadlines.json", "deadlines.html", "deadlines.ics"} for p in files)
    assert "Next change:" in runner.summary.read_text()

    # the next scheduled run: the same page as deployed -> no deploy
    (site / ".clarion-deployed").mkdir()
    (site / ".clarion-deployed/digest").write_text(page["public_digest"] + "\n")
    scheduled = StepRunner(
        site / ".github/workflows/publish.yml",
        "build",
        site,
        event="schedule",
        context=GITHUB_CONTEXT,
        path=_tools_path(),
    )
    scheduled.run()
    assert scheduled.outputs["page"]["changed"] == "false"
    assert scheduled.outputs["page"]["public_digest"] == page["public_digest"]


def test_publish_check_step_fails_on_invalid_content_only(tmp_path: Path):
    site = _init_site(tmp_path)
    context = {**GITHUB_CONTEXT, "github.event.repository.visibility": "public"}
    runner = StepRunner(
        site / ".github/workflows/publish.yml",
        "build",
        site,
        event="push",
        context=context,
        path=_tools_path(),
    )
    # an incident overdue on its customer email: annotations, no failure
    _write_overdue_incident(site)
    runner.run(only=("Repository visibility", "Check content and deadlines"))
    # a notice in a public repository: exit 2 fails the step
    (site / "comms/2026-11-27-api-errors").mkdir(parents=True, exist_ok=True)
    (site / "comms/2026-11-27-api-errors/customer-ack.md").write_text(
        "---\nrule: customer-ack\nto: [customers@example.com]\nsubject: x\n---\nHello\n"
    )
    with pytest.raises(AssertionError, match="Check content and deadlines"):
        runner.run(only=("Check content and deadlines",))


def _write_overdue_incident(
    site: Path, *, slug: str = "2026-11-27-api-errors", hours_ago: int = 3, resolved: bool = False
) -> str:
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    declared = now - timedelta(hours=hours_ago)
    text = textwrap.dedent(
        f"""\
        ---
        title: API errors
        severity: SEV1
        components:
          api: partial_outage
        declared: {declared:%Y-%m-%dT%H:%M:%SZ}
        customers_affected: true
        ---
        ## {declared:%Y-%m-%d %H:%M} UTC · Investigating
        Some API requests fail. We are investigating.
        """
    )
    if resolved:
        text += f"\n## {declared + timedelta(minutes=20):%Y-%m-%d %H:%M} UTC · Resolved\nFixed.\n"
    (site / f"updates/{slug}.md").write_text(text)
    return slug


# -- the exact shell steps of deadlines.yml, with a fake gh -------------------------

FAKE_GH = r'''#!/usr/bin/env python3
"""A stand-in for gh: logs each call, keeps issues in a JSON file."""
import json, os, sys
state_path = os.environ["FAKE_GH_STATE"]
with open(state_path) as f:
    state = json.load(f)
args = sys.argv[1:]
state["calls"].append(args)
def opt(name):
    return args[args.index(name) + 1] if name in args else None
if args[:2] == ["issue", "list"]:
    shown = [{k: i[k] for k in ("number", "title", "body")} for i in state["issues"] if i["open"]]
    print(json.dumps(shown))
elif args[:2] == ["issue", "create"]:
    number = 1 + max([i["number"] for i in state["issues"]], default=0)
    state["issues"].append({"number": number, "title": opt("--title"), "body": sys.stdin.read(),
                            "open": True, "comments": []})
elif args[:2] == ["issue", "edit"]:
    issue = next(i for i in state["issues"] if i["number"] == int(args[2]))
    issue["title"], issue["body"] = opt("--title"), sys.stdin.read()
elif args[:2] == ["issue", "comment"]:
    issue = next(i for i in state["issues"] if i["number"] == int(args[2]))
    issue["comments"].append(sys.stdin.read())
elif args[:2] == ["issue", "close"]:
    issue = next(i for i in state["issues"] if i["number"] == int(args[2]))
    issue["open"] = False
    issue["comments"].append(opt("--comment"))
elif args[:2] == ["api", f"repos/{os.environ['GITHUB_REPOSITORY']}"]:
    print(state["visibility"])
with open(state_path, "w") as f:
    json.dump(state, f)
'''


@pytest.fixture
def fake_gh(tmp_path: Path):
    assert shutil.which("jq"), "jq is missing: .ci/run installs it (GitHub's runners have it)"
    folder = tmp_path / "fake-bin"
    folder.mkdir()
    gh = folder / "gh"
    gh.write_text(FAKE_GH.replace("#!/usr/bin/env python3", f"#!{sys.executable}", 1))
    gh.chmod(0o755)
    state = tmp_path / "gh-state.json"
    state.write_text(json.dumps({"calls": [], "issues": [], "visibility": "private"}))
    os.environ["FAKE_GH_STATE"] = str(state)
    yield folder, state
    os.environ.pop("FAKE_GH_STATE", None)


def _state(path: Path) -> dict:
    return json.loads(path.read_text())


def test_deadlines_steps_open_update_and_close_one_issue_per_incident(tmp_path: Path, fake_gh):
    folder, state_path = fake_gh
    site = _init_site(tmp_path)
    slug = _write_overdue_incident(site)
    # scheduled runs carry no repository: the visibility comes from the API
    context = {**GITHUB_CONTEXT, "github.event.repository.visibility": ""}

    def run() -> None:
        runner = StepRunner(
            site / ".github/workflows/deadlines.yml",
            "deadlines",
            site,
            event="schedule",
            context=context,
            path=str(folder) + os.pathsep + _tools_path(),
        )
        runner.run()
        assert runner.outputs["repo"]["visibility"] == "private"

    run()
    state = _state(state_path)
    (issue,) = state["issues"]
    assert issue["open"] and issue["title"] == f"Deadlines: API errors ({slug})"
    assert "customer-ack" in issue["body"] and "**overdue**" in issue["body"]
    assert [
        "label",
        "create",
        "clarion-deadlines",
        "--color",
        "D93F0B",
        "--force",
        "--description",
        "Deadline reminders written by Clarion",
    ] in state["calls"]

    # unchanged state: the next run changes nothing
    calls = len(state["calls"])
    run()
    state = _state(state_path)
    assert [c[:2] for c in state["calls"][calls:] if c[0] != "api"] == [
        ["label", "create"],
        ["issue", "list"],
    ]

    # the customer email went out and the incident is resolved with its postmortem: closed
    _write_overdue_incident(site, slug=slug, resolved=True)
    assert cli("sent", slug, "customer-ack", "--source", str(site)).exit_code == 0
    assert cli("sent", slug, "customer-resolution", "--source", str(site)).exit_code == 0
    with (site / f"updates/{slug}.md").open("a") as f:
        f.write(
            f"\n## {datetime.now(UTC) - timedelta(minutes=5):%Y-%m-%d %H:%M} "
            f"UTC · Postmortem\nWhat happened.\n"
        )
    run()
    (issue,) = _state(state_path)["issues"]
    assert not issue["open"] and "needs action" in issue["comments"][-1]


def test_deadlines_steps_in_the_private_comms_repository_of_a_split_set_up(tmp_path: Path, fake_gh):
    """The private repository holds comms/; the public site is checked out
    into .clarion-site beside it (CLARION_SITE_REPOSITORY is set)."""
    folder, state_path = fake_gh
    site = _init_site(tmp_path)
    slug = _write_overdue_incident(site)
    toml = site / "site_src/site.toml"
    toml.write_text(toml.read_text() + '\n[paths]\ncomms = "../status-comms/comms"\n')
    workspace = tmp_path / "status-comms"
    shutil.copytree(site / ".github", workspace / ".github")
    shutil.move(str(site), str(workspace / ".clarion-site"))
    notice = workspace / "comms" / slug / "customer-ack.md"
    notice.parent.mkdir(parents=True)
    notice.write_text(
        "---\nrule: customer-ack\nto: [customers@example.com]\nsubject: Sorry\n"
        f"sent: {datetime.now(UTC) - timedelta(hours=2, minutes=45):%Y-%m-%dT%H:%M:%SZ}\n"
        "---\nHello\n"
    )
    context = {**GITHUB_CONTEXT, "vars.CLARION_SITE_REPOSITORY": "acme/status"}
    runner = StepRunner(
        workspace / ".github/workflows/deadlines.yml",
        "deadlines",
        workspace,
        event="schedule",
        context=context,
        path=str(folder) + os.pathsep + _tools_path(),
    )
    runner.run()
    (issue,) = _state(state_path)["issues"]
    assert (
        "| met | `customer-ack` |" in issue["body"]
    )  # the notice in this repository's comms/ was read
    assert "| **overdue** | `update-cadence` |" in issue["body"]


def test_deadlines_steps_write_no_issue_in_a_public_repository(tmp_path: Path, fake_gh):
    folder, state_path = fake_gh
    site = _init_site(tmp_path)
    _write_overdue_incident(site)
    context = {**GITHUB_CONTEXT, "github.event.repository.visibility": "public"}
    runner = StepRunner(
        site / ".github/workflows/deadlines.yml",
        "deadlines",
        site,
        event="push",
        context=context,
        path=str(folder) + os.pathsep + _tools_path(),
    )
    runner.run()
    assert "Open, update or close reminder issues" not in runner.ran
    assert _state(state_path)["calls"] == []


# -- clarion check --format reminders -----------------------------------------------

INCIDENT = """\
---
title: API errors
severity: SEV1
components:
  api: partial_outage
declared: 2026-11-27T09:00:00Z
customers_affected: true
---
## 2026-11-27 09:00 UTC · Investigating
Some API requests fail.
"""


def _report(root: Path, *, now: datetime = NOW, window: timedelta | None = timedelta(hours=24)):
    return run_check(load_config(root), now, warn_within=window)


def test_reminder_created_for_an_overdue_incident(site_factory):
    root = site_factory({"updates/2026-11-27-api-errors.md": INCIDENT})
    (action,) = [
        a for a in plan_reminders(_report(root), []) if a.incident == "2026-11-27-api-errors"
    ]
    assert action.action == "create" and action.number is None
    assert action.title == "Deadlines: API errors (2026-11-27-api-errors)"
    body = action.body
    assert body.startswith("<!-- clarion-reminder incident=2026-11-27-api-errors -->\n")
    assert "| **overdue** | `customer-ack` |" in body
    assert "due (Europe/Berlin)" in body and "clarion sent 2026-11-27-api-errors RULE" in body
    assert OpenIssue(7, action.title, body).incident == "2026-11-27-api-errors"
    assert (
        OpenIssue(7, action.title, body).alerted["2026-11-27-api-errors/customer-ack"] == "overdue"
    )


def test_reminder_not_created_when_nothing_is_due_soon(site_factory):
    resolved = INCIDENT.replace("severity: SEV1", "severity: SEV3").replace(
        "customers_affected: true", "customers_affected: false"
    )
    resolved += "\n## 2026-11-27 09:30 UTC · Resolved\nFixed.\n"
    root = site_factory({"updates/2026-11-27-api-errors.md": resolved})
    assert plan_reminders(_report(root), []) == []


def test_reminder_unchanged_state_changes_nothing_and_later_runs_agree(site_factory):
    root = site_factory({"updates/2026-11-27-api-errors.md": INCIDENT})
    (created,) = plan_reminders(_report(root), [])
    issue = OpenIssue(3, created.title, created.body)
    assert plan_reminders(_report(root), [issue]) == []
    # an hour later nothing changed state: no edit, no comment (no "time left" in the body)
    assert plan_reminders(_report(root, now=NOW + timedelta(hours=1)), [issue]) == []
    # GitHub may give the body back with CRLF and without the last newline
    assert (
        plan_reminders(
            _report(root), [OpenIssue(3, created.title, created.body.replace("\n", "\r\n").strip())]
        )
        == []
    )


def test_reminder_comment_when_an_item_becomes_overdue(site_factory):
    root = site_factory({"updates/2026-11-27-api-errors.md": INCIDENT})
    # at 09:20 the next update (due 09:30) and the customer email (due 10:00) are due soon
    early = _report(root, now=datetime(2026, 11, 27, 9, 20, tzinfo=UTC))
    (created,) = plan_reminders(early, [])
    assert "**due soon**" in created.body and "**overdue**" not in created.body
    later = plan_reminders(
        _report(root, now=datetime(2026, 11, 27, 10, 30, tzinfo=UTC)),
        [OpenIssue(4, created.title, created.body)],
    )
    assert [a.action for a in later] == ["update", "comment"]
    assert all(a.number == 4 for a in later)
    assert "**overdue**: `customer-ack`" in later[1].body


def test_reminder_closed_when_everything_is_met(site_factory):
    root = site_factory({"updates/2026-11-27-api-errors.md": INCIDENT})
    (created,) = plan_reminders(_report(root), [])
    settled = INCIDENT.replace("severity: SEV1", "severity: SEV3").replace(
        "customers_affected: true", "customers_affected: false"
    )
    settled += "\n## 2026-11-27 09:30 UTC · Resolved\nFixed.\n"
    (root / "updates/2026-11-27-api-errors.md").write_text(settled)
    (action,) = plan_reminders(_report(root), [OpenIssue(5, created.title, created.body)])
    assert action.action == "close" and action.number == 5
    assert "needs action" in action.body


def test_reminder_duplicates_and_vanished_incidents_are_closed(site_factory):
    root = site_factory({"updates/2026-11-27-api-errors.md": INCIDENT})
    (created,) = plan_reminders(_report(root), [])
    issues = [
        OpenIssue(5, created.title, created.body),
        OpenIssue(9, created.title, created.body),
        OpenIssue(11, "Deadlines: gone", "<!-- clarion-reminder incident=2026-01-01-renamed -->\n"),
        OpenIssue(12, "A human's issue with our label", "no marker"),
    ]
    actions = plan_reminders(_report(root), issues)
    assert [(a.action, a.number) for a in actions] == [("close", 11), ("close", 9)]
    assert "#5" in actions[1].body and "no longer in the site" in actions[0].body


def test_reminders_cli_json(site_factory, tmp_path: Path):
    root = site_factory({"updates/2026-11-27-api-errors.md": INCIDENT})
    issues = tmp_path / "open.json"
    issues.write_text("[]")
    result = cli(
        "check",
        "--source",
        str(root),
        "--now",
        NOW_TEXT,
        "--format",
        "reminders",
        "--warn-within",
        "PT24H",
        "--repo-visibility",
        "private",
        "--open-issues",
        str(issues),
    )
    assert result.exit_code == 1  # something overdue, as for every format
    data = json.loads(result.stdout)
    assert data["withheld"] is False and data["label"] == "clarion-deadlines"
    (action,) = data["actions"]
    assert action["action"] == "create" and action["incident"] == "2026-11-27-api-errors"
    assert set(action) == {"action", "incident", "title", "body", "number"}


def test_reminders_are_never_written_for_a_public_repository(site_factory):
    root = site_factory({"updates/2026-11-27-api-errors.md": INCIDENT})
    result = cli(
        "check",
        "--source",
        str(root),
        "--now",
        NOW_TEXT,
        "--format",
        "reminders",
        "--repo-visibility",
        "public",
    )
    data = json.loads(result.stdout)
    assert data["withheld"] is True and data["actions"] == []
    assert "no reminder issues" in result.stderr


def test_reminders_need_the_visibility(site_factory):
    root = site_factory({"updates/2026-11-27-api-errors.md": INCIDENT})
    result = cli("check", "--source", str(root), "--now", NOW_TEXT, "--format", "reminders")
    assert result.exit_code == 2 and "--repo-visibility" in result.stderr


def test_open_issues_must_be_gh_json():
    assert parse_open_issues("") == []
    assert [
        i.number
        for i in parse_open_issues('[{"number": 3, "title": "t", "body": null}, {"number": 1}]')
    ] == [1, 3]
    for bad in ("{", '{"number": 1}', '[{"title": "x"}]'):
        with pytest.raises(Exception, match="--open-issues"):
            parse_open_issues(bad)


# -- clarion check --repo-visibility public -----------------------------------------

PRIVATE_FILES = {
    "updates/2026-11-20-breach.md": """\
        ---
        title: Export files
        severity: SEV2
        components:
          api: degraded_performance
        declared: 2026-11-20T14:00:00Z
        breach:
          aware: 2026-11-20T16:00:00Z
        private: Internal notes
        ---
        ## 2026-11-20 14:00 UTC · Resolved
        Fixed.
        """,
    "updates/2026-11-21-hidden.md": """\
        ---
        title: Hidden
        severity: SEV3
        public: false
        declared: 2026-11-21T10:00:00Z
        ---
        ## 2026-11-21 10:00 UTC · Resolved
        Fixed.
        """,
    "comms/2026-11-20-breach/customer-ack.md": """\
        ---
        rule: customer-ack
        to: [customers]
        subject: About the export files
        ---
        Dear customer,
        """,
    "comms/README.md": "Notices live here.\n",
}


def test_public_repository_fails_while_private_items_sit_in_it(site_factory):
    root = site_factory(PRIVATE_FILES)
    result = cli("check", "--source", str(root), "--now", NOW_TEXT, "--repo-visibility", "public")
    assert result.exit_code == 2
    err = result.stderr
    assert (
        "updates/2026-11-20-breach.md:7: error: public "
        "repository: a 'breach:' block is readable by anyone here" in err
    )
    assert "updates/2026-11-20-breach.md:9: error: public repository: a 'private:' field" in err
    assert "updates/2026-11-21-hidden.md:4: error: public repository: a 'public: false' file" in err
    assert "comms/2026-11-20-breach/customer-ack.md:1: error: public repository: a notice" in err
    assert "README" not in err
    assert "hint: move the block into comms/<slug>/breach.yml in a private repository" in err


def test_public_repository_github_annotations_and_alias(site_factory):
    root = site_factory(PRIVATE_FILES)
    result = cli(
        "check", "--source", str(root), "--now", NOW_TEXT, "--public-repo", "--format", "github"
    )
    assert result.exit_code == 2
    assert (
        "::error file=updates/2026-11-20-breach.md,line=7,title=Clarion "
        "error::public repository: a 'breach:' block" in result.stdout
    )
    env = cli(
        "check", "--source", str(root), "--now", NOW_TEXT, env={"CLARION_REPO_VISIBILITY": "public"}
    )
    assert env.exit_code == 2


@pytest.mark.parametrize("visibility", ["private", "internal"])
def test_private_repositories_may_hold_comms(site_factory, visibility: str):
    root = site_factory(PRIVATE_FILES)
    result = cli("check", "--source", str(root), "--now", NOW_TEXT, "--repo-visibility", visibility)
    assert result.exit_code in (0, 1, 4), result.output
    assert "public repository" not in result.output


def test_fictional_site_is_exempt_and_says_so(site_factory):
    from tests.conftest import MINIMAL_TOML

    toml = MINIMAL_TOML.replace(
        'timezone = "Europe/Berlin"',
        'timezone = "Europe/Berlin"\nfictional = true\nnow = "2026-11-27T12:00:00Z"',
    )
    root = site_factory(PRIVATE_FILES, toml=toml)
    result = cli("check", "--source", str(root), "--repo-visibility", "public")
    assert result.exit_code in (0, 1, 4), result.output
    assert (
        "fictional" in result.stderr
        and "exempt" in result.stderr
        and "4 private items" in result.stderr
    )
    github = cli(
        "check", "--source", str(root), "--repo-visibility", "public", "--format", "github"
    )
    assert github.stdout.startswith(
        "::notice title=Clarion%3A public repository::public repository: the site is fictional"
    )


def test_the_example_site_is_exempt():
    result = cli(
        "check", "--source", str(REPO), "--repo-visibility", "public", "--format", "github"
    )
    assert result.exit_code in (0, 1, 4)
    assert "exempt" in result.stdout


def test_comms_in_a_separate_private_checkout(site_factory, tmp_path: Path):
    """The safe set-up: public site repository, comms in a second repository."""
    files = {k: v for k, v in PRIVATE_FILES.items() if k.startswith("updates/2026-11-20")}
    files["updates/2026-11-20-breach.md"] = files["updates/2026-11-20-breach.md"].replace(
        "        breach:\n          aware: 2026-11-20T16:00:00Z\n        private: Internal notes\n",
        "",
    )
    root = site_factory(files)
    (root / ".git").mkdir()  # the site's repository
    comms = tmp_path / "status-comms"
    (comms / ".git").mkdir(parents=True)  # a second repository, checked out beside it
    (comms / "2026-11-20-breach").mkdir()
    (comms / "2026-11-20-breach/breach.yml").write_text(
        "aware: 2026-11-20T16:00:00Z\nrules: [gdpr-art33-authority]\n"
    )
    (comms / "2026-11-20-breach/customer-ack.md").write_text(
        textwrap.dedent(PRIVATE_FILES["comms/2026-11-20-breach/customer-ack.md"])
    )
    toml = (root / "site_src/site.toml").read_text() + '\n[paths]\ncomms = "../status-comms"\n'
    (root / "site_src/site.toml").write_text(toml)
    result = cli(
        "check",
        "--source",
        str(root),
        "--now",
        NOW_TEXT,
        "--repo-visibility",
        "public",
        "--format",
        "json",
    )
    assert result.exit_code in (0, 1, 4), result.output
    rules = {o["rule"] for o in json.loads(result.stdout)["obligations"]}
    assert "gdpr-art33-authority" in rules  # the sidecar in the private checkout was read
    # the same folder inside the site's repository would be public
    (comms / ".git").rmdir()
    shutil.move(str(comms), str(root / "status-comms"))
    (root / "site_src/site.toml").write_text(toml.replace("../status-comms", "status-comms"))
    result = cli("check", "--source", str(root), "--now", NOW_TEXT, "--repo-visibility", "public")
    assert result.exit_code == 2
    assert (
        "status-comms/2026-11-20-breach/breach.yml:1: error: public repository: a breach sidecar"
        in result.stderr
    )


def test_comms_option_reads_another_folder(site_factory, tmp_path: Path):
    root = site_factory({"updates/2026-11-27-api-errors.md": INCIDENT})
    comms = tmp_path / "checkout/comms"
    (comms / "2026-11-27-api-errors").mkdir(parents=True)
    (comms / "2026-11-27-api-errors/customer-ack.md").write_text(
        "---\nrule: customer-ack\nto: [customers]\nsubject: "
        "Sorry\nsent: 2026-11-27T09:30:00Z\n---\nHello\n"
    )

    def state(*extra: str, env: Mapping[str, str] | None = None) -> str:
        result = cli(
            "check", "--source", str(root), "--now", NOW_TEXT, "--format", "json", *extra, env=env
        )
        return next(
            o["state"]
            for o in json.loads(result.stdout)["obligations"]
            if o["rule"] == "customer-ack"
        )

    assert state() == "overdue"
    assert state("--comms", str(comms)) == "met"
    assert state(env={"CLARION_COMMS": str(comms)}) == "met"
    assert state(env={"CLARION_COMMS": ""}) == "overdue"  # empty: as site.toml says
    missing = cli("check", "--source", str(root), "--comms", str(tmp_path / "nope"))
    assert missing.exit_code == 2 and "--comms" in missing.stderr


# -- clarion next-change ------------------------------------------------------------

MAINTENANCE = """\
---
title: Database upgrade
kind: maintenance
components: [api]
window: {start: 2026-11-27T15:00:00Z, end: 2026-11-27T17:00:00Z}
---
## 2026-11-25 10:00 UTC · Scheduled
We will upgrade the database.
"""


def test_next_change_is_the_maintenance_window(site_factory):
    root = site_factory({"updates/2026-11-27-database-upgrade.md": MAINTENANCE})
    result = cli("next-change", "--source", str(root), "--now", NOW_TEXT, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (
        data["next_change_at"] == "2026-11-27T15:00:00Z" and data["reason"] == "maintenance_starts"
    )
    assert data["incident"] == "2026-11-27-database-upgrade" and data["seconds_until"] == 3 * 3600
    assert data["public_digest"] is None and data["continuous"] is False and "changed" not in data
    during = json.loads(
        cli(
            "next-change",
            "--source",
            str(root),
            "--now",
            "2026-11-27T16:00:00Z",
            "--format",
            "json",
        ).stdout
    )
    assert (during["next_change_at"], during["reason"]) == (
        "2026-11-27T17:00:00Z",
        "maintenance_ends",
    )
    # after the window: the next midnight in Europe/Berlin
    after = json.loads(
        cli(
            "next-change",
            "--source",
            str(root),
            "--now",
            "2026-11-27T18:00:00Z",
            "--format",
            "json",
        ).stdout
    )
    assert (after["next_change_at"], after["reason"]) == ("2026-11-27T23:00:00Z", "new_day")


def test_next_change_github_output_and_text(site_factory):
    root = site_factory({"updates/2026-11-27-database-upgrade.md": MAINTENANCE})
    assert cli("build", "--source", str(root), "--now", NOW_TEXT).exit_code == 0
    digest = public_digest(root / "public")
    out = cli(
        "next-change",
        "--source",
        str(root),
        "--now",
        NOW_TEXT,
        "--format",
        "github",
        "--deployed-digest",
        digest,
    ).stdout
    lines = dict(line.split("=", 1) for line in out.splitlines())
    assert lines["next_change_at"] == "2026-11-27T15:00:00Z" and lines["changed"] == "false"
    assert lines["public_digest"] == digest and lines["continuous"] == "false"
    assert (
        lines["description"]
        == "the maintenance window of 'Database upgrade' (2026-11-27-database-upgrade) opens"
    )
    changed = cli(
        "next-change",
        "--source",
        str(root),
        "--now",
        NOW_TEXT,
        "--format",
        "github",
        "--deployed-digest",
        "",
    )
    assert "changed=true" in changed.stdout
    text = cli(
        "next-change", "--source", str(root), "--now", NOW_TEXT, "--deployed-digest", digest
    ).stdout
    assert "Next change: 2026-11-27 15:00 UTC (in 3 h): the maintenance window" in text
    assert "the same: nothing to deploy" in text


def test_the_page_changes_only_when_the_state_does(site_factory, tmp_path: Path):
    """What makes comparing digests a sound deploy test: builds at two times
    with the same state give the same bytes; a window opening changes them."""
    root = site_factory({"updates/2026-11-27-database-upgrade.md": MAINTENANCE})

    def digest(at: str) -> str:
        out = tmp_path / at.replace(":", "")
        assert (
            cli(
                "build", "--source", str(root), "--now", at, "--out", str(out), "--no-cache"
            ).exit_code
            == 0
        )
        return public_digest(out) or ""

    assert digest("2026-11-27T12:00:00Z") == digest("2026-11-27T14:50:00Z")
    assert digest("2026-11-27T14:50:00Z") != digest("2026-11-27T15:10:00Z")  # the window opened
    assert digest("2026-11-27T17:10:00Z") != digest("2026-11-27T23:10:00Z")  # a new day in Berlin


def test_next_change_of_an_update_written_ahead(site_factory):
    ahead = INCIDENT + "\n## 2026-11-27 13:30 UTC · Resolved\nFixed.\n"
    root = site_factory({"updates/2026-11-27-api-errors.md": ahead})
    config = load_config(root)
    from clarion.derive import derive_state
    from clarion.load import load_site

    state = derive_state(config, load_site(config).incidents, NOW)
    change = next_change(state, config.timezone)
    assert (change.at, change.kind, change.slug) == (
        datetime(2026, 11, 27, 13, 30, tzinfo=UTC),
        "update_due",
        "2026-11-27-api-errors",
    )


def test_public_digest_covers_names_and_bytes(tmp_path: Path):
    assert public_digest(tmp_path / "missing") is None
    (tmp_path / "a").mkdir()
    (tmp_path / "a/x.html").write_text("x")
    first = public_digest(tmp_path / "a")
    (tmp_path / "a/x.html").rename(tmp_path / "a/y.html")
    assert public_digest(tmp_path / "a") != first
    (tmp_path / "a/y.html").rename(tmp_path / "a/x.html")
    assert public_digest(tmp_path / "a") == first


# -- the announce job's shell steps --------------------------------------------------


def test_announce_job_sends_once_and_keeps_the_record_for_the_next_run(tmp_path: Path):
    import tarfile

    from tests.receivers import http_receiver

    site = _init_site(tmp_path)
    with (site / "site_src/site.toml").open("a") as toml:
        toml.write('\n[[announce]]\nkind = "slack"\nurl_env = "SLACK_WEBHOOK_URL"\n')
    assert cli("build", "--source", str(site)).exit_code == 0
    shutil.copytree(site / "public", site / ".clarion-previous")  # what the build job saved
    (site / "updates/2026-01-01-new-errors.md").write_text(
        "---\ntitle: New errors\nseverity: SEV2\ncomponents: {api: partial_outage}\n---\n"
        "## 2026-01-01 10:00 UTC · Investigating\nLooking.\n"
    )
    assert cli("build", "--source", str(site)).exit_code == 0
    pages = tmp_path / "runner-temp/pages"
    pages.mkdir(parents=True)
    # what upload-pages-artifact makes (tar --dereference: public/ is Clarion's link)
    with tarfile.open(pages / "artifact.tar", "w", dereference=True) as tar:
        tar.add(site / "public", arcname=".")
    (site / "public").unlink()  # the announce job starts from a fresh checkout
    with http_receiver() as web:
        secrets = {
            f"secrets.{name}": ""
            for name in ("TEAMS_WEBHOOK_URL", "DISCORD_WEBHOOK_URL", "STATUS_WEBHOOK_URL",
                         "STATUS_WEBHOOK_SECRET", "SMTP_URL")
        }  # fmt: skip
        secrets["secrets.SLACK_WEBHOOK_URL"] = web.url + "/slack"
        for attempt in (1, 2):  # the second is a re-run of the job
            if attempt == 2:
                shutil.rmtree(site / "public")
            runner = StepRunner(
                site / ".github/workflows/publish.yml",
                "announce",
                site,
                event="push",
                context={**GITHUB_CONTEXT, **secrets},
                path=_tools_path(),
            )
            runner.run()
            assert runner.ran == ["Announce"]  # and not "Report undelivered messages"
            assert runner.outputs["announce"]["status"] == "0"
            assert len(web.requests) == 1
    record = json.loads((site / ".clarion-announced/announced.json").read_text())
    (entry,) = record["changes"].values()
    assert entry == {"delivered": ["slack"], "pending": []}


def _runs_per_day(cron: str) -> int:
    """Runs a day of the cron forms the workflows use (no day-of-month or
    weekday restrictions)."""
    minute, hour, day, month, weekday = cron.split()
    assert (day, month, weekday) == ("*", "*", "*"), cron
    minutes = len(minute.split(","))
    if hour == "*":
        hours = 24
    elif hour.startswith("*/"):
        hours = 24 // int(hour[2:])
    else:
        hours = len(hour.split(","))
    return minutes * hours


def test_default_schedules_fit_github_free():
    """The default publish and deadline schedules stay within GitHub Free's
    2,000 private-repository minutes a month (each scheduled run bills one
    minute; about 60 deploys of changed pages add two minutes each: build,
    deploy, announce), and the docs state the arithmetic."""
    publish = sum(_runs_per_day(s["cron"]) for s in load(SHIPPED / "publish.yml")["on"]["schedule"])
    deadlines = sum(
        _runs_per_day(s["cron"]) for s in load(SHIPPED / "deadlines.yml")["on"]["schedule"]
    )
    assert (publish, deadlines) == (24, DEADLINE_SCHEDULES["hourly"].runs_per_day)
    deploys = 60 * 2
    total = (publish + deadlines) * 30 + deploys
    assert total <= 2000 - 400, "room is left for pushes"
    docs = (REPO / "docs/publishing.md").read_text()
    assert f"**about {total:,} of 2,000**" in docs
    assert f"about {publish * 30:,}, plus about {deploys}" in docs
    assert f"about {total:,} of GitHub Free's 2,000" in (SHIPPED / "publish.yml").read_text()
