"""An incremental build equals a clean build, byte for byte, public and private.

One copy of the example site goes through a series of edits (an update's
body, a title, an impact, a new update, a deleted and a renamed file,
site.toml, a template, a ``now`` that crosses midnight and the edges of a
maintenance window). After each, a build with the cache and the previous
output is compared with a ``--no-cache`` build of the same sources into
other folders.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from clarion.build import build
from clarion.config import load_config
from clarion.output.generations import store_for
from tests.conftest import NOW, copy_example
from tests.test_site_build import tree

EMAIL = "updates/2026-11-27-email-delivery-delays.md"
SSO = "updates/2026-11-23-sso-login-failures.md"
NOTICE = "comms/2026-11-04-members-api-wrong-organisation/gdpr-art33-authority.md"
MAINTENANCE = "updates/2026-12-03-object-storage-maintenance.md"
OLD = "updates/2026-02-11-api-latency-eu-west.md"
EXPORT_NOTICE = "comms/2026-11-25-export-files-other-accounts/gdpr-art33-authority.md"


def _replace(root: Path, name: str, old: str, new: str) -> None:
    path = root / name
    text = path.read_text(encoding="utf-8")
    assert old in text, (name, old)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _append(root: Path, name: str, text: str) -> None:
    path = root / name
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n\n" + text, encoding="utf-8")


def _template(root: Path) -> None:
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates/incident.html.j2").write_text(
        '{% extends "default/incident.html.j2" %}'
        "{% block main %}<p>edited {{ item.title }}</p>{{ super() }}{% endblock %}",
        encoding="utf-8",
    )


def _row_template(root: Path) -> None:
    (root / "templates").mkdir(exist_ok=True)
    (root / "templates/deadline_row.html.j2").write_text(
        "{% macro deadline_row(o, state_text, utc_text, local_text) -%}\n"
        "<tr><td>{{ o.incident.title }}: {{ state_text(o) }}</td></tr>\n"
        "{%- endmacro %}\n",
        encoding="utf-8",
    )


Edit = Callable[[Path], None]
NOTHING: Edit = lambda root: None  # noqa: E731
#: (what changes, the edit, the build's ``now``)
EDITS: list[tuple[str, Edit, datetime]] = [
    ("body", lambda r: _replace(r, EMAIL, "reaching some", "reaching a few"), NOW),
    ("title", lambda r: _replace(r, SSO, "Single sign-on failing", "SSO failing"), NOW),
    ("impact", lambda r: _replace(r, SSO, "auth: partial_outage", "auth: major_outage"), NOW),
    (
        "new update",
        lambda r: _append(r, EMAIL, "## 2026-11-27 11:40 UTC · Identified\nA **full** queue.\n"),
        NOW,
    ),
    # the feeds, the API, the calendar, the sitemap, the front page and the
    # history are reused under keys over what they show: edits that change it
    (
        "resolved",
        lambda r: _append(r, EMAIL, "## 2026-11-27 11:50 UTC · Resolved\nAll mail delivered.\n"),
        NOW,
    ),
    (
        "maintenance text",
        lambda r: _replace(r, MAINTENANCE, "No action is needed on your side.", "Nothing to do."),
        NOW,
    ),
    (
        "postmortem on an old incident",
        lambda r: _append(r, OLD, "## 2026-11-27 11:55 UTC · Postmortem\nWhat we learned.\n"),
        NOW,
    ),
    (
        "deleted file",
        lambda r: (r / "updates/2026-11-17-object-storage-upload-errors.md").unlink(),
        NOW,
    ),
    (
        "renamed file",
        lambda r: (r / "updates/2026-11-19-backup-verification-lag.md").rename(
            r / "updates/2026-11-19-backup-lag.md"
        ),
        NOW,
    ),
    (
        "site.toml",
        lambda r: _replace(r, "site_src/site.toml", 'title = "Northwind Cloud', 'title = "NW'),
        NOW,
    ),
    ("template", _template, NOW),
    # the deadline report is reused while its data is unchanged: a notice sent
    # later changes one item's state and time met
    (
        "notice sent later",
        lambda r: _replace(r, NOTICE, "sent: 2026-11-05T16:30:00Z", "sent: 2026-11-07T16:30:00Z"),
        NOW,
    ),
    # each incident's part of the deadline report is kept by the digest of its
    # inputs: a notice's text, the rulebook's overrides and now are among them
    (
        "notice text",
        lambda r: _replace(r, EXPORT_NOTICE, "### Contact point\n", "### Contact\n"),
        NOW,
    ),
    (
        "rulebook override",
        lambda r: _replace(
            r,
            "site_src/site.toml",
            '# [rules.overrides.customer-resolution]\n# deadline = "PT12H"',
            '[rules.overrides.customer-resolution]\ndeadline = "PT12H"',
        ),
        NOW,
    ),
    ("now crosses a deadline", NOTHING, NOW + timedelta(minutes=40)),
    ("now crosses midnight", NOTHING, NOW + timedelta(hours=11, minutes=30)),
    ("maintenance begins", NOTHING, datetime.fromisoformat("2026-12-03T03:00:00+00:00")),
    ("maintenance ends", NOTHING, datetime.fromisoformat("2026-12-03T04:30:00+00:00")),
    # the deadline report's rows are kept between builds: a site's own row
    # template is rendered on each build instead
    ("report row template", lambda r: _row_template(r), NOW),
]


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("incremental") / "site")
    build(load_config(root), now=NOW)
    build(load_config(root), now=NOW + timedelta(minutes=1))  # a spare generation now exists
    return root


@pytest.mark.parametrize("what,edit,now", EDITS, ids=[e[0] for e in EDITS])
def test_incremental_build_equals_clean_build(
    site: Path, tmp_path: Path, what: str, edit: Edit, now: datetime
) -> None:
    edit(site)
    result = build(load_config(site), now=now)
    assert result.report.changed, f"{what}: the edit changed no file"
    clean = build(
        load_config(site),
        now=now,
        public_dir=tmp_path / "public",
        private_dir=tmp_path / "private",
        use_cache=False,
    )
    for area in ("public", "private"):
        mine, theirs = tree(site / area), tree(tmp_path / area)
        assert sorted(mine) == sorted(theirs), f"{what}: {area} files differ"
        differ = [path for path in mine if mine[path] != theirs[path]]
        assert differ == [], f"{what}: {area} files with other bytes"
    # the build updated the spare generation: the store holds it and the current one
    assert len(list(store_for(site / "public").glob("g-*"))) == 2
    assert clean.report.files == result.report.files


def test_explain_names_the_changed_source_and_the_files_it_changed(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from clarion.cli import main
    from tests.test_cache import copy_basic

    root = copy_basic(tmp_path)
    (root / "updates/2026-12-20-later.md").write_text(
        "---\ntitle: Later work\nkind: maintenance\ncomponents: [api]\n"
        "window: {start: 2026-12-20T02:00:00Z, end: 2026-12-20T04:00:00Z}\n---\n"
        "## 2026-12-01 09:00 UTC · Scheduled\nNot announced yet at now.\n",
        encoding="utf-8",
    )
    args = ["build", "--source", str(root), "--now", NOW.isoformat(), "--explain"]
    assert CliRunner().invoke(main, args).exit_code == 0
    source = root / "updates/2026-11-20-api-errors.md"
    source.write_text(source.read_text().replace("Some requests", "Many requests"))
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "  updates/2026-11-20-api-errors.md changed" in result.output
    assert "public/incidents/2026-11-20-api-errors/index.html  changed" in result.output
    # a page that does not show the edited incident is not rebuilt
    assert "2026-11-27-web-slow/index.html" not in result.output
    assert "now moved" not in result.output
    # a maintenance announced after now is held back from the pages, not removed
    assert "2026-12-20-later.md" not in result.output
    unchanged = CliRunner().invoke(main, args)
    assert "no input changed" in unchanged.output and "nothing was written" in unchanged.output


def test_the_spare_generation_may_hold_a_file_where_a_folder_is_needed(tmp_path: Path) -> None:
    """Paths that turn from a file into a folder (or back) between builds
    are replaced in the spare generation, whatever it held there."""
    from clarion.output.write import write_outputs
    from clarion.render import Area, Output

    targets = {Area.PUBLIC: tmp_path / "public", Area.PRIVATE: tmp_path / "private"}

    def write(*files: tuple[str, bytes]) -> dict[str, bytes]:
        outputs = [Output(Area.PUBLIC, path, data) for path, data in files]
        outputs.append(Output(Area.PRIVATE, "index.html", b"private"))
        write_outputs(outputs, targets)
        return tree(tmp_path / "public")

    assert write(("a", b"file"), ("b/index.html", b"page")) == {
        "a": b"file",
        "b/index.html": b"page",
    }
    assert write(("a", b"file"), ("c", b"other")) == {"a": b"file", "c": b"other"}
    # the spare now holds the first build: "a" is a file there and "b" a folder
    assert write(("a/index.html", b"page"), ("b", b"file")) == {
        "a/index.html": b"page",
        "b": b"file",
    }
    assert write(("a", b"file again"), ("b/index.html", b"page")) == {
        "a": b"file again",
        "b/index.html": b"page",
    }


def test_a_cache_older_than_the_published_output_is_not_trusted(tmp_path: Path) -> None:
    """A build killed after it published but before it saved the cache: the
    next build must not take pages from folders the cache does not describe."""
    from tests.test_cache import copy_basic

    root = copy_basic(tmp_path)
    source = root / "updates/2026-11-20-api-errors.md"
    original = source.read_text()
    build(load_config(root), now=NOW)
    saved = (root / ".clarion-cache/manifest.json").read_bytes()
    source.write_text(original.replace("Some requests", "Many requests"))
    build(load_config(root), now=NOW)
    (root / ".clarion-cache/manifest.json").write_bytes(saved)  # as if never saved
    source.write_text(original)
    build(load_config(root), now=NOW)
    clean = build(load_config(root), now=NOW, public_dir=tmp_path / "clean", use_cache=False)
    assert tree(root / "public") == tree(clean.public_dir)


def test_the_deadline_report_is_reused_only_while_its_data_is_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reworded update changes no deadline: the report's three files are the
    previous build's, not rendered again. A notice sent at another time
    changes the report, which is rendered again."""
    import clarion.render.report.outputs as outputs

    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    report = root / "private/deadlines.json"
    before = report.read_bytes()
    rendered: list[str] = []
    render_html = outputs.render_html
    monkeypatch.setattr(
        outputs, "render_html", lambda *a, **k: rendered.append("html") or render_html(*a, **k)
    )
    _replace(root, EMAIL, "reaching some", "reaching a few")
    build(load_config(root), now=NOW)
    assert rendered == [] and report.read_bytes() == before
    _replace(root, NOTICE, "sent: 2026-11-05T16:30:00Z", "sent: 2026-11-07T16:30:00Z")
    build(load_config(root), now=NOW)
    assert rendered == ["html"] and report.read_bytes() != before


