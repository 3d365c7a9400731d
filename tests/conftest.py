"""Shared fixtures: throwaway sites built from a dict of files, a fixed clock,
and ``--update-golden`` to rewrite golden files."""

from __future__ import annotations

import os
import textwrap
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest

from clarion.build import BuildResult, build
from clarion.config import SiteConfig, load_config

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

#: The example site's source folders at the top of the repository.
EXAMPLE_SOURCES = ("site_src", "updates", "comms", "runbooks")
REPO_ROOT = Path(__file__).resolve().parent.parent


def build_clean(root: Path, folder: Path, now: datetime = NOW) -> BuildResult:
    """A build of ``root`` without the cache into ``folder``'s ``public``
    and ``private``: what an incremental build must equal."""
    return build(
        load_config(root),
        now=now,
        public_dir=folder / "public",
        private_dir=folder / "private",
        use_cache=False,
    )


def copy_example(root: Path) -> Path:
    """Copy the example site's sources into ``root``; return ``root``."""
    import shutil

    for name in EXAMPLE_SOURCES:
        if (REPO_ROOT / name).is_dir():
            shutil.copytree(REPO_ROOT / name, root / name)
    return root


MINIMAL_TOML = """\
[site]
title = "Test Status"
base_url = "https://status.test.example/"
timezone = "Europe/Berlin"

[groups.core]
name = "Core"

[components.api]
name = "API"
group = "core"

[components.web]
name = "Website"

[email]
from = "Test Status <status@test.example>"
reply_to = "support@test.example"

[audiences]
customers = ["customers@test.example"]
"""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-golden", action="store_true", help="rewrite golden files from the current output"
    )


@pytest.fixture
def update_golden(request: pytest.FixtureRequest) -> bool:
    return bool(request.config.getoption("--update-golden"))


def write_files(root: Path, files: Mapping[str, str | bytes]) -> None:
    for relpath, content in files.items():
        path = root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")


SiteFactory = Callable[..., Path]


@pytest.fixture
def site_factory(tmp_path: Path) -> SiteFactory:
    """``site_factory({"updates/x.md": "..."}, toml=...)`` -> a site root.

    Text is dedented; ``site_src/site.toml`` defaults to a two-component site.
    """

    def make(
        files: Mapping[str, str | bytes] | None = None,
        *,
        toml: str = MINIMAL_TOML,
        name: str = "site",
    ) -> Path:
        root = tmp_path / name
        root.mkdir()
        write_files(root, {"site_src/site.toml": toml, **(files or {})})
        return root

    return make


@pytest.fixture
def load(site_factory: SiteFactory) -> Callable[..., tuple[SiteConfig, object]]:
    """Build a site from files and load it: returns (config, site)."""
    from clarion.load import load_site

    def run(files: Mapping[str, str | bytes] | None = None, **kw: str) -> tuple[SiteConfig, object]:
        config = load_config(site_factory(files, **kw))
        return config, load_site(config)

    return run


def build_leftovers(root: Path) -> list[str]:
    """What a build leaves beside its outputs besides the cache and the output
    store's OWNER, lock, pointer, current generation and the complete spare
    generation before it (see clarion.output.generations)."""
    found = []
    for entry in sorted(root.iterdir()):
        if not entry.name.startswith(".") or entry.name in (".clarion-cache", ".gitignore"):
            continue
        if not entry.name.endswith(".clarion"):
            found.append(entry.name)
            continue
        current = os.readlink(entry / "current") if (entry / "current").is_symlink() else None
        spares = [g for g in entry.glob("g-*") if g.name != current]
        spare = spares[0].name if len(spares) == 1 else None
        if spare is not None and not (entry / spare / "MANIFEST.json").is_file():
            spare = None  # an unfinished generation is a leftover
        for item in sorted(entry.iterdir()):
            if item.name not in ("OWNER", "lock", "current", current, spare):
                found.append(f"{entry.name}/{item.name}")
    return found
