"""Clarion's release pipeline (.github/workflows/release.yml), up to the
publish step: the build job's ``run:`` steps on a stand-in runner
(tests/github_runner.py) with no package index reachable. The tag is checked
against the version and the changelog, the sdist and the wheel are built and
pass ``twine check``, the wheel installs in a clean environment and builds
the example site, and the release notes are the changelog's section.

Not run: publishing to PyPI (trusted publishing needs GitHub's OIDC token),
``gh release create`` and moving the major tag (GitHub's API).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests import github_runner as gr
from tests.wheelhouse import build_wheelhouse, clarion_requirements

REPO = Path(__file__).resolve().parent.parent
RELEASE = REPO / ".github/workflows/release.yml"
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]


@pytest.fixture(scope="module")
def machine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    root = tmp_path_factory.mktemp("release")
    wheelhouse = root / "wheelhouse"
    build_wheelhouse(wheelhouse, [*clarion_requirements(), "setuptools", "build", "twine"])
    # the runner's Python (setup-python): a Python with nothing but pip
    python = root / "python"
    subprocess.run(
        [getattr(sys, "_base_executable", sys.executable), "-m", "venv", str(python)], check=True
    )
    yield {"root": root, "wheelhouse": wheelhouse, "python": python}


def _checkout(target: Path) -> Path:
    """The repository's files as actions/checkout gives them (with this
    working tree's changes)."""
    listed = subprocess.run(
        ["git", "-C", str(REPO), "ls-files", "-co", "--exclude-standard", "-z"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\0")
    for relpath in filter(None, listed):
        source = REPO / relpath
        if source.is_file():
            (target / relpath).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / relpath)
    return target


def _runner(machine: dict[str, Path], workspace: Path, tag: str) -> gr.Runner:
    artifacts = machine["root"] / "artifacts"
    shutil.rmtree(artifacts, ignore_errors=True)

    def setup_python(runner: gr.Runner, given, scope) -> dict[str, str]:
        assert given["python-version"] == "3.12"
        runner.added_path.insert(0, str(machine["python"] / "bin"))
        return {"python-path": str(machine["python"] / "bin/python")}

    def upload(runner: gr.Runner, given, scope) -> dict[str, str]:
        shutil.copytree(runner.workspace / given["path"], artifacts / given["name"])
        return {}

    home = machine["root"] / "home"
    home.mkdir(exist_ok=True)
    return gr.Runner(
        workspace,
        machine["root"] / "run",
        event="push",
        context={"github.ref_name": tag},
        base_env={
            "PATH": os.pathsep.join(["/usr/bin", "/bin"]),
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "GITHUB_REPOSITORY": "clarion-status/clarion",
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(machine["wheelhouse"]),
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "http_proxy": "http://127.0.0.1:9",
            "https_proxy": "http://127.0.0.1:9",
        },
        stand_ins={
            "actions/checkout": gr.checkout,
            "actions/setup-python": setup_python,
            "actions/upload-artifact": upload,
        },
        actions={},
    )


def test_release_build_job_checks_the_distributions(machine, tmp_path: Path):
    workspace = _checkout(tmp_path / "clarion")
    runner = _runner(machine, workspace, f"v{VERSION}")
    outputs = runner.run_job(RELEASE, "build")
    assert outputs == {"version": VERSION}
    assert [s.name for s in runner.log if s.kind == "run"] == [
        "The tag is the version, and the changelog has its section",
        "Build the sdist and the wheel",
        "Check the distributions",
        "Install the wheel in a clean environment and build the example site",
        "Release notes from the changelog",
    ]
    artifacts = machine["root"] / "artifacts"
    dist = sorted(p.name for p in (artifacts / "distributions").iterdir())
    assert dist == [
        f"clarion_status-{VERSION}-py3-none-any.whl",
        f"clarion_status-{VERSION}.tar.gz",
    ]
    twine = next(out for name, out, _ in runner.output_log if name == "Check the distributions")
    assert twine.count("PASSED") == 2
    installed = next(out for name, out, _ in runner.output_log if name.startswith("Install the"))
    assert f"clarion, version {VERSION}" in installed
    # the wheel carries the themes, the rulebook and the scaffold (package data)
    with zipfile.ZipFile(artifacts / "distributions" / dist[0]) as wheel:
        names = set(wheel.namelist())
    assert "clarion/rules/rulebook.yaml" in names
    assert "clarion/scaffold/dot-github/workflows/publish.yml" in names
    assert any(n.startswith("clarion/themes/default/") for n in names)
    with tarfile.open(artifacts / "distributions" / dist[1]) as sdist:
        assert f"clarion_status-{VERSION}/pyproject.toml" in sdist.getnames()
    notes = (artifacts / "release-notes/release-notes.md").read_text()
    changelog = (REPO / "CHANGELOG.md").read_text()
    section = changelog.split(f"## [{VERSION}]", 1)[1].split("\n## [", 1)[0]
    assert notes.strip() and notes.strip() == section.split("\n", 1)[1].strip()


def test_a_tag_that_is_not_the_version_stops_the_release(machine, tmp_path: Path):
    workspace = tmp_path / "clarion"
    workspace.mkdir()
    shutil.copy2(REPO / "pyproject.toml", workspace / "pyproject.toml")
    shutil.copy2(REPO / "CHANGELOG.md", workspace / "CHANGELOG.md")
    runner = _runner(machine, workspace, "v9.9.9")
    with pytest.raises(gr.StepFailed, match="is not v"):
        runner.run_job(RELEASE, "build")
    # a version without its changelog section stops it too
    (workspace / "CHANGELOG.md").write_text("# Changelog\n\n## [0.0.1] - 2020-01-01\n\n- x\n")
    runner = _runner(machine, workspace, f"v{VERSION}")
    with pytest.raises(gr.StepFailed, match="CHANGELOG.md has no section"):
        runner.run_job(RELEASE, "build")