def test_a_build_with_unchanged_inputs_loads_nothing_and_says_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Same sources, templates and ``now``, folders intact: the build neither
    loads nor derives the site, and tells the same warnings and next change
    as the build that did."""
    import clarion.build as building

    root = copy_example(tmp_path / "site")
    (root / NOTICE).parent.joinpath("old").mkdir()
    (root / NOTICE).parent.joinpath("old/draft.md").write_text("draft", encoding="utf-8")
    first = build(load_config(root), now=NOW)  # warns: notices in sub-folders are not read
    loads: list[str] = []
    prepare = building.prepare
    monkeypatch.setattr(
        building, "prepare", lambda *a, **k: loads.append("load") or prepare(*a, **k)
    )
    again = build(load_config(root), now=NOW)
    assert loads == [] and not again.report.changed
    assert again.warnings == first.warnings and first.warnings
    assert again.next_change == first.next_change
    assert len(again.site.incidents) == len(first.site.incidents)  # loaded on demand
    assert loads == ["load"]
    build(load_config(root), now=NOW + timedelta(minutes=1))  # now moved: loaded
    assert loads == ["load", "load"]


#: Libraries only rendering needs; a build whose inputs are unchanged renders
#: nothing, so ``clarion build`` then imports none of them (nor the renderers).
RENDERING_ONLY = (
    "jinja2",
    "markdown",
    "feedgen",
    "icalendar",
    "nh3",
    "holidays",
    "multiprocessing",
)

LOADED_AFTER_BUILD = """
import json, sys
from clarion.cli import main
try:
    main(sys.argv[1:])
