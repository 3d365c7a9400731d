"""The first push publishes: every ``run:`` step of the workflows ``clarion
init`` writes, and of Clarion's action (action.yml), in order, on a stand-in
runner (tests/github_runner.py) with no package index reachable.

The machine: a wheelhouse of Clarion's dependencies and its build backend,
repacked from this Python's installed distributions before the runs start;
pip is then configured offline (``PIP_NO_INDEX``, ``PIP_FIND_LINKS``, no
config file, a proxy that refuses every connection). The action installs
Clarion from its own files (a copy of this repository's) into a fresh
virtual environment on a Python that has none of Clarion's packages. Only
GitHub's own actions (checkout, setup-python, cache, upload-pages-artifact,
upload-artifact, configure-pages, deploy-pages) and the ``gh`` CLI are stood
in for. What this does not prove is listed in docs/publishing.md.
"""

from __future__ import annotations

import functools
import http.server
import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from clarion.cli import main
from clarion.github.publishing import ACTION_REPOSITORY, running_clarion
from tests import github_runner as gr
from tests.test_workflows import FAKE_GH, _write_overdue_incident
from tests.wheelhouse import build_wheelhouse, clarion_requirements

REPO = Path(__file__).resolve().parent.parent
ACTION_FILES = ("action.yml", "pyproject.toml", "README.md", "src")
BUILD_BACKEND = "setuptools"


# -- the machine --------------------------------------------------------------------

GH_CONTEXT: dict[str, gr.Value] = {
    "github.token": "not-a-token",
    "github.repository": "acme/status",
    "github.run_id": "1001",
    "github.run_attempt": "1",
    "vars.CLARION_SITE_REPOSITORY": "",
    # the secrets publish.yml's announce job names; empty unless a test sets one
    "secrets.SLACK_WEBHOOK_URL": "",
    "secrets.TEAMS_WEBHOOK_URL": "",
    "secrets.DISCORD_WEBHOOK_URL": "",
    "secrets.STATUS_WEBHOOK_URL": "",
    "secrets.STATUS_WEBHOOK_SECRET": "",
    "secrets.SMTP_URL": "",
}


