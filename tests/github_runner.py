"""A small stand-in for GitHub's runner: runs a workflow job's steps, and the
steps of a composite action it uses, as the runner does.

* ``run:`` steps run with ``bash --noprofile --norc -eo pipefail`` in the
  workspace (or the step's ``working-directory``), with the workflow's, job's
  and step's ``env``, ``$GITHUB_ENV`` and ``$GITHUB_PATH`` carried to later
  steps, outputs through ``$GITHUB_OUTPUT``, and the runner's variables
  (``GITHUB_EVENT_NAME``, ``GITHUB_ACTION_PATH``, ``RUNNER_TEMP``, ...).
* ``${{ }}`` expressions and ``if:`` conditions are evaluated by a small
  parser of GitHub's expression language (contexts, string literals, ``==``,
  ``!=``, ``!``, ``&&``, ``||``); an unknown context name fails the test, so
  a new expression in a workflow must be taught here first.
* ``uses:`` steps: the composite action under test runs step by step; the
  only other actions are GitHub's own (checkout, setup-python, cache,
  upload-pages-artifact, upload-artifact, configure-pages, deploy-pages), each
  replaced by a stand-in that does what the workflow relies on.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tarfile
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

# -- expressions --------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(?:(==|!=|&&|\|\||!|\(|\))|'((?:[^']|'')*)'|([A-Za-z_][\w.\-]*))")


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise AssertionError(f"the test runner cannot read the expression {text!r}")
        if match[1]:
            out.append(("op", match[1]))
        elif match[2] is not None:
            out.append(("str", match[2].replace("''", "'")))
        else:
            out.append(("name", match[3]))
        pos = match.end()
    return out


Value = str | bool


def truthy(value: Value) -> bool:
    return bool(value)


def as_text(value: Value) -> str:
    if value is True:
        return "true"
    if value is False:
        return "false"
    return value


def evaluate(text: str, lookup: Callable[[str], Value]) -> Value:
    """GitHub's expression language, the part the workflows use."""
    tokens = _tokens(text)
    pos = 0

    def peek() -> tuple[str, str] | None:
        return tokens[pos] if pos < len(tokens) else None

    def take() -> tuple[str, str]:
        nonlocal pos
        pos += 1
        return tokens[pos - 1]

    def primary() -> Value:
        kind, value = take()
        if (kind, value) == ("op", "!"):
            return not truthy(primary())
        if (kind, value) == ("op", "("):
            result = disjunction()
            assert take() == ("op", ")")
            return result
        if kind == "str":
            return value
        if value in ("true", "false"):
            return value == "true"
        if value in ("success", "always", "failure") and peek() == ("op", "("):
            take()
            assert take() == ("op", ")")
            return value != "failure"  # a step only runs here while the job succeeds
        return lookup(value)

    def comparison() -> Value:
        left = primary()
        token = peek()
        if token in (("op", "=="), ("op", "!=")):
            take()
            right = primary()
            equal = as_text(left).lower() == as_text(right).lower()
            return equal if token[1] == "==" else not equal
        return left

    def conjunction() -> Value:
        left = comparison()
        while peek() == ("op", "&&"):
            take()
            right = comparison()
            left = right if truthy(left) else left
        return left

    def disjunction() -> Value:
        left = conjunction()
        while peek() == ("op", "||"):
            take()
            right = conjunction()
            left = left if truthy(left) else right
        return left

    result = disjunction()
    assert pos == len(tokens), f"unread tokens in {text!r}"
    return result


# -- the runner ---------------------------------------------------------------------


@dataclass
class Scope:
    """What expressions see while a job (or an action inside it) runs."""

    context: dict[str, Value]  # "github.event_name" -> value, ...
    env: dict[str, str] = field(default_factory=dict)
    inputs: dict[str, str] | None = None
    steps: dict[str, dict[str, str]] = field(default_factory=dict)
    needs: dict[str, dict[str, str]] = field(default_factory=dict)

    def lookup(self, name: str) -> Value:
        parts = name.split(".")
        if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
            return self.steps.get(parts[1], {}).get(parts[3], "")
        if parts[0] == "needs" and len(parts) == 4 and parts[2] == "outputs":
            return self.needs.get(parts[1], {}).get(parts[3], "")
        if parts[0] == "needs" and len(parts) == 3 and parts[2] == "result":
            return "success" if parts[1] in self.needs else "skipped"  # jobs given ran
        if parts[0] == "inputs" and self.inputs is not None and len(parts) == 2:
            if parts[1] not in self.inputs:
                raise AssertionError(f"the action has no input {parts[1]!r}")
            return self.inputs[parts[1]]
        if parts[0] == "env" and len(parts) == 2:
            return self.env.get(parts[1], "")
        if name in self.context:
            return self.context[name]
        raise AssertionError(f"the test runner does not know ${{{{ {name} }}}}")

    def expand(self, text: object) -> str:
        if isinstance(text, bool):
            return as_text(text)
        return re.sub(r"\$\{\{(.*?)\}\}", lambda m: as_text(evaluate(m[1], self.lookup)), str(text))


