"""Put a build's outputs on disk, all or nothing.

Outputs are written into a new generation of the output store
(:mod:`clarion.generations`); only when all are complete does one rename
make the new public and private folders current, together. A failed or
interrupted build leaves the previous folders as they were. Paths are
checked: no output may leave its folder, and no path is written twice.

With the previous build's manifest (see :mod:`clarion.cache`), a build whose
files are all unchanged writes nothing, and a build that changes some files
hard-links the unchanged ones from the previous folders instead of writing
them again.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from .cache import ManifestEntry
from .errors import ClarionError
from .generations import OutputStore
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
    """A new generation's folders, made only once a file differs from the previous build."""

    def __init__(self, targets: Mapping[Area, Path], store: OutputStore):
        self.targets = targets
        self.store = store
        self.folders: dict[Area, Path] = {}
        self.made_dirs: set[Path] = set()

    @property
    def started(self) -> bool:
        return bool(self.folders)

    def start(self) -> None:
        folders = self.store.new_generation()
        self.folders = {Area(name): folder for name, folder in folders.items()}

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

    def publish(self) -> None:
        self.store.publish({area.value: folder for area, folder in self.folders.items()})

    def discard(self) -> None:
        self.store.discard({area.value: folder for area, folder in self.folders.items()})


def write_outputs(
    outputs: Iterable[Output],
    targets: Mapping[Area, Path],
    previous: Mapping[str, Mapping[str, ManifestEntry]] | None = None,
    adopt: Iterable[Path] = (),
) -> WriteReport:
    """Write ``outputs`` and swap them in for ``targets``.

    ``previous`` is the manifest of what the targets hold now; unchanged
    files are not written again. ``adopt``: real folders that an older
    Clarion wrote (named in the build cache), replaced although not empty.
    """
    store = OutputStore({area.value: path for area, path in targets.items()}, adopt)
    with store.opened():
        return _write(outputs, targets, previous or {}, store)


def _write(
    outputs: Iterable[Output],
    targets: Mapping[Area, Path],
    previous: Mapping[str, Mapping[str, ManifestEntry]],
    store: OutputStore,
) -> WriteReport:
    intact = all(target.is_dir() for target in targets.values()) and bool(previous)
    staging = _Staging(targets, store)
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
        staging.publish()
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