@dataclass
class Machine:
    root: Path
    wheelhouse: Path
    action: Path
    cache: Path
    artifacts: Path
    served: Path
    toolcache: Path
    fake_bin: Path
    gh_state: Path
    python: str
    run_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1001))

    def env(self) -> dict[str, str]:
        home = self.root / "home"
        home.mkdir(exist_ok=True)
        return {
            "PATH": os.pathsep.join([str(self.fake_bin), "/usr/bin", "/bin"]),
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "CI": "true",
            "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": "acme/status",
            "GITHUB_RUN_ID": "1001",
            "RUNNER_OS": "Linux",
            "RUNNER_TOOL_CACHE": str(self.toolcache),
            # pip: no index, only the wheelhouse; every connection refused
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(self.wheelhouse),
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "http_proxy": "http://127.0.0.1:9",
            "https_proxy": "http://127.0.0.1:9",
            "no_proxy": "127.0.0.1",  # the tests' own servers
            "FAKE_GH_STATE": str(self.gh_state),
        }

    def runner(self, workspace: Path, *, event: str, visibility: str) -> gr.Runner:
        """A fresh machine: an empty tool cache and temp folder; the Actions
        cache and the served page persist between runs, as on GitHub."""
        shutil.rmtree(self.toolcache, ignore_errors=True)
        self.toolcache.mkdir()
        shutil.rmtree(self.root / "run", ignore_errors=True)
        shutil.rmtree(self.artifacts, ignore_errors=True)  # a run's artifacts are its own
        version = subprocess.run(
            [self.python, "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
        ).stdout.strip()
        runner = gr.Runner(
            workspace,
            self.root / "run",
            event=event,
            context={
                **GH_CONTEXT,
                "github.event.repository.visibility": visibility,
                "github.run_id": str(next(self.run_ids)),  # a new run, a new id
            },
            base_env=self.env(),
            stand_ins={
                "actions/checkout": gr.checkout,
                "actions/setup-python": gr.setup_python(self.python, version),
                "actions/cache": gr.cache(self.cache / "venvs"),
                "actions/cache/restore": gr.cache_restore(self.cache / "pages"),
                "actions/cache/save": gr.cache_save(self.cache / "pages"),
                "actions/upload-pages-artifact": gr.upload_pages_artifact(self.artifacts),
                "actions/upload-artifact": gr.upload_artifact(self.artifacts),
                "actions/download-artifact": gr.download_artifact(self.artifacts),
                "actions/configure-pages": gr.configure_pages,
                "actions/deploy-pages": gr.deploy_pages(self.artifacts, self.served),
            },
            actions={ACTION_REPOSITORY: self.action, "./": self.action},
        )
        return runner


@pytest.fixture(scope="module")
def machine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Machine]:
    root = tmp_path_factory.mktemp("github")
    wheelhouse = root / "wheelhouse"
    names = build_wheelhouse(wheelhouse, [*clarion_requirements(), BUILD_BACKEND])
    assert not any(n.startswith("clarion") for n in names), "Clarion comes from the action"
    assert any(n.startswith("setuptools-") for n in names)
    # the action's files, as GitHub unpacks the ref a workflow names
    action = root / "actions" / ACTION_REPOSITORY / "ref"
    for name in ACTION_FILES:
        source = REPO / name
        if source.is_dir():
            shutil.copytree(
                source, action / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info")
            )
        else:
            action.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, action / name)
    fake_bin = root / "bin"
    fake_bin.mkdir()
    (fake_bin / "gh").write_text(FAKE_GH.replace("#!/usr/bin/env python3", f"#!{sys.executable}"))
    (fake_bin / "gh").chmod(0o755)
    python = getattr(sys, "_base_executable", sys.executable)
    yield Machine(
        root=root,
        wheelhouse=wheelhouse,
        action=action,
        cache=root / "actions-cache",
        artifacts=root / "artifacts",
        served=root / "served",
        toolcache=root / "toolcache",
        fake_bin=fake_bin,
        gh_state=root / "gh-state.json",
        python=python,
    )


def _gh_state(machine: Machine, visibility: str = "private") -> None:
    machine.gh_state.write_text(json.dumps({"calls": [], "issues": [], "visibility": visibility}))


