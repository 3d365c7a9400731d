"""The deadline report's files, made from the last build's.

A build keeps where each item's share of ``deadlines.json``,
``deadlines.html`` and ``deadlines.ics`` is in the files it wrote, with each
incident's rows key (a digest of what its rows show); the next build renders
the rows of incidents whose key changed only and copies the others' bytes
from the last build's files, in the report's order. These tests check that
an edit renders the rows of the incident it changed only, that the files are
made of the last build's bytes, that they always equal a clean build's, and
what a damaged cache, a rulebook override and a site's own templates do.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import icalendar
import pytest

from clarion.build import build
from clarion.config import load_config
from clarion.output.compressed import compress, decompress
from clarion.output.kept import ROWS_FILE
from clarion.render.report.splice import Places, read_places
from tests.conftest import NOW, copy_example
from tests.test_deadline_parts import _private_equals_clean
from tests.test_incremental import EMAIL, SSO, _append, _replace

REPORT = ("deadlines.json", "deadlines.html", "deadlines.ics")
NEW_UPDATE = "## 2026-11-27 11:40 UTC · Identified\nA **full** queue.\n"


def _places(root: Path) -> Places:
    places = read_places(root / ".clarion-cache" / ROWS_FILE)
    assert places is not None
    return places


def _report(root: Path) -> dict[str, bytes]:
    return {name: (root / "private" / name).read_bytes() for name in REPORT}


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The incident of every row the builds render (in this process)."""
    import clarion.render.report.outputs as outputs

    slugs: list[str] = []
    render_row = outputs.render_row

    def counting(o, *args):  # type: ignore[no-untyped-def]
        slugs.append(o.incident.slug)
        return render_row(o, *args)

    monkeypatch.setattr(outputs, "render_row", counting)
    return slugs


def test_an_edit_renders_the_rows_of_the_incident_it_changed_only(
    tmp_path: Path, rendered: list[str]
) -> None:
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    before = _places(root)
    assert len(before.parts) > 10 and len(rendered) == len(before.items)
    rendered.clear()
    _append(root, EMAIL, NEW_UPDATE)
    build(load_config(root), now=NOW)
    after = _places(root)
    assert set(rendered) == {Path(EMAIL).stem}
    changed = [slug for slug, key in after.parts.items() if before.parts.get(slug) != key]
    assert changed == [Path(EMAIL).stem]
    _private_equals_clean(root, tmp_path / "clean", NOW)


def test_the_files_are_made_of_the_last_builds_bytes(tmp_path: Path) -> None:
    """Another incident's rows are copied from the last build's files, not
    rendered again (a test that reuse happens: here a file is altered on
    purpose, keeping its size, as the build cache checks it)."""
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    data = json.loads((root / "private/deadlines.json").read_bytes())
    title = next(o["incident_title"] for o in data["obligations"] if o["incident"] in SSO)
    altered = "Kept row".ljust(len(title), "!")
    for name in ("deadlines.json", "deadlines.html"):
        path = root / "private" / name
        text = path.read_bytes()
        path.unlink()  # (the output folders' generations share unchanged files)
        path.write_bytes(text.replace(title.encode(), altered.encode()))
    _append(root, EMAIL, NEW_UPDATE)
    build(load_config(root), now=NOW)
    report = _report(root)
    assert altered.encode() in report["deadlines.json"]
    assert altered.encode() in report["deadlines.html"]