StandIn = Callable[["Runner", Mapping[str, str], Scope], dict[str, str]]


@dataclass
class StepLog:
    name: str
    kind: str  # "run", "uses" or "skipped"
    seconds: float = 0.0


class Runner:
    """One machine's worth of runner state: a workspace, a temp folder, the
    environment and PATH that steps add to."""

    def __init__(
        self,
        workspace: Path,
        root: Path,
        *,
        event: str,
        context: Mapping[str, Value],
        base_env: Mapping[str, str],
        stand_ins: Mapping[str, StandIn],
        actions: Mapping[str, Path],
    ):
        self.workspace = workspace
        self.root = root
        self.event = event
        self.context: dict[str, Value] = {"github.event_name": event, **context}
        self.base_env = dict(base_env)
        self.stand_ins = dict(stand_ins)
        self.actions = dict(actions)
        self.temp = root / "runner-temp"
        self.temp.mkdir(parents=True, exist_ok=True)
        self.context.setdefault("runner.temp", str(self.temp))
        self.summary = self.temp / "step-summary.md"
        self.added_env: dict[str, str] = {}
        self.added_path: list[str] = []
        self.log: list[StepLog] = []
        self.post: list[Callable[[], None]] = []
        self.counter = 0
        self.output_log: list[tuple[str, str, str]] = []

    # -- jobs ---------------------------------------------------------------------

    def run_job(
        self, workflow: Path, job_id: str, *, needs: Mapping[str, Mapping[str, str]] = {}
    ) -> dict[str, str]:
        """Run a job's steps; returns its outputs."""
        data = load_workflow(workflow)
        job = data["jobs"][job_id]
        scope = Scope(context=self.context, needs={k: dict(v) for k, v in needs.items()})
        env_layers = [data.get("env", {}), job.get("env", {})]
        for layer in env_layers:
            for key, raw in layer.items():
                scope.env[key] = scope.expand(raw)
        self._steps(job["steps"], scope, action_path=None, action_ref=None)
        for callback in reversed(self.post):
            callback()
        self.post.clear()
        return {k: scope.expand(v) for k, v in job.get("outputs", {}).items()}

    def job_runs(self, workflow: Path, job_id: str, needs: Mapping[str, Mapping[str, str]]) -> bool:
        job = load_workflow(workflow)["jobs"][job_id]
        if "if" not in job:
            return True
        scope = Scope(context=self.context, needs={k: dict(v) for k, v in needs.items()})
        return truthy(evaluate(job["if"], scope.lookup))

    # -- steps --------------------------------------------------------------------

    def _steps(
        self,
        steps: list[dict[str, Any]],
        scope: Scope,
        *,
        action_path: Path | None,
        action_ref: str | None,
    ) -> None:
        for step in steps:
            name = step.get("name") or step.get("uses") or step["run"].split("\n")[0]
            name = scope.expand(name)
            env = {**scope.env, **self.added_env}
            for key, raw in step.get("env", {}).items():
                env[key] = Scope(
                    context=scope.context,
                    env=env,
                    inputs=scope.inputs,
                    steps=scope.steps,
                    needs=scope.needs,
                ).expand(raw)
            step_scope = Scope(
                context=scope.context,
                env=env,
                inputs=scope.inputs,
                steps=scope.steps,
                needs=scope.needs,
            )
            if "if" in step and not truthy(evaluate(step["if"], step_scope.lookup)):
                self.log.append(StepLog(name, "skipped"))
                continue
            started = time.perf_counter()
            if "run" in step:
                outputs = self._run(step, step_scope, env, action_path, action_ref)
                kind = "run"
            else:
                outputs = self._uses(step, step_scope)
                kind = "uses"
            self.log.append(StepLog(name, kind, time.perf_counter() - started))
            if "id" in step:
                scope.steps[step["id"]] = outputs

    def _run(
        self,
        step: Mapping[str, Any],
        scope: Scope,
        env: Mapping[str, str],
        action_path: Path | None,
        action_ref: str | None,
    ) -> dict[str, str]:
        self.counter += 1
        files = {
            name: self.temp / f"{name.lower()}-{self.counter}"
            for name in ("GITHUB_OUTPUT", "GITHUB_ENV", "GITHUB_PATH")
        }
        for path in files.values():
            path.write_text("")
        full_env = {
            **self.base_env,
            **env,
            **{k: str(v) for k, v in files.items()},
            "GITHUB_STEP_SUMMARY": str(self.summary),
            "GITHUB_EVENT_NAME": self.event,
            "GITHUB_WORKSPACE": str(self.workspace),
            "RUNNER_TEMP": str(self.temp),
        }
        full_env["PATH"] = os.pathsep.join([*self.added_path, self.base_env["PATH"]])
        if action_path is not None:
            full_env["GITHUB_ACTION_PATH"] = str(action_path)
            full_env["GITHUB_ACTION_REF"] = action_ref or ""
        cwd = self.workspace
        if "working-directory" in step:
            cwd = (self.workspace / scope.expand(step["working-directory"])).resolve()
        shell = step.get("shell", "bash")
        assert shell == "bash", f"the test runner runs bash steps only, not {shell}"
        script = scope.expand(step["run"])
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
            cwd=cwd,
            env=full_env,
            capture_output=True,
            text=True,
        )
        self.output_log.append((step.get("name", ""), result.stdout, result.stderr))
        if result.returncode != 0:
            raise StepFailed(
                step.get("name", script[:40]), result.returncode, result.stdout, result.stderr
            )
        outputs = _name_values(files["GITHUB_OUTPUT"].read_text())
        self.added_env.update(_name_values(files["GITHUB_ENV"].read_text()))
        for line in files["GITHUB_PATH"].read_text().splitlines():
            if line.strip():
                self.added_path.insert(0, line.strip())
        return outputs

    def _uses(self, step: Mapping[str, Any], scope: Scope) -> dict[str, str]:
        uses = step["uses"]
        given = {k: scope.expand(v) for k, v in step.get("with", {}).items()}
        for prefix, action in self.actions.items():
            if uses == prefix or uses.startswith(prefix + "@"):
                ref = uses.partition("@")[2] or None
                return self.run_action(action, given, scope, ref=ref)
        name = uses.partition("@")[0]
        if name not in self.stand_ins:
            raise AssertionError(
                f"no stand-in for {uses}: only GitHub's own actions are stood in for"
            )
        return self.stand_ins[name](self, given, scope)

    def run_action(
        self, action: Path, given: Mapping[str, str], outer: Scope, *, ref: str | None
    ) -> dict[str, str]:
        """A composite action's steps, with its inputs and outputs."""
        data = yaml.safe_load((action / "action.yml").read_text(encoding="utf-8"))
        assert data["runs"]["using"] == "composite"
        declared = data.get("inputs", {})
        unknown = set(given) - set(declared)
        assert not unknown, f"the action has no inputs {sorted(unknown)}"
        inputs = {k: str(given.get(k, v.get("default", ""))) for k, v in declared.items()}
        scope = Scope(context=outer.context, env=dict(outer.env), inputs=inputs)
        self._steps(data["runs"]["steps"], scope, action_path=action, action_ref=ref)
        return {k: scope.expand(v["value"]) for k, v in data.get("outputs", {}).items()}


