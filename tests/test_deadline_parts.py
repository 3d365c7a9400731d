"""Each incident's part of the deadline report, kept between builds.

A build keeps every incident's obligations and warnings by a digest of their
inputs (the incident, its notices, the rulebook, the zone, ``now``) and the
next build computes only the parts whose inputs changed. These tests check
that the kept parts decode to exactly what would be computed, that an edit
computes only what it changed, and that the private output still equals a
clean build's.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from clarion.build import build
from clarion.config import load_config
from clarion.derive.deadline_report import evaluate, report_parts
from clarion.derive.deadlines import Obligation
from clarion.derive.incident_deadlines import (
    ROW_FIELDS,
    decode,
    decode_warnings,
    encode,
    incident_part,
    warnings_text,
)
from clarion.derive.part_reuse import Reuse
from clarion.load import load_sources
from clarion.output.kept import KeptParts, rules_digest
from tests.conftest import NOW, build_clean, copy_example
from tests.test_incremental import EMAIL, EXPORT_NOTICE, _replace
from tests.test_site_build import tree


def test_a_kept_part_decodes_to_what_is_computed(tmp_path: Path) -> None:
    """Every incident of the example (breaches, notices, late and open items,
    lint of every kind), and a time in another zone, survive the round trip."""
    root = copy_example(tmp_path / "site")
    config = load_config(root)
    sources = load_sources(config)
    site = sources.site.as_of(NOW)
    kinds = set()
    for incident in site.incidents:
        notices = site.notices_for(incident.slug)
        part = incident_part(incident, notices, sources.rulebook, NOW, config.timezone)
        assert decode(encode(part), incident, sources.rulebook) == part
        warnings = warnings_text(part)  # the line holds them after the items, as written alone
        assert encode(part, warnings) == encode(part)
        assert json.loads(encode(part))[1:] == json.loads(warnings)
        assert decode_warnings(warnings) == dataclasses.replace(part, obligations=())
        kinds |= {o.state for o in part.obligations}
        kinds |= {"notices" for _ in part.notices} | {"content" for _ in part.content}
        if part.obligations:
            zoned = dataclasses.replace(
                part,
                obligations=tuple(
                    dataclasses.replace(o, due_at=o.due_at.astimezone(ZoneInfo("Europe/Dublin")))
                    if o.due_at
                    else o
                    for o in part.obligations
                ),
            )
            again = decode(encode(zoned), incident, sources.rulebook)
            assert again == zoned
            assert again is not None
            assert [str(o.due_at.tzinfo) for o in again.obligations if o.due_at] == [
                "Europe/Dublin" for o in zoned.obligations if o.due_at
            ]
    assert len(kinds) >= 5, kinds  # the example exercises many states and the notices' lint


def test_a_part_keeps_every_field_of_an_obligation() -> None:
    """A field added to Obligation must be kept too (or be the build's own)."""
    names = {f.name for f in dataclasses.fields(Obligation)}
    assert names == set(ROW_FIELDS) | {"incident", "recipient"}


def test_the_report_from_kept_parts_equals_the_report_computed(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "site")
    config = load_config(root)
    sources = load_sources(config)
    site, zone = sources.site.as_of(NOW), config.timezone
    plain = evaluate(site, sources.rulebook, NOW, zone)
    rules = rules_digest(config)
    first = evaluate(site, sources.rulebook, NOW, zone, reuse=Reuse(rules, {}))
    again = evaluate(site, sources.rulebook, NOW, zone, reuse=Reuse(rules, first.kept))
    assert first.reused == 0 and again.reused == len(site.incidents) == len(first.kept)
    for report in (first, again):
        assert report.obligations == plain.obligations and report.lint == plain.lint
    assert again.digest == first.digest != ""
    reuse = Reuse(rules, first.kept)
    later = evaluate(site, sources.rulebook, NOW + timedelta(minutes=1), zone, reuse=reuse)
    assert later.reused == 0  # now is an input of every part


def test_a_build_reads_only_the_kept_parts_of_its_inputs(tmp_path: Path) -> None:
    """The file of kept parts also holds the parts of inputs no longer
    current (up to as many again: another ``now``, an edited incident); a
    build reads, and holds, only the lines of its own parts' inputs."""
    root = copy_example(tmp_path / "site")
    later = NOW + timedelta(minutes=1)
    build(load_config(root), now=NOW)
    build(load_config(root), now=later)  # every part's inputs new: their lines appended
    folder = root / ".clarion-cache"
    every = KeptParts(folder).previous
    config = load_config(root)
    sources = load_sources(config)
    site = sources.site.as_of(later)
    kept = KeptParts(folder)
    reuse = Reuse(rules_digest(config), kept.lines(), kept.keep_only)
    parts = report_parts(site, sources.rulebook, later, config.timezone, reuse)
    assert parts.reused == len(site.incidents) == len(kept.previous)
    assert set(kept.previous) == set(parts.inputs.values())
    assert len(every) >= 2 * len(kept.previous)
    # each read without its text (its last field: the items, most of a line)
    assert all(every[key].rpartition("\t")[0] == line for key, line in kept.previous.items())


def test_kept_parts_are_held_without_their_texts_until_asked_for(tmp_path: Path) -> None:
    """A build reads the last build's parts without their texts (800 bytes a
    part, 40 MB at 50,000 incidents, that an edit's build rarely decodes):
    what the report shows of each is in the rest of its line, the text's
    digest among it. Asked for an incident's items, it reads the texts of
    the parts it holds from the file, once; a text that no longer reads
    there is computed."""
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    config = load_config(root)
    sources = load_sources(config)
    site, zone = sources.site.as_of(NOW), config.timezone
    plain = evaluate(site, sources.rulebook, NOW, zone)

    def reread() -> tuple[KeptParts, Any]:
        kept = KeptParts(root / ".clarion-cache")
        reuse = Reuse(rules_digest(config), kept.lines(), kept.keep_only, kept.whole_lines)
        return kept, report_parts(site, sources.rulebook, NOW, zone, reuse)

    kept, parts = reread()
    whole = KeptParts(root / ".clarion-cache").previous
    assert parts.reused == len(site.incidents)
    assert all(len(kept.previous[key]) < len(whole[key]) for key in parts.inputs.values())
    assert not any(part.held for part in parts.parts.values())
    assert all(text is None for text in parts.kept.values())  # (saved as the file has them)
    computed = report_parts(site, sources.rulebook, NOW, zone, Reuse(parts.rules, {}))
    assert parts.digest == computed.digest  # (what the report shows: known without the texts)
    with_items = next(slug for slug, part in parts.parts.items() if part.has_items)
    assert parts.part(with_items) == computed.part(with_items)
    assert all(part.held for part in parts.parts.values())  # (read in one pass)
    assert parts.report().obligations == plain.obligations

    kept, parts = reread()
    (root / ".clarion-cache" / "deadlines.json.zst").unlink()  # (the texts no longer read)
    assert parts.part(with_items) == computed.part(with_items)
    assert parts.report().obligations == plain.obligations


def _private_equals_clean(root: Path, tmp_path: Path, now: datetime) -> None:
    build_clean(root, tmp_path / "clean", now)
    assert tree(root / "private") == tree(tmp_path / "clean" / "private")


def test_an_edit_computes_the_deadline_parts_of_what_it_changed_only(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "site")
    report = root / "private/deadlines.json"
    first = build(load_config(root), now=NOW).context.private.deadlines
    parts = len(first.kept)
    assert first.reused == 0 and parts > 10
    steps = [
        # (what, the edit, now, parts reused, whether deadlines.json changes)
        ("update body", lambda: _replace(root, EMAIL, "reaching some", "reaching a few"), NOW),
        ("notice text", lambda: _replace(root, EXPORT_NOTICE, "### Contact point\n", ""), NOW),
        ("nothing", lambda: None, NOW + timedelta(minutes=40)),
    ]
    expected = {
        "update body": (parts - 1, False),
        "notice text": (parts - 1, True),
        "nothing": (0, True),
    }
    for what, edit, now in steps:
        before = report.read_bytes()
        edit()
        result = build(load_config(root), now=now).context.private.deadlines
        reused, changed = expected[what]
        assert result.reused == reused, what
        assert (report.read_bytes() != before) == changed, what
        _private_equals_clean(root, tmp_path / what, now)


def test_a_damaged_file_of_kept_parts_is_ignored(tmp_path: Path) -> None:
    root = copy_example(tmp_path / "site")
    build(load_config(root), now=NOW)
    kept = root / ".clarion-cache/deadlines.json.zst"
    assert kept.is_file()
    kept.write_bytes(kept.read_bytes()[:-40])  # cut short, as by a killed build
    _replace(root, EMAIL, "reaching some", "reaching a few")
    result = build(load_config(root), now=NOW).context.private.deadlines
    assert result.reused == 0
    _private_equals_clean(root, tmp_path, NOW)