def test_the_last_builds_files_are_copied_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runs copied from the last build's files are copied by the kernel
    into the new file's temporary file: the process making the report reads
    only the items it checks and what surrounds the items (at 50,000
    incidents the old files are 175 MB)."""
    import clarion.render.report.outputs as outputs
    from clarion.core.stretch import Stretch

    found: list[object] = []
    read: list[int] = []
    previous_files = outputs.previous_files
    reading = Stretch.read

    def keeping(*args):  # type: ignore[no-untyped-def]
        files = previous_files(*args)
        found.append(files)
        return files

    def counted(self: Stretch) -> bytes:
        data = reading(self)
        read.append(len(data))
        return data

    monkeypatch.setattr(outputs, "previous_files", keeping)
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    sizes = sum((root / "private" / name).stat().st_size for name in REPORT)
    _append(root, EMAIL, NEW_UPDATE)
    monkeypatch.setattr(Stretch, "read", counted)
    build(load_config(root), now=NOW)
    monkeypatch.undo()
    files = found[-1]
    assert isinstance(files, dict) and set(files) == set(REPORT)
    assert all(isinstance(file, Stretch) for file in files.values())
    assert read and sum(read) < sizes / 2, (sum(read), sizes)
    del files, found[:]
    _private_equals_clean(root, tmp_path / "clean", NOW)


def test_a_new_time_keeps_the_rows_of_items_it_does_not_change(
    tmp_path: Path, rendered: list[str]
) -> None:
    """``now`` is an input of every part of the report, not of every row: a
    build a minute later derives every part again but renders the rows only
    of incidents whose items changed."""
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    items = len(rendered)
    rendered.clear()
    later = NOW + timedelta(minutes=40)  # an item falls due
    build(load_config(root), now=later)
    assert 0 < len(rendered) < items // 2
    _private_equals_clean(root, tmp_path / "clean", later)


def test_a_damaged_file_of_places_is_ignored(tmp_path: Path, rendered: list[str]) -> None:
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    cache = root / ".clarion-cache" / ROWS_FILE
    cache.write_bytes(cache.read_bytes()[:-40])  # cut short, as by a killed build
    assert read_places(cache) is None
    rendered.clear()
    _append(root, EMAIL, NEW_UPDATE)
    build(load_config(root), now=NOW)
    assert len(rendered) == len(_places(root).items)  # every row: written afresh
    _private_equals_clean(root, tmp_path / "clean", NOW)


@pytest.mark.parametrize("damage", ["past the end", "shifted", "another shape", "another file"])
def test_places_that_do_not_fit_the_files_are_ignored(tmp_path: Path, damage: str) -> None:
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    cache = root / ".clarion-cache" / ROWS_FILE
    data = json.loads(decompress(cache.read_bytes()))
    offsets = data["offsets"]["deadlines.json"]
    if damage == "past the end":
        offsets[-1] = 10**9
    elif damage == "shifted":
        data["offsets"]["deadlines.json"] = [x + 3 if x >= 0 else x for x in offsets]
    elif damage == "another shape":
        data["items"] = data["items"][:-1]
    else:
        (root / "private/deadlines.ics").unlink()  # (its generations share it)
        (root / "private/deadlines.ics").write_bytes(b"BEGIN:VCALENDAR\r\n")
    cache.write_bytes(compress(json.dumps(data).encode()))
    _append(root, EMAIL, NEW_UPDATE)
    build(load_config(root), now=NOW)
    _private_equals_clean(root, tmp_path / "clean", NOW)


def test_a_rulebook_override_renders_the_rows_again(tmp_path: Path, rendered: list[str]) -> None:
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    report = _report(root)
    rendered.clear()
    _replace(
        root,
        "site_src/site.toml",
        '# [rules.overrides.customer-resolution]\n# deadline = "PT12H"',
        '[rules.overrides.customer-resolution]\ndeadline = "PT12H"',
    )
    build(load_config(root), now=NOW)
    assert len(rendered) == len(_places(root).items)  # the rules are in every row's key
    changed = _report(root)
    for name in ("deadlines.json", "deadlines.html"):  # its items' due times
        assert changed[name] != report[name], name
    _private_equals_clean(root, tmp_path / "clean", NOW)


def test_another_icalendar_renders_the_report_again(
    tmp_path: Path, rendered: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # the calendar's events and its head are icalendar's bytes: a new release
    # may write them otherwise, so its version is in the report's keys
    import clarion.render.report.outputs as outputs
    import clarion.render.report.rows as rows

    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    rendered.clear()
    _append(root, EMAIL, "A reworded line.\n")
    build(load_config(root), now=NOW)
    assert rendered == []  # no deadline changed: the report is kept whole
    for module in (outputs, rows):
        monkeypatch.setattr(module, "icalendar_version", lambda: "another icalendar")
    _append(root, EMAIL, "Another reworded line.\n")
    build(load_config(root), now=NOW)
    assert len(rendered) == len(_places(root).items)


def test_a_site_template_for_the_report_gets_its_own_output(
    tmp_path: Path, rendered: list[str]
) -> None:
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
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
    # a reworded update changes no item, but a row of the site's own may show
    # it: the page is rendered each time, the JSON and the calendar from the
    # last build's
    rendered.clear()
    _replace(root, EMAIL, "reaching some", "reaching a few")
    build(load_config(root), now=NOW)
    assert rendered == []
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

    first = KeptParts(tmp_path, "rows.json.zst", "test/1", slack=1.25)
    first.save({f"k{n}": f"text {n}" for n in range(300)})
    again = KeptParts(tmp_path, "rows.json.zst", "test/1", slack=1.25)
    kept: dict[str, str | None] = {f"k{n}": None for n in range(150) if f"k{n}" in again.previous}
    kept.update({f"new{n}": f"new text {n}" for n in range(10)})
    again.save(kept)  # 310 lines for 160 kept: written afresh
    lines = decompress((tmp_path / "rows.json.zst").read_bytes()).splitlines()
    assert len(lines) == 1 + 160  # the head, then only the lines kept
    expected = {f"k{n}": f"text {n}" for n in range(150)}
    expected.update({f"new{n}": f"new text {n}" for n in range(10)})
    assert KeptParts(tmp_path, "rows.json.zst", "test/1").previous == expected


def test_an_edit_reads_the_parts_of_the_incidents_it_changed_for_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With the theme's templates, the report's order and counts come from
    the last build's places: the whole report is not read from its parts
    (the email drafts read the few they ask about)."""
    from clarion.derive.deadline_report import ReportParts

    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    whole: list[int] = []
    report = ReportParts.report
    monkeypatch.setattr(ReportParts, "report", lambda self, *a: whole.append(1) or report(self, *a))
    _append(root, EMAIL, NEW_UPDATE)
    build(load_config(root), now=NOW)
    assert whole == []
    _private_equals_clean(root, tmp_path / "clean", NOW)
    (root / ".clarion-cache" / ROWS_FILE).unlink()  # no places: the report is read whole
    _replace(root, EMAIL, "reaching some", "reaching many")
    _append(root, EMAIL, NEW_UPDATE.replace("11:40", "11:45"))
    build(load_config(root), now=NOW)
    assert whole == [1]
    _private_equals_clean(root, tmp_path / "again", NOW)