class StepFailed(AssertionError):
    def __init__(self, name: str, code: int, stdout: str, stderr: str):
        super().__init__(f"step {name!r} failed with exit code {code}:\n{stdout}\n{stderr}")
        self.name, self.code, self.stdout, self.stderr = name, code, stdout, stderr


def _name_values(text: str) -> dict[str, str]:
    """``name=value`` lines and ``name<<EOF`` blocks of $GITHUB_OUTPUT/$GITHUB_ENV."""
    out: dict[str, str] = {}
    lines = text.splitlines()
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if "<<" in line and "=" not in line.split("<<")[0]:
            name, marker = line.split("<<", 1)
            block = []
            while lines[index] != marker:
                block.append(lines[index])
                index += 1
            index += 1
            out[name] = "\n".join(block)
        elif "=" in line:
            name, value = line.split("=", 1)
            out[name] = value
    return out


def load_workflow(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in data:  # YAML 1.1 reads the key `on` as True
        data["on"] = data.pop(True)
    return data


# -- GitHub's own actions, stood in for ---------------------------------------------


def checkout(runner: Runner, given: Mapping[str, str], scope: Scope) -> dict[str, str]:
    """The workspace already holds the repository's files."""
    assert given.get("persist-credentials") == "false"
    assert "repository" not in given, "the split set-up is not part of this run"
    return {}


def setup_python(python: str, version: str) -> StandIn:
    def stand_in(runner: Runner, given: Mapping[str, str], scope: Scope) -> dict[str, str]:
        assert given.get("update-environment") == "false", "the action keeps the job's Python alone"
        assert given["python-version"] in ("3.11", "3.12", "3.13")
        return {"python-path": python, "python-version": version}

    return stand_in


def cache(store: Path) -> StandIn:
    """actions/cache: restore ``path`` by exact key now, save it after the job
    when it was a miss (GitHub's caches are immutable per key)."""

    def stand_in(runner: Runner, given: Mapping[str, str], scope: Scope) -> dict[str, str]:
        path, key = Path(given["path"]), given["key"]
        assert key and "/" not in key
        saved = store / key
        if saved.exists():
            shutil.copytree(saved, path, symlinks=True, dirs_exist_ok=True)
            return {"cache-hit": "true"}

        def save() -> None:
            if path.exists() and not saved.exists():
                shutil.copytree(path, saved, symlinks=True)

        runner.post.append(save)
        return {"cache-hit": "false"}

    return stand_in


def cache_restore(store: Path) -> StandIn:
    def stand_in(runner: Runner, given: Mapping[str, str], scope: Scope) -> dict[str, str]:
        path = runner.workspace / given["path"]
        prefixes = [given["key"], *given.get("restore-keys", "").split()]
        for prefix in prefixes:
            hits = sorted(
                (p for p in store.glob("*") if p.name.startswith(prefix)),
                key=lambda p: p.stat().st_mtime_ns,
            )
            if hits:
                shutil.copytree(hits[-1], path, dirs_exist_ok=True)
                return {"cache-hit": str(hits[-1].name == given["key"]).lower()}
        return {"cache-hit": "false"}

    return stand_in


def cache_save(store: Path) -> StandIn:
    def stand_in(runner: Runner, given: Mapping[str, str], scope: Scope) -> dict[str, str]:
        target = store / given["key"]
        assert not target.exists(), "a cache key is written once"
        shutil.copytree(runner.workspace / given["path"], target)
        return {}

    return stand_in


def upload_pages_artifact(artifacts: Path) -> StandIn:
    """A tar of the folder, named github-pages, as the real action makes it."""

    def stand_in(runner: Runner, given: Mapping[str, str], scope: Scope) -> dict[str, str]:
        folder = runner.workspace / given["path"]
        assert folder.is_dir(), f"upload-pages-artifact: {folder} does not exist"
        artifacts.mkdir(parents=True, exist_ok=True)
        with tarfile.open(artifacts / "github-pages.tar", "w") as tar:
            for path in sorted(folder.rglob("*")):
                assert not path.is_symlink(), f"Pages artifacts hold no links: {path}"
                tar.add(path, arcname="./" + path.relative_to(folder).as_posix(), recursive=False)
        return {"artifact_id": "1"}

    return stand_in


def upload_artifact(artifacts: Path) -> StandIn:
    def stand_in(runner: Runner, given: Mapping[str, str], scope: Scope) -> dict[str, str]:
        source = runner.workspace / given["path"]
        if source.exists():
            shutil.copytree(source, artifacts / given["name"])
        return {}

    return stand_in


def download_artifact(artifacts: Path) -> StandIn:
    """The artifact ``name`` into ``path``: github-pages as its artifact.tar,
    others as the folder uploaded."""

    def stand_in(runner: Runner, given: Mapping[str, str], scope: Scope) -> dict[str, str]:
        target = runner.workspace / given["path"]
        target.mkdir(parents=True, exist_ok=True)
        if given["name"] == "github-pages":
            shutil.copy(artifacts / "github-pages.tar", target / "artifact.tar")
        elif (artifacts / given["name"]).is_dir():
            shutil.copytree(artifacts / given["name"], target, dirs_exist_ok=True)
        else:
            raise AssertionError(f"download-artifact: no artifact named {given['name']!r}")
        return {"download-path": str(target)}

    return stand_in


def configure_pages(runner: Runner, given: Mapping[str, str], scope: Scope) -> dict[str, str]:
    return {"base_url": "https://acme.github.io/status", "base_path": "/status"}


def deploy_pages(artifacts: Path, site: Path) -> StandIn:
    """Unpacks the github-pages artifact where the page is "served"."""

    def stand_in(runner: Runner, given: Mapping[str, str], scope: Scope) -> dict[str, str]:
        if site.exists():
            shutil.rmtree(site)
        site.mkdir(parents=True)
        with tarfile.open(artifacts / "github-pages.tar") as tar:
            tar.extractall(site, filter="data")
        return {"page_url": "https://acme.github.io/status/"}

    return stand_in
