"""The deadline report's rows, kept between builds.

A build keeps each incident's rows of ``deadlines.json``, ``deadlines.html``
and ``deadlines.ics`` under a digest of what they show; the next build
renders the rows of incidents whose digest changed only, and puts the three
files together from the rows in the report's order. These tests check that
an edit renders the rows of the incident it changed and takes the others
as kept, that the files always equal a clean build's, and what a damaged
cache, a rulebook override and a site's own templates do.
"""

from __future__ import annotations

import gzip
import json
from datetime import timedelta
from pathlib import Path

import icalendar

from clarion.build import build
from clarion.config import load_config
from clarion.output.kept import ROWS_FILE, kept_rows
from tests.conftest import NOW, copy_example
from tests.test_deadline_parts import _private_equals_clean
from tests.test_incremental import EMAIL, SSO, _append, _replace

REPORT = ("deadlines.json", "deadlines.html", "deadlines.ics")
NEW_UPDATE = "## 2026-11-27 11:40 UTC · Identified\nA **full** queue.\n"


def _rows(root: Path) -> dict[str, str]:
    """The kept rows, by key: each an incident's rows as JSON text."""
    return kept_rows(root / ".clarion-cache").previous


def _slug(text: str) -> str:
    """The incident of a line of kept rows (every row of a line has the same)."""
    slugs = {key.split("/")[0] for key, *_ in json.loads(text)}
    assert len(slugs) == 1
    return slugs.pop()


def _report(root: Path) -> dict[str, bytes]:
    return {name: (root / "private" / name).read_bytes() for name in REPORT}


