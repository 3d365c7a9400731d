"""site.toml's declared schema: every key checked at its line, every problem in
one run, and the reference in docs/file-formats.md naming exactly the declared keys."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from clarion.config import load_config
from clarion.config.schema import SiteToml
from clarion.core.options import MappingOf, Option, Raw, Section, SubTable, Table, TablesOf
from clarion.errors import ContentErrors, ErrorCollector
from clarion.rules import load_rules
from clarion.rules.settings import RuleOverride

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "docs" / "file-formats.md"


def _documented_keys() -> set[str]:
    """The first column of the site.toml table: "`[table] key, key`", "`[table]`"."""
    text = REFERENCE.read_text(encoding="utf-8")
    section = text.split("## `site_src/site.toml`", 1)[1].split("\n## ", 1)[0]
    keys: set[str] = set()
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        table = ""
        for span in re.findall(r"`([^`]+)`", line.split("|")[1]):
            match = re.fullmatch(r"\[\[?([^\]]+)\]\]?\s*(.*)", span)
            if match:
                table, rest = match[1], match[2]
            else:
                rest = span
            names = [k.strip() for k in rest.split(",") if k.strip()]
            keys.update(f"{table}.{k}" for k in names)
            if not names:
                keys.add(table)
    return keys


def _declared_keys() -> set[str]:
    keys = set(SiteToml.declared_keys()) - {"rules.overrides"}
    return keys | {f"rules.overrides.<id>.{k}" for k in RuleOverride.declared_keys()}


def test_the_reference_documents_exactly_the_declared_keys() -> None:
    documented, declared = _documented_keys(), _declared_keys()
    assert sorted(declared - documented) == [], "declared but not in docs/file-formats.md"
    assert sorted(documented - declared) == [], "documented but declared nowhere"


def test_the_reference_parser_reads_the_table() -> None:
    # the check above must see the rows it compares: a sample of each shape
    documented = _documented_keys()
    assert {"site.title", "site.now", "groups.<id>.description", "audiences.<id>"} <= documented
    assert {"announce", "alerts", "metrics.targets.mtbf", "rules.overrides.<id>.zone"} <= documented


BASE = {"site": {"title": '"T"'}, "components.api": {"name": '"API"'}}


def _toml(tables: dict[str, dict[str, str]]) -> str:
    merged = {name: dict(keys) for name, keys in BASE.items()}
    for name, keys in tables.items():
        merged.setdefault(name, {}).update(keys)
    return "".join(
        f"[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in keys.items())
        for name, keys in merged.items()
    )


def _problems(site_factory, text: str) -> list[str]:
    root = site_factory(toml=text)
    with pytest.raises(ContentErrors) as info:
        load_config(root)
    return [e.format() for e in info.value.errors]


def _line_of(text: str, fragment: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if line.startswith(fragment))


def _leaves(section: type[Section], prefix: str = "") -> list[tuple[str, str, Option[object]]]:
    """(table, key, option) of every plain option, nested tables walked."""
    found = []
    for key, option in section.options.items():
        if isinstance(option, SubTable):
            found += _leaves(option.section, f"{prefix}{key}.")
        elif isinstance(option, TablesOf):
            found += _leaves(option.section, f"{prefix}{key}.x.")
        elif not isinstance(option, Table | Raw | MappingOf):
            found.append((prefix.rstrip(".") or "", key, option))
    return found


LEAVES = _leaves(SiteToml)


@pytest.mark.parametrize(
    "table,key", [(t, k) for t, k, _ in LEAVES], ids=[f"{t}.{k}" for t, k, _ in LEAVES]
)
def test_every_key_refuses_a_wrong_type_at_its_line(site_factory, table, key) -> None:
    table = "components.api" if table == "components.x" else table
    text = _toml({table: {key: "{ bogus = 1 }"}})
    problems = _problems(site_factory, text)
    line = _line_of(text, f"{key} = {{ bogus")
    mine = [p for p in problems if p.startswith(f"site_src/site.toml:{line}: error: ")]
    assert mine, problems
    assert f"{table}.{key}" in mine[0], mine
    assert "\n  expected: " in mine[0], mine


def test_the_walk_covers_the_file() -> None:
    names = {f"{t}.{k}" for t, k, _ in LEAVES}
    assert {"site.title", "feeds.entries", "metrics.targets.mtta", "components.x.group"} <= names
    assert len(names) >= 30


@pytest.mark.parametrize(
    "tables,key,message,expected",
    [
        ({"feeds": {"entries": '"many"'}}, "entries", "feeds.entries: got 'many'", "whole number"),
        ({"metrics": {"public": '"yes"'}}, "public", "metrics.public: got 'yes'", "true or false"),
        ({"email": {"from": "3"}}, "from", "email.from: got 3", "expected: text"),
        (
            {"runbooks": {"stale_after_days": "0"}},
            "stale_after_days",
            "runbooks.stale_after_days: got 0",
            "at least 1",
        ),
        ({"rules": {"enabled": '"gdpr"'}}, "enabled", "rules.enabled: got 'gdpr'", "rule ids"),
    ],
)
def test_a_wrong_type_names_key_expected_and_line(site_factory, tables, key, message, expected):
    text = _toml(tables)
    (problem,) = _problems(site_factory, text)
    assert problem.startswith(f"site_src/site.toml:{_line_of(text, key + ' =')}: error: {message}")
    assert expected in problem


@pytest.mark.parametrize(
    "tables,typo,label,hint",
    [
        ({"": {}, "site": {"titel": '"T"'}}, "titel", "[site]", "title"),
        ({"metrics.targets": {"mttaa": '"PT5M"'}}, "mttaa", "[metrics.targets]", "mtta"),
        ({"components.api": {"gruop": '"x"'}}, "gruop", "[components.api]", "group"),
        ({"paths": {"privat": '"p"'}}, "privat", "[paths]", "private"),
    ],
)
def test_an_unknown_key_gets_its_line_and_a_did_you_mean(site_factory, tables, typo, label, hint):
    text = _toml({t: k for t, k in tables.items() if t})
    problems = _problems(site_factory, text)
    line = _line_of(text, typo)
    wanted = f"site_src/site.toml:{line}: error: unknown key '{typo}' in {label}"
    (problem,) = [p for p in problems if p.startswith(wanted)]
    assert f"hint: did you mean '{hint}'?" in problem


def test_every_problem_of_every_table_in_one_run(site_factory) -> None:
    text = _toml(
        {
            "site": {"timezone": '"Mars/Olympus"'},
            "feeds": {"entries": "0"},
            "metrics": {"months": "500", "overdue_action_items": '"warn"'},
            "metrics.targets": {"mtbf": '"P1M"'},
            "postmortem": {"lint": '["SEV9"]'},
            "groups.Core": {"name": '"Core"'},
        }
    )
    problems = _problems(site_factory, text)
    assert len(problems) == 7, "\n".join(problems)
    for key in (
        "site.timezone",
        "feeds.entries",
        "metrics.months",
        "metrics.targets.mtbf",
        "postmortem.lint",
    ):
        assert any(f": error: {key}: " in p for p in problems), key
    assert any("did you mean 'warning'?" in p for p in problems)
    assert any("invalid id 'Core' in [groups.Core]" in p for p in problems)


def test_a_group_entry_that_is_no_table_is_reported(site_factory) -> None:
    # was silently skipped
    text = '[site]\ntitle = "T"\n[components.api]\nname = "API"\n[groups]\ncore = 1\n'
    (problem,) = _problems(site_factory, text)
    assert problem.startswith("site_src/site.toml:6: error: 'groups.core' must be a table")


def test_a_description_that_is_no_text_is_reported(site_factory) -> None:
    # was turned into text ("5") without a word
    text = '[site]\ntitle = "T"\ndescription = 5\n[components.api]\nname = "API"\n'
    (problem,) = _problems(site_factory, text)
    assert problem.startswith("site_src/site.toml:3: error: site.description: got 5")


def test_defaults_of_a_file_that_sets_nothing_else(site_factory) -> None:
    config = load_config(site_factory(toml=_toml({})))
    assert (config.base_url, config.feed_entries, config.runbooks.stale_after_days) == (
        "/",
        50,
        180,
    )
    assert not config.timezone_explicit and config.timezone.key == "UTC"
    assert config.metrics.targets.durations == {
        "mtta": {"SEV1": __import__("datetime").timedelta(minutes=5)},
        "mttr": {"SEV1": __import__("datetime").timedelta(hours=1)},
    }
    assert [c.position for c in config.components] == [1]


def _rule_problems(site_factory, overrides: dict[str, str]) -> list[str]:
    text = _toml({"rules.overrides.update-cadence": overrides})
    errors = ErrorCollector()
    load_rules(load_config(site_factory(toml=text)), errors)
    return [e.format() for e in errors.errors]


@pytest.mark.parametrize("key", list(RuleOverride.options))
def test_every_override_key_refuses_a_wrong_value_at_its_line(site_factory, key) -> None:
    text = _toml({"rules.overrides.update-cadence": {key: "{ bogus = 1 }"}})
    problems = _rule_problems(site_factory, {key: "{ bogus = 1 }"})
    line = _line_of(text, f"{key} = ")
    assert any(
        p.startswith(f"site_src/site.toml:{line}: error: rules.overrides.update-cadence.{key}")
        for p in problems
    ), problems


def test_an_unknown_override_key_gets_a_did_you_mean(site_factory) -> None:
    text = _toml({"rules.overrides.update-cadence": {"deadlien": '"PT1H"'}})
    (problem,) = _rule_problems(site_factory, {"deadlien": '"PT1H"'})
    assert problem.startswith(
        f"site_src/site.toml:{_line_of(text, 'deadlien')}: error: "
        "unknown key 'deadlien' in [rules.overrides.update-cadence]"
    )
    assert "did you mean 'deadline'?" in problem


def test_an_override_zone_is_named_as_a_zone(site_factory) -> None:
    (problem,) = _rule_problems(site_factory, {"zone": '"Mars/Olympus"'})
    assert "update-cadence.zone: unknown time zone 'Mars/Olympus'" in problem
