"""Put a build's outputs on disk, all or nothing.

Outputs are written into staging folders beside the targets; only when all
are complete are the public and private folders swapped in, together. A
failed or interrupted build leaves the previous folders as they were. Paths
are checked: no output may leave its folder, and no path is written twice.

With the previous build's manifest (see :mod:`clarion.cache`), a build whose
files are all unchanged writes nothing, and a build that changes some files
hard-links the unchanged ones from the previous folders instead of writing
them again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .cache import ManifestEntry
from .errors import ClarionError
from .render import Area, Output


class OutputPathError(ClarionError):
    """An output path is unsafe (absolute, ``..``) or written twice."""


@dataclass(frozen=True, slots=True)
class WriteReport:
    files: Mapping[Area, int]
    bytes: Mapping[Area, int]
    changed: bool = True  # False: every file was as before, nothing was written
    manifest: Mapping[str, Mapping[str, ManifestEntry]] = field(default_factory=dict)


def safe_relpath(path: str) -> PurePosixPath:
    """Check that ``path`` stays inside its folder."""
    pure = PurePosixPath(path)
    if (
        pure.is_absolute()
        or not pure.parts
        or any(part in ("..", ".", "") for part in pure.parts)
        or "\\" in path
    ):
        raise OutputPathError(
            f"refusing to write {path!r}: outputs must stay inside the output folder"
        )
    return pure


class _Staging:
    """Staging folders, made only once a file differs from the previous build."""

    def __init__(self, targets: Mapping[Area, Path]):
        self.targets = targets
        self.folders: dict[Area, Path] = {}
        self.made_dirs: set[Path] = set()

    @property
    def started(self) -> bool:
        return bool(self.folders)

    def start(self) -> None:
        for area, target in self.targets.items():
            folder = _sibling(target, "new")
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
            self.folders[area] = folder

    def destination(self, area: Area, relpath: PurePosixPath) -> Path:
        destination = self.folders[area].joinpath(*relpath.parts)
        parent = destination.parent
        if parent not in self.made_dirs:
            parent.mkdir(parents=True, exist_ok=True)
            self.made_dirs.add(parent)
        return destination

    def write(self, area: Area, relpath: PurePosixPath, data: bytes) -> None:
        self.destination(area, relpath).write_bytes(data)

    def link(self, area: Area, relpath: PurePosixPath, data: bytes) -> None:
        """Reuse the previous build's identical file (a hard link, else a copy)."""
        destination = self.destination(area, relpath)
        try:
            os.link(self.targets[area].joinpath(*relpath.parts), destination)
        except OSError:
            destination.write_bytes(data)

    def discard(self) -> None:
        for folder in self.folders.values():
            shutil.rmtree(folder, ignore_errors=True)


def write_outputs(
    outputs: Iterable[Output],
    targets: Mapping[Area, Path],
    previous: Mapping[str, Mapping[str, ManifestEntry]] | None = None,
) -> WriteReport:
    """Write ``outputs`` and swap them in for ``targets``.

    ``previous`` is the manifest of what the targets hold now; unchanged
    files are not written again.
    """
    previous = previous or {}
    intact = all(target.is_dir() for target in targets.values()) and bool(previous)
    staging = _Staging(targets)
    seen: set[tuple[Area, PurePosixPath]] = set()
    unchanged: list[tuple[Area, PurePosixPath, bytes]] = []
    manifest: dict[str, dict[str, ManifestEntry]] = {area.value: {} for area in targets}
    files = dict.fromkeys(targets, 0)
    sizes = dict.fromkeys(targets, 0)
    try:
        for output in outputs:
            relpath = safe_relpath(output.path)
            key = (output.area, relpath)
            if key in seen:
                raise OutputPathError(
                    f"two outputs want the same path: {output.area.value}/{relpath}"
                )
            seen.add(key)
            entry = ManifestEntry(
                hashlib.sha256(output.data).hexdigest(), len(output.data), output.key
            )
            manifest[output.area.value][output.path] = entry
            files[output.area] += 1
            sizes[output.area] += len(output.data)
            old = previous.get(output.area.value, {}).get(output.path)
            same = intact and old is not None and old.sha == entry.sha and old.size == entry.size
            if same and not staging.started:
                unchanged.append((output.area, relpath, output.data))
                continue
            if not staging.started:
                staging.start()
                for area, path, data in unchanged:
                    staging.link(area, path, data)
                unchanged.clear()
            if same:
                staging.link(output.area, relpath, output.data)
            else:
                staging.write(output.area, relpath, output.data)
        if not staging.started:
            removed = any(set(previous.get(a.value, {})) != set(manifest[a.value]) for a in targets)
            if intact and not removed and _sizes_match(targets, manifest):
                return WriteReport(files=files, bytes=sizes, changed=False, manifest=manifest)
            staging.start()
            for area, path, data in unchanged:
                staging.write(area, path, data)
        _swap(staging.folders, targets)
    except BaseException:
        staging.discard()
        raise
    return WriteReport(files=files, bytes=sizes, changed=True, manifest=manifest)


def _sizes_match(
    targets: Mapping[Area, Path], manifest: Mapping[str, Mapping[str, ManifestEntry]]
) -> bool:
    """The previous folders still hold the files the manifest describes."""
    for area, target in targets.items():
        for path, entry in manifest[area.value].items():
            try:
                if os.stat(target / path).st_size != entry.size:
                    return False
            except OSError:
                return False
    return True


def _sibling(target: Path, label: str) -> Path:
    return target.parent / f".{target.name}.{label}-{os.getpid()}"


def _swap(staging: Mapping[Area, Path], targets: Mapping[Area, Path]) -> None:
    """Replace every target by its staging folder; undo all if one step fails."""
    retired: dict[Area, Path] = {}
    placed: list[Area] = []
    try:
        for area, target in targets.items():
            target.parent.mkdir(parents=True, exist_ok=True)
            if target.exists():
                old = _sibling(target, "old")
                if old.exists():
                    shutil.rmtree(old)
                target.rename(old)
                retired[area] = old
            staging[area].rename(target)
            placed.append(area)
    except BaseException:
        for area in placed:
            shutil.rmtree(targets[area], ignore_errors=True)
        for area, old in retired.items():
            if not targets[area].exists():
                old.rename(targets[area])
        raise
    for old in retired.values():
        shutil.rmtree(old, ignore_errors=True)