def test_what_no_item_holds_is_copied_while_the_counts_and_lint_are_unchanged(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, rendered: list[str]
) -> None:
    """A retitled incident changes its rows only: the summary, the lint and
    the page around the rows are the last build's; a new update that changes
    the counts renders them again."""
    import clarion.render.report.outputs as outputs

    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    pages: list[int] = []
    render_html = outputs.render_html
    monkeypatch.setattr(
        outputs, "render_html", lambda *a, **k: pages.append(1) or render_html(*a, **k)
    )
    rendered.clear()
    _replace(root, SSO, "title: Single sign-on failing", "title: Sign-on failing")
    build(load_config(root), now=NOW)
    assert pages == [] and set(rendered) == {Path(SSO).stem}
    assert b"Sign-on failing" in _report(root)["deadlines.html"]
    _private_equals_clean(root, tmp_path / "title", NOW)
    _append(root, EMAIL, NEW_UPDATE)
    build(load_config(root), now=NOW)
    assert pages == [1]
    _private_equals_clean(root, tmp_path / "update", NOW)


@pytest.mark.parametrize("edit", ["deleted", "renamed"])
def test_a_deleted_or_renamed_incident_leaves_the_report(
    tmp_path: Path, rendered: list[str], edit: str
) -> None:
    """The items of an incident that is gone (or has another slug) leave the
    files put together from the last build's; no other row is rendered."""
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    slug = "2026-11-17-object-storage-upload-errors"
    assert slug in _places(root).parts
    rendered.clear()
    source = root / "updates" / f"{slug}.md"
    if edit == "deleted":
        source.unlink()
    else:
        source.rename(source.with_name("2026-11-17-object-storage-uploads-failing.md"))
    build(load_config(root), now=NOW)
    assert slug not in _places(root).parts
    assert set(rendered) <= {"2026-11-17-object-storage-uploads-failing"}
    assert f'"{slug}'.encode() not in _report(root)["deadlines.json"]
    _private_equals_clean(root, tmp_path / "clean", NOW)