except SystemExit as done:
    assert not done.code, done.code
print(json.dumps(sorted(sys.modules)))
"""


MARKDOWN_EXTENSIONS_LOADED = """
import json, sys
from clarion.render.markdown import extensions
extensions()
print(json.dumps(sorted(sys.modules)))
"""


def test_clarion_build_with_unchanged_inputs_imports_no_renderer(tmp_path: Path) -> None:
    import json
    import os
    import subprocess
    import sys

    root = copy_example(tmp_path / "site")
    command = ["build", "--source", str(root), "--now", NOW.isoformat()]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent / "src")}

    def modules_of_a_build() -> tuple[set[str], str]:
        run = [sys.executable, "-c", LOADED_AFTER_BUILD, *command]
        done = subprocess.run(run, capture_output=True, text=True, env=env, check=True)
        return set(json.loads(done.stdout)), done.stderr

    first, said = modules_of_a_build()
    assert "nothing changed" not in said and {"jinja2", "clarion.render.html"} <= first
    again, said = modules_of_a_build()
    assert "nothing changed" in said
    assert not {m for m in again if m.split(".")[0] in RENDERING_ONLY}
    assert not {m for m in again if m.startswith(("clarion.render.", "clarion.derive.private"))}
    assert "clarion.render.writers" not in again


def test_an_edit_that_counts_no_business_day_imports_no_holidays(tmp_path: Path) -> None:
    # the shipped rulebook's holiday calendars are taken as written: checking
    # them imports every country of ``holidays``; the example site's rules in
    # force count hours and calendar days only, so an edit never needs it
    import json
    import os
    import subprocess
    import sys

    root = copy_example(tmp_path / "site")
    command = ["build", "--source", str(root), "--now", NOW.isoformat()]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent / "src")}
    run = [sys.executable, "-c", LOADED_AFTER_BUILD, *command]
    subprocess.run(run, capture_output=True, text=True, env=env, check=True)
    _append(root, "updates/2026-10-28-cdn-latency-asia-pacific.md", "One more line.\n")
    done = subprocess.run(run, capture_output=True, text=True, env=env, check=True)
    modules = set(json.loads(done.stdout))
    assert "nothing changed" not in done.stderr and "clarion.render.html" in modules
    assert not {m for m in modules if m.split(".")[0] == "holidays"}
    # what Python-Markdown's extensions import by themselves, in this
    # interpreter: Pygments, when installed, which before 2.21 imports the
    # package metadata reader
    markdown_alone = [sys.executable, "-c", MARKDOWN_EXTENSIONS_LOADED]
    third_party = subprocess.run(
        markdown_alone, capture_output=True, text=True, env=env, check=True
    )
    clarions = modules - set(json.loads(third_party.stdout))
    # nor an HTTP client: XML text is escaped without xml.sax.saxutils
    assert not {"urllib.request", "http.client", "ssl", "xml.sax.saxutils"} & clarions
    # nor the package metadata reader: holidays' version, in the deadline
    # parts' key, is read from the name of its folder
    assert "importlib.metadata" not in clarions


FROZEN_AT_EXIT = """
import atexit, gc, sys
atexit.register(lambda: print("frozen at exit:", gc.get_freeze_count()))  # runs last
atexit.register(lambda: print("collector on after the build:", gc.isenabled()))
from clarion.cli import {entry}
sys.argv[0] = "clarion"
{entry}()
"""


def test_clarion_build_exits_without_collecting_what_it_built(tmp_path: Path) -> None:
    # the interpreter's last collection would walk every object of the build
    # again just before the process ends: ``clarion build`` freezes them
    import os
    import subprocess
    import sys

    root = copy_example(tmp_path / "site")
    command = ["build", "--source", str(root), "--now", NOW.isoformat()]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent / "src")}
    said = {}
    for entry in ("main", "run"):  # the click group as a caller's, the program
        run = [sys.executable, "-c", FROZEN_AT_EXIT.format(entry=entry), *command]
        done = subprocess.run(run, capture_output=True, text=True, env=env, check=True)
        assert "Built " in done.stderr
        said[entry] = done.stdout
        frozen = int(done.stdout.rsplit("frozen at exit:", 1)[1])
        assert frozen > 10_000
    # the program exits with its command: the collector stays off after the
    # build (its first collection would walk every object the build made);
    # a process that goes on after the command gets its collector back
    assert "collector on after the build: False" in said["run"]
    assert "collector on after the build: True" in said["main"]