def _new_site(tmp_path: Path, name: str = "status") -> Path:
    """``clarion init`` as a new user runs it: a fresh site, a git repository."""
    site = tmp_path / name
    now = (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%MZ")
    result = CliRunner().invoke(main, ["init", str(site), "--now", now], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (site / ".git").is_dir()
    return site


def _print_times(title: str, runner: gr.Runner) -> None:
    """Step times, shown with pytest -s (measured in bench/, never asserted)."""
    print(f"\n{title}, step by step (seconds):")
    for step in runner.log:
        print(f"  {step.seconds:6.2f}  {step.kind:<7}  {step.name}")


def _as_a_fresh_checkout(site: Path) -> None:
    """What a new machine's checkout lacks: the build outputs (links into
    Clarion's output store), the store and the build cache."""
    for name in ("public", "private"):
        path = site / name
        if path.is_symlink():
            path.unlink()
        elif path.exists():
            shutil.rmtree(path)
    for store in (*site.glob(".*.clarion"), site / ".clarion-cache"):
        shutil.rmtree(store, ignore_errors=True)
    assert not (site / "public").exists()


def _ran(runner: gr.Runner) -> list[tuple[str, str]]:
    return [(s.name, s.kind) for s in runner.log]


# What ran, in order: the action's steps nested where the workflow uses it.
INSTALL = [
    ("Set up Python", "uses"),
    ("Cache key of this Clarion", "run"),
    ("Restore Clarion's environment", "uses"),
    ("Install Clarion", "run"),
    ("Run clarion ", "skipped"),
    ("Install Clarion", "uses"),
]
PUSH_BUILD = [
    ("actions/checkout@v5", "uses"),
    *INSTALL,
    ("Repository visibility", "run"),
    ("Check content and deadlines", "run"),
    ("Build", "run"),
    ("Last deployed page", "skipped"),
    ("Has the page changed?", "run"),
    ("The page subscribers saw last", "run"),
    ("actions/upload-artifact@v6", "uses"),
    ("Upload the public folder for Pages", "uses"),
    ("Keep the private folder (private repository only)", "uses"),
]
# After the deploy, for a site with [[announce]] channels (the action's own
# steps left out: the job runs on the machine the build used in these tests).
ANNOUNCE = [
    ("actions/checkout@v5", "uses"),
    ("The deployed page", "uses"),
    ("The page before it", "uses"),
    ("What earlier runs delivered", "uses"),
    ("Announce", "run"),
    ("actions/cache/save@v5", "uses"),
    ("Report undelivered messages", "skipped"),
]
DEPLOY = [
    ("actions/configure-pages@v6", "uses"),
    ("Deploy", "uses"),
    ("Remember the deployed page", "run"),
    ("actions/cache/save@v5", "uses"),
]
SCHEDULED_BUILD = [
    ("actions/checkout@v5", "uses"),
    *INSTALL,
    ("Repository visibility", "run"),
    ("Check content and deadlines", "run"),
    ("Build", "run"),
    ("Last deployed page", "uses"),
    ("Has the page changed?", "run"),
    ("The page subscribers saw last", "skipped"),
    ("actions/upload-artifact@v6", "skipped"),
    ("Upload the public folder for Pages", "skipped"),
    ("Keep the private folder (private repository only)", "uses"),
]
DEADLINES = [
    ("actions/checkout@v5", "uses"),
    ("Check out the site (split set-up)", "skipped"),
    *INSTALL,
    ("Repository visibility", "run"),
    ("Check deadlines", "run"),
    ("Open, update or close reminder issues", "run"),
]


def test_first_push_publishes_and_a_quiet_schedule_deploys_nothing(machine: Machine, tmp_path):
    site = _new_site(tmp_path)
    workflow = site / ".github/workflows/publish.yml"
    pin = running_clarion()
    assert f"uses: {ACTION_REPOSITORY}@{pin.ref}" in workflow.read_text()
    _gh_state(machine)

    # the first push: the action installs Clarion offline, check, build, deploy
    push = machine.runner(site, event="push", visibility="private")
    outputs = push.run_job(workflow, "build")
    _print_times("the first push", push)
    assert _ran(push) == PUSH_BUILD
    install_log = next(out for name, out, _ in push.output_log if name == "Install Clarion")
    assert "nothing to install" not in install_log
    assert f"clarion, version {pin.version}" in install_log  # `clarion --version`
    venv = Path(push.added_env["CLARION_ACTION_VENV"])
    assert venv.is_relative_to(machine.toolcache) and push.added_path == [str(venv / "bin")]
    assert "include-system-site-packages = false" in (venv / "pyvenv.cfg").read_text()
    assert shutil.which("clarion", path=machine.env()["PATH"]) is None  # only the action's
    assert outputs["deploy"] == "true" and outputs["digest"].startswith("sha256:")
    with tarfile.open(machine.artifacts / "github-pages.tar") as tar:
        names = set(tar.getnames())
    assert {"./index.html", "./404.html", "./api/v2/summary.json", "./feed.xml"} <= names
    assert not any("deadlines" in n or n.endswith(".eml") for n in names)  # nothing private
    assert (machine.artifacts / "private-drafts/deadlines.json").is_file()  # private repository
    assert push.job_runs(workflow, "deploy", {"build": outputs})
    push.run_job(workflow, "deploy", needs={"build": outputs})
    assert [(s.name, s.kind) for s in push.log[len(PUSH_BUILD) :]] == DEPLOY
    assert (machine.served / "index.html").is_file()
    assert "Example Status" in (machine.served / "index.html").read_text()
    (saved,) = (machine.cache / "pages").iterdir()
    assert (saved / "digest").read_text().strip() == outputs["digest"]
    # a site without [[announce]] channels has no one to tell
    assert outputs["announce"] == "false"
    assert not push.job_runs(workflow, "announce", {"build": outputs, "deploy": {}})
    assert len(list((machine.cache / "venvs").iterdir())) == 1  # the action's environment

    # an hour later, on another machine: the environment comes from the cache,
    # the page is the same, nothing is uploaded or deployed
    _as_a_fresh_checkout(site)
    scheduled = machine.runner(site, event="schedule", visibility="")
    later = scheduled.run_job(workflow, "build")
    assert _ran(scheduled) == SCHEDULED_BUILD
    install_log = next(out for name, out, _ in scheduled.output_log if name == "Install Clarion")
    assert "nothing to install" in install_log
    assert later["deploy"] == "false" and later["digest"] == outputs["digest"]
    assert not scheduled.job_runs(workflow, "deploy", {"build": later})
    assert not (machine.artifacts / "github-pages.tar").exists()
    assert ["api", "repos/acme/status", "--jq", ".visibility"] in json.loads(
        machine.gh_state.read_text()
    )["calls"]  # scheduled runs ask the API for the visibility
    _print_times("a scheduled run with nothing to change", scheduled)


class _Recorder(http.server.BaseHTTPRequestHandler):
    bodies: list[bytes] = []
    status = 200

    def do_POST(self) -> None:  # noqa: N802 (the standard library's name)
        self.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args: object) -> None:
        pass


def _serve(handler: type[http.server.BaseHTTPRequestHandler]) -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def test_a_deploy_tells_the_subscribers_of_a_site_with_a_channel(machine: Machine, tmp_path):
    """The live page (served on 127.0.0.1) is read before the deploy, and the
    announce job, after it, posts one message per change to the channel."""
    shutil.rmtree(machine.served, ignore_errors=True)
    machine.served.mkdir(parents=True)
    page = _serve(
        functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(machine.served))
    )
    receiver = _serve(_Recorder)
    _Recorder.bodies = []
    try:
        site = _new_site(tmp_path, "told")
        toml = site / "site_src/site.toml"
        text = re.sub(
            r'^base_url = ".*"$',
            f'base_url = "http://127.0.0.1:{page.server_port}/"',
            toml.read_text(),
            flags=re.M,
        )
        toml.write_text(text + '\n[[announce]]\nkind = "slack"\nurl_env = "SLACK_WEBHOOK_URL"\n')
        workflow = site / ".github/workflows/publish.yml"
        _gh_state(machine)
        # the first deploy: no live page yet, so it is the baseline: nothing sent
        first = machine.runner(site, event="push", visibility="private")
        outputs = first.run_job(workflow, "build")
        first.run_job(workflow, "deploy", needs={"build": outputs})
        assert (machine.served / "index.html").is_file()
        first.run_job(workflow, "announce", needs={"build": outputs, "deploy": {}})
        assert _Recorder.bodies == []
        # an incident is declared and pushed: the live page is the old one
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%MZ")
        new = CliRunner().invoke(
            main,
            ["new", "incident", "Login errors", "--severity", "SEV2", "--source", str(site)]
            + ["--message", "We are looking into failed logins.", "--now", now],
        )
        assert new.exit_code == 0, new.output
        push = machine.runner(site, event="push", visibility="private")
        push.context["secrets.SLACK_WEBHOOK_URL"] = f"http://127.0.0.1:{receiver.server_port}/hook"
        outputs = push.run_job(workflow, "build")
        assert outputs["announce"] == "true"
        push.run_job(workflow, "deploy", needs={"build": outputs})
        needs = {"build": outputs, "deploy": {}}
        assert push.job_runs(workflow, "announce", needs)
        before = len(push.log)
        push.run_job(workflow, "announce", needs=needs)
        install = {name for name, _ in INSTALL}
        assert [s for s in _ran(push)[before:] if s[0] not in install] == ANNOUNCE
        assert len(_Recorder.bodies) == 1
        assert "Login errors" in _Recorder.bodies[0].decode("utf-8")
        # a receiver that keeps failing: the run says so and fails (exit 5)
        _Recorder.status = 500
        update = CliRunner().invoke(
            main,
            ["update", "login-errors", "identified", "A bad certificate.", "--source", str(site)]
            + ["--now", now],
        )
        assert update.exit_code == 0, update.output
        failing = machine.runner(site, event="push", visibility="private")
        failing.context["secrets.SLACK_WEBHOOK_URL"] = push.context["secrets.SLACK_WEBHOOK_URL"]
        outputs = failing.run_job(workflow, "build")
        failing.run_job(workflow, "deploy", needs={"build": outputs})
        with pytest.raises(gr.StepFailed, match="Report undelivered messages"):
            failing.run_job(workflow, "announce", needs={"build": outputs, "deploy": {}})
    finally:
        _Recorder.status = 200
        page.shutdown()
        receiver.shutdown()