def test_an_edit_renders_the_rows_of_the_incident_it_changed_only(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    before = _rows(root)
    assert len(before) > 10  # every incident with items has its rows
    assert {_slug(text) for text in before.values()} >= {Path(EMAIL).stem, Path(SSO).stem}
    _append(root, EMAIL, NEW_UPDATE)
    build(load_config(root), now=NOW)
    after = _rows(root)
    made = {key: text for key, text in after.items() if key not in before}
    assert [_slug(text) for text in made.values()] == [Path(EMAIL).stem]
    # every other incident's rows were taken as kept: the file grew by one line
    # (appended), and its other lines are the last build's
    assert {k: t for k, t in after.items() if k not in made} == before
    _private_equals_clean(root, tmp_path / "clean", NOW)


def test_the_kept_rows_are_what_the_files_are_made_of(tmp_path: Path) -> None:
    """Another incident's kept rows are put in as they are, not rendered again
    (a test that reuse happens: here the cache is altered on purpose)."""
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    kept = _rows(root)
    key, text = next((k, t) for k, t in kept.items() if _slug(t) == Path(SSO).stem)
    rows = json.loads(text)
    title = json.loads(rows[0][1])["incident_title"]
    rows[0][1] = rows[0][1].replace(title, "Kept row")
    rows[0][2] = rows[0][2].replace(title, "Kept row")
    cache = root / ".clarion-cache" / ROWS_FILE
    altered = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    with cache.open("ab") as handle:  # a later line wins
        handle.write(gzip.compress(f"{key}\t{altered}\n".encode()))
    _append(root, EMAIL, NEW_UPDATE)
    build(load_config(root), now=NOW)
    report = _report(root)
    assert b"Kept row" in report["deadlines.json"] and b"Kept row" in report["deadlines.html"]


def test_a_new_time_keeps_the_rows_of_items_it_does_not_change(tmp_path: Path) -> None:
    """``now`` is an input of every part of the report, not of every row: a
    build a minute later derives every part again but renders the rows only
    of incidents whose items changed."""
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    before = _rows(root)
    later = NOW + timedelta(minutes=40)  # an item falls due
    build(load_config(root), now=later)
    after = _rows(root)
    made = [key for key in after if key not in before]
    assert 0 < len(made) < len(before) // 2
    _private_equals_clean(root, tmp_path / "clean", later)


def test_a_damaged_file_of_kept_rows_is_ignored(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    cache = root / ".clarion-cache" / ROWS_FILE
    whole = _rows(root)
    cache.write_bytes(cache.read_bytes()[:-40])  # cut short, as by a killed build
    assert _rows(root) == {}
    _append(root, EMAIL, NEW_UPDATE)
    build(load_config(root), now=NOW)
    _private_equals_clean(root, tmp_path / "clean", NOW)
    assert len(_rows(root)) == len(whole)  # written afresh, readable again


def test_a_damaged_line_of_kept_rows_is_rendered_again(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    kept = _rows(root)
    cache = root / ".clarion-cache" / ROWS_FILE
    damaged = [
        f"{key}\t{text[: len(text) // 2]}" if n % 2 else f"{key}\t[[1, 2, 3, 4]]"
        for n, (key, text) in enumerate(kept.items())
        if _slug(text) != Path(EMAIL).stem
    ]
    with cache.open("ab") as handle:
        handle.write(gzip.compress(("\n".join(damaged) + "\n").encode()))
    _append(root, EMAIL, NEW_UPDATE)
    build(load_config(root), now=NOW)
    _private_equals_clean(root, tmp_path / "clean", NOW)
    assert all(json.loads(text) for text in _rows(root).values())


def test_a_rulebook_override_renders_the_rows_again(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    before, report = _rows(root), _report(root)
    _replace(
        root,
        "site_src/site.toml",
        '# [rules.overrides.customer-resolution]\n# deadline = "PT12H"',
        '[rules.overrides.customer-resolution]\ndeadline = "PT12H"',
    )
    build(load_config(root), now=NOW)
    made = {key: text for key, text in _rows(root).items() if key not in before}
    assert len(made) == len(before)  # the rules are in every row's key
    changed = _report(root)
    for name in ("deadlines.json", "deadlines.html"):  # its items' due times
        assert changed[name] != report[name], name
    _private_equals_clean(root, tmp_path / "clean", NOW)


def test_a_site_template_for_the_report_gets_its_own_output(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    before = _rows(root)
    (root / "templates").mkdir()
    row = root / "templates/deadline_row.html.j2"
    row.write_text(
        "{% macro deadline_row(o, state_text, utc_text, local_text) -%}\n"
        "<tr><td>{{ o.incident.updates|map(attribute='body')|join|length }} {{ o.key }}</td></tr>\n"
        "{%- endmacro %}\n",
        encoding="utf-8",
    )
    build(load_config(root), now=NOW)
    html = _report(root)["deadlines.html"].decode()
    assert "<tr><td>" in html and '<span class="state">' not in html
    # a row of the site's own may show anything of an incident: rendered each time
    made = [json.loads(text) for key, text in _rows(root).items() if key not in before]
    assert len(made) == len(before) and all(row[2] is None for rows in made for row in rows)
    # a reworded update changes no item, but this row shows it
    _replace(root, EMAIL, "reaching some", "reaching a few")
    build(load_config(root), now=NOW)
    _private_equals_clean(root, tmp_path / "row", NOW)
    page = root / "templates/deadlines.html.j2"
    page.write_text(
        "<p>{{ report.obligations|length }} items at {{ report.now }}</p>\n"
        "{% for o in report.obligations %}{{ row(o) }}\n{% endfor %}",
        encoding="utf-8",
    )
    build(load_config(root), now=NOW + timedelta(minutes=1))
    html = _report(root)["deadlines.html"].decode()
    assert html.startswith("<p>") and "12:01:00" in html and "<tr><td>" in html
    _private_equals_clean(root, tmp_path / "page", NOW + timedelta(minutes=1))


def test_the_calendar_from_kept_events_is_icalendars(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    _append(root, EMAIL, NEW_UPDATE)
    build(load_config(root), now=NOW)
    data = _report(root)["deadlines.ics"]
    calendar = icalendar.Calendar.from_ical(data)
    events = [c for c in calendar.subcomponents if c.name == "VEVENT"]
    assert len(events) >= 3 and calendar.to_ical() == data


def test_the_lint_written_at_once_is_what_the_encoder_writes() -> None:
    from clarion.errors import ContentError, SourceLocation
    from clarion.render.report.data import ITEM_NEWLINE, _error_data, _error_text, _indented

    for error in (
        ContentError(
            location=SourceLocation("updates/a.md", 3),
            message='say "why"\n',
            expected="é",
            severity="warning",
        ),
        ContentError(location=SourceLocation("<site>"), message="\u2028 \\ </script>", hint="h"),
    ):
        parts: list[str] = []
        _indented(_error_data(error), ITEM_NEWLINE, parts)
        assert _error_text(error) == "".join(parts)


def test_kept_lines_taken_as_they_are_are_written_again_when_the_file_is_rewritten(
    tmp_path: Path,
) -> None:
    """A build lets go of the kept rows it decodes and saves them as ``None``
    (as they are); when the file is written afresh, their text is read again."""
    from clarion.output.kept import KeptParts

    first = KeptParts(tmp_path, "rows.json.gz", "test/1", slack=1.25)
    first.save({f"k{n}": f"text {n}" for n in range(300)})
    again = KeptParts(tmp_path, "rows.json.gz", "test/1", slack=1.25)
    kept: dict[str, str | None] = {f"k{n}": None for n in range(150) if again.take(f"k{n}")}
    kept.update({f"new{n}": f"new text {n}" for n in range(10)})
    again.save(kept)  # 310 lines for 160 kept: written afresh
    lines = gzip.decompress((tmp_path / "rows.json.gz").read_bytes()).splitlines()
    assert len(lines) == 1 + 160  # the head, then only the lines kept
    expected = {f"k{n}": f"text {n}" for n in range(150)}
    expected.update({f"new{n}": f"new text {n}" for n in range(10)})
    assert KeptParts(tmp_path, "rows.json.gz", "test/1").previous == expected
