"""From an :class:`ImportBatch` to the files to write: component and group
ids mapped to the site's (``--map``, then same name, then a new id), stable
and unique slugs, files found again by their import marker, and the text of
each ``updates/<slug>.md`` and of the ``site.toml`` additions.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from ..authoring import slugify
from ..config import SiteConfig
from ..errors import UsageError
from ..model import Kind
from .records import ImportBatch, ImportedComponent, ImportedItem, ImportedUpdate
from .text import comment

MARKER_PREFIX = "clarion import: "
_MARKER_RE = re.compile(r"<!-- clarion import: (.+?) -->")
_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9 .,()/'-]*[A-Za-z0-9.)]")
_ID = re.compile(r"[a-z0-9][a-z0-9_-]*")
_YAML_WORDS = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


@dataclass(frozen=True)
class PlannedFile:
    relpath: str  # under the site root, "/" separators
    text: str
    item: ImportedItem
    state: str  # "new", "changed" or "unchanged"


@dataclass
class Plan:
    files: list[PlannedFile]
    site_toml: str  # the whole new text ("" when nothing is added)
    old_site_toml: str
    added_components: list[str] = field(default_factory=list)
    added_groups: list[str] = field(default_factory=list)


def parse_maps(values: Iterable[str]) -> dict[str, str]:
    """``--map old=new`` options."""
    result = {}
    for value in values:
        old, sep, new = value.partition("=")
        if not sep or not old.strip() or not new.strip():
            raise UsageError(
                f"--map {value!r}: expected OLD=NEW"
                " (a source component id or name, then a component id)"
            )
        if not _ID.fullmatch(new.strip()):
            raise UsageError(
                f"--map {value!r}: {new.strip()!r} is not a component id"
                " (lower-case letters, digits, '-' and '_')"
            )
        result[old.strip()] = new.strip()
    return result


def existing_imports(config: SiteConfig) -> dict[str, str]:
    """Import marker -> relpath of the file that carries it."""
    found: dict[str, str] = {}
    folder = config.updates_dir
    if not folder.is_dir():
        return found
    for path in sorted(folder.rglob("*.md")):
        with path.open(encoding="utf-8", errors="replace") as handle:
            head = handle.read(4096)
        match = _MARKER_RE.search(head)
        if match:
            found.setdefault(match[1], path.relative_to(config.root).as_posix())
    return found


def make_plan(
    config: SiteConfig, batch: ImportBatch, *, maps: Mapping[str, str], keep_ids: bool
) -> Plan:
    site_path = config.source_dir / "site.toml"
    old_text = site_path.read_text(encoding="utf-8")
    ids, additions, added_c, added_g = _map_components(config, batch, maps, keep_ids)
    previous = existing_imports(config)
    taken = (
        {p.stem for p in config.updates_dir.rglob("*.md")} if config.updates_dir.is_dir() else set()
    )
    files = []
    for item in batch.items:
        relpath = previous.get(item.source_key)
        if relpath is None:
            slug = _unique_slug(item, taken)
            taken.add(slug)
            relpath = f"{config.updates_dir.relative_to(config.root).as_posix()}/{slug}.md"
        text = render_item(item, ids, keep_ids)
        path = config.root / relpath
        if not path.exists():
            state = "new"
        else:
            state = "unchanged" if path.read_bytes() == text.encode("utf-8") else "changed"
        files.append(PlannedFile(relpath, text, item, state))
    new_text = old_text + additions if additions else ""
    return Plan(files, new_text, old_text, added_c, added_g)


def _unique_slug(item: ImportedItem, taken: set[str]) -> str:
    day = item.day.astimezone(UTC)
    words = slugify(item.title) or item.kind.value
    base = f"{day:%Y-%m-%d}-{words}"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _map_components(
    config: SiteConfig, batch: ImportBatch, maps: Mapping[str, str], keep_ids: bool
) -> tuple[dict[str, str], str, list[str], list[str]]:
    """Source component id -> site component id, and the site.toml text to append."""
    by_name = {c.name.casefold(): c.id for c in config.components}
    by_spid = {c.statuspage_id: c.id for c in config.components if c.statuspage_id}
    used = set(config.component_ids)
    group_by_name = {g.name.casefold(): g.id for g in config.groups}
    used_groups = {g.id for g in config.groups}
    group_ids: dict[str, str] = {}
    blocks: list[str] = []
    added_groups: list[str] = []
    for group in batch.groups:
        gid = (
            maps.get(group.source_id)
            or maps.get(group.name)
            or group_by_name.get(group.name.casefold())
        )
        if gid is None or gid not in used_groups:
            gid = gid or _new_id(group.name, used_groups, "group")
            used_groups.add(gid)
            added_groups.append(gid)
            blocks.append(
                _toml_table("groups", gid, {"name": group.name, "description": group.description})
            )
        group_ids[group.source_id] = gid
    ids: dict[str, str] = {}
    added: list[str] = []
    for component in batch.components:
        cid = (
            maps.get(component.source_id)
            or maps.get(component.name)
            or (by_spid.get(component.statuspage_id) if component.statuspage_id else None)
            or by_name.get(component.name.casefold())
        )
        if cid is None or cid not in used:
            cid = cid or _new_id(component.name, used, "component")
            used.add(cid)
            added.append(cid)
            blocks.append(_component_block(component, cid, group_ids, keep_ids))
        elif keep_ids and component.statuspage_id and by_spid.get(component.statuspage_id) != cid:
            batch.report.lossy(
                "component matched to an existing one keeps its Clarion id in the API"
                f' (add statuspage_id = "{component.statuspage_id}" to [components.{cid}])',
                component.name,
            )
        ids[component.source_id] = cid
    if not blocks:
        return ids, "", added, added_groups
    header = f"\n# --- Added by `clarion import {batch.source_name}` ---\n"
    return ids, header + "".join(blocks), added, added_groups


def _new_id(name: str, used: set[str], fallback: str) -> str:
    base = slugify(name) or fallback
    cid, n = base, 2
    while cid in used:
        cid, n = f"{base}-{n}", n + 1
    return cid


def _component_block(
    component: ImportedComponent, cid: str, group_ids: Mapping[str, str], keep_ids: bool
) -> str:
    values: dict[str, str | None] = {"name": component.name, "description": component.description}
    if component.group:
        values["group"] = group_ids.get(component.group)
    if keep_ids and component.statuspage_id:
        values["statuspage_id"] = component.statuspage_id
    return _toml_table("components", cid, values)


def _toml_table(kind: str, ident: str, values: Mapping[str, str | None]) -> str:
    lines = [f"\n[{kind}.{ident}]"]
    for key, value in values.items():
        if value is not None:
            # A JSON string is a TOML basic string, once DEL is escaped too.
            text = json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
            lines.append(f"{key} = {text}")
    return "\n".join(lines) + "\n"


# -- update files --------------------------------------------------------------------


def yaml_text(text: str) -> str:
    """A YAML scalar that reads back as ``text``: plain when it is clearly
    safe (words, digits and light punctuation, not a YAML keyword), else a
    double-quoted JSON string (valid YAML)."""
    if _PLAIN.fullmatch(text) and text.casefold() not in _YAML_WORDS:
        return text
    return (
        json.dumps(text, ensure_ascii=False)
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def heading_time(at: datetime) -> str:
    """UTC, with seconds and milliseconds only when the source has them."""
    utc = at.astimezone(UTC)
    text = utc.strftime("%Y-%m-%d %H:%M")
    if utc.second or utc.microsecond:
        text += f":{utc.second:02d}"
    if utc.microsecond:
        text += (
            f".{utc.microsecond // 1000:03d}"
            if utc.microsecond % 1000 == 0
            else f".{utc.microsecond:06d}"
        )
    return text + " UTC"


def front_time(at: datetime) -> str:
    """The time as the source gave it, with its offset."""
    text = at.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def render_item(item: ImportedItem, ids: Mapping[str, str], keep_ids: bool) -> str:
    lines = ["---", f"title: {yaml_text(item.title)}"]
    if item.kind is Kind.MAINTENANCE:
        lines.append("kind: maintenance")
    if item.severity is not None:
        lines.append(f"severity: {item.severity.value}")
    if item.components:
        if item.kind is Kind.MAINTENANCE:
            lines.append("components: [" + ", ".join(ids[c] for c in item.components) + "]")
        else:
            lines.append("components:")
            lines.extend(f"  {ids[c]}: {impact.value}" for c, impact in item.components.items())
    if item.declared is not None:
        lines.append(f"declared: {front_time(item.declared)}")
    if item.window is not None:
        lines += [
            "window:",
            f"  start: {front_time(item.window[0])}",
            f"  end: {front_time(item.window[1])}",
        ]
    if keep_ids and item.statuspage_id:
        lines.append(f"statuspage_id: {yaml_text(item.statuspage_id)}")
    lines.append(f"imported: {item.source_key.split(' ', 1)[0]}")  # the source tool
    lines += ["---", comment(MARKER_PREFIX + item.source_key)]
    lines.extend(comment(note) for note in item.notes)
    for update in item.updates:
        lines += ["", *_section(update, ids)]
    return "\n".join(lines) + "\n"


def _section(update: ImportedUpdate, ids: Mapping[str, str]) -> list[str]:
    lines = [f"## {heading_time(update.at)} · {update.stage.label}"]
    if update.impact:
        lines.append(
            "Impact: " + ", ".join(f"{ids[c]}={i.value}" for c, i in update.impact.items())
        )
    lines.extend(comment(note) for note in update.notes)
    if update.body:
        lines.append(update.body)
    return lines