def test_deadlines_workflow_opens_a_reminder_issue(machine: Machine, tmp_path):
    site = _new_site(tmp_path)
    slug = _write_overdue_incident(site)
    _gh_state(machine)
    runner = machine.runner(site, event="schedule", visibility="")
    runner.run_job(site / ".github/workflows/deadlines.yml", "deadlines")
    assert _ran(runner) == DEADLINES
    check_log = next(out for name, out, _ in runner.output_log if name == "Check deadlines")
    assert "::error" in check_log and "customer-ack" in check_log
    (issue,) = json.loads(machine.gh_state.read_text())["issues"]
    assert issue["title"] == f"Deadlines: API errors ({slug})" and issue["open"]


def test_action_runs_a_command_and_reports_its_exit_code(machine: Machine, tmp_path):
    site = _new_site(tmp_path)
    runner = machine.runner(site, event="push", visibility="private")
    scope = gr.Scope(context=runner.context)
    given = {"command": "check", "args": "--format github", "ok-exit-codes": "0 1 4"}
    outputs = runner.run_action(machine.action, given, scope, ref=running_clarion().ref)
    assert outputs["exit-code"] == "0" and outputs["version"] == running_clarion().version
    check_log = runner.output_log[-1][1]
    assert "::warning file=updates/" in check_log and "placeholder" in check_log
    # next-change: its name=value lines become the action's outputs
    assert CliRunner().invoke(main, ["build", "--source", str(site)]).exit_code == 0
    given = {"command": "next-change", "args": "--deployed-digest 'sha256:old one'"}
    outputs = runner.run_action(machine.action, given, scope, ref=running_clarion().ref)
    assert outputs["changed"] == "true" and outputs["public-digest"].startswith("sha256:")
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", outputs["next-change-at"])
    # invalid content: exit 2 is not among the accepted codes, the step fails
    (site / "updates/broken.md").write_text("---\ntitle: x\nseverity: SEV9\n---\n")
    given = {"command": "check", "ok-exit-codes": "0 1 4"}
    with pytest.raises(gr.StepFailed) as failed:
        runner.run_action(machine.action, given, scope, ref=running_clarion().ref)
    assert failed.value.code == 2 and "::error title=Clarion::clarion check exited with 2" in (
        failed.value.stdout
    )
    assert "updates/broken.md" in failed.value.stderr


def test_the_runs_cover_every_run_step():
    """Every ``run:`` step of action.yml, publish.yml and deadlines.yml is in
    one of the runs above (the action's command step in the last one)."""
    runs = (PUSH_BUILD, DEPLOY, ANNOUNCE, SCHEDULED_BUILD, DEADLINES)
    covered = {name for run in runs for name, kind in run if kind == "run"}
    covered.add("Run clarion ${{ inputs.command }}")
    covered.add("Report undelivered messages")  # the failing receiver, in the test above
    action = yaml.safe_load((REPO / "action.yml").read_text())
    names = {s["name"] for s in action["runs"]["steps"] if "run" in s}
    shipped = REPO / "src/clarion/scaffold/dot-github/workflows"
    for name in ("publish.yml", "deadlines.yml"):
        for job in gr.load_workflow(shipped / name)["jobs"].values():
            names |= {s["name"] for s in job["steps"] if "run" in s}
    assert names <= covered, names - covered


# -- the README's quickstart, word for word -----------------------------------------


def quickstart_commands() -> list[str]:
    """The command lines of the README's quickstart (continuations joined)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Quickstart\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"\n((?:    .*\n|\n)+)", section)
    assert block is not None
    text = "\n".join(line[4:] for line in block[1].splitlines()).strip()
    return [line for line in text.replace("\\\n", " ").splitlines() if line.strip()]


def test_readme_quickstart_word_for_word_ends_with_a_site_that_publishes(
    machine: Machine, tmp_path: Path
):
    commands = quickstart_commands()
    assert commands[0].startswith("python3 -m venv") and commands[-1].startswith("git push")
    # GitHub, stood in for by a local bare repository
    remote = tmp_path / "github/acme/my-status.git"
    subprocess.run(["git", "init", "--quiet", "--bare", str(remote)], check=True)
    home = tmp_path / "home"
    bin_dir = tmp_path / "python-bin"  # `python3` is the runner's plain Python
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(machine.python)
    env = {
        **machine.env(),
        "HOME": str(home),
        "PIP_FIND_LINKS": str(machine.wheelhouse),  # dependencies; Clarion from its clone
        "PATH": os.pathsep.join([str(bin_dir), "/usr/bin", "/bin"]),
        "GIT_CONFIG_GLOBAL": str(home / ".gitconfig"),
    }
    home.mkdir()
    for key, value in (
        ("user.name", "Ada"),
        ("user.email", "ada@acme.io"),
        (f"url.{remote}.insteadOf", "https://github.com/acme/my-status.git"),
    ):
        subprocess.run(["git", "config", "--global", key, value], env=env, check=True)
    work = tmp_path / "work"
    work.mkdir()
    # the clone of this repository the quickstart installs from: the files a
    # package is built from (the action's checkout holds them)
    shutil.copytree(machine.action, work / "clarion")
    # every line as written, in one shell; `clarion serve` (a preview that
    # runs until Ctrl-C) is the one line left out
    script = "\n".join(c for c in commands if not c.startswith("clarion serve"))
    assert len(script.splitlines()) == len(commands) - 1
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
        cwd=work, env=env, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    # what the quickstart replaced is no longer a placeholder; what it did not
    # (a SEV1 owes customers an email, the new site has no sender or audience)
    # is named, as a warning that does not stop the push
    placeholders = [line for line in result.stdout.splitlines() if "warning: placeholder" in line]
    assert not any("base_url" in p or "example incident" in p for p in placeholders)
    assert all("[email] from" in p or "audience 'customers'" in p for p in placeholders)
    # what GitHub would check out, and the workflows on it
    site = tmp_path / "checkout"
    clone = ["git", "clone", "--quiet", "--branch", "main", str(remote), str(site)]
    subprocess.run(clone, check=True, env=env)
    assert sorted(p.name for p in (site / "updates").iterdir())[0].endswith("-api-errors.md")
    workflow = site / ".github/workflows/publish.yml"
    assert f"uses: {ACTION_REPOSITORY}@v{running_clarion().version}" in workflow.read_text()
    _gh_state(machine)
    push = machine.runner(site, event="push", visibility="public")
    outputs = push.run_job(workflow, "build")
    assert outputs["deploy"] == "true"
    push.run_job(workflow, "deploy", needs={"build": outputs})
    page = (machine.served / "index.html").read_text()
    assert "API errors" in page and "Identified" in page
    assert "https://acme.github.io/my-status/" in (machine.served / "feed.xml").read_text()
