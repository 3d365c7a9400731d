"""Put a build's outputs on disk, all or nothing.

Outputs are written into a new generation of the output store
(:mod:`clarion.output.generations`); only when all are complete does one rename
make the new public and private folders current, together. A failed or
interrupted build leaves the previous folders as they were. Paths are
checked: no output may leave its folder, and no path is written twice.

With the previous build's manifest (see :mod:`clarion.output.cache`), a build whose
files are all unchanged writes nothing, and a build that changes some files
hard-links the unchanged ones from the previous folders instead of writing
them again.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..errors import ClarionError
from ..render import Area, Output
from .cache import ManifestEntry
from .generations import Manifest, OutputStore


class OutputPathError(ClarionError):
    """An output path is unsafe (absolute, ``..``) or written twice."""


@dataclass(frozen=True, slots=True)
class WriteReport:
    files: Mapping[Area, int]
    bytes: Mapping[Area, int]
    changed: bool = True  # False: every file was as before, nothing was written
    manifest: Mapping[str, Mapping[str, ManifestEntry]] = field(default_factory=dict)
    #: What differs from the previous output: (area, path, "new" | "changed" | "removed");
    #: empty when there was no previous output to compare with.
    changes: tuple[tuple[str, str, str], ...] = ()


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
    """The generation a build fills, started only once a file differs from
    the current one: the spare generation when there is one (only files
    that differ from what it holds are written), else a new one (unchanged
    files are hard links into the current generation)."""

    def __init__(self, targets: Mapping[Area, Path], store: OutputStore, current: Manifest):
        self.targets = targets
        self.store = store
        self.current = current
        self.held: Manifest = {}  # what the generation holds before this build
        self.fresh = False  # a new, empty generation (not the spare)
        self.folders: dict[Area, Path] = {}
        self.made_folders: set[str] = set()  # folders made (or found) for files
        self.written: list[tuple[Area, str]] = []

    @property
    def started(self) -> bool:
        return bool(self.folders)

    def start(self, use_spare: bool) -> None:
        spare = self.store.take_spare() if use_spare else None
        if spare is not None:
            folders, self.held = spare
        else:
            folders = self.store.new_generation()
            self.fresh = True
        self.folders = {Area(name): folder for name, folder in folders.items()}

    def destination(self, area: Area, relpath: str) -> Path:
        destination = self.folders[area] / relpath
        parent = destination.parent
        if str(parent) not in self.made_folders:
            try:
                parent.mkdir(parents=True, exist_ok=True)
            except (FileExistsError, NotADirectoryError):
                # the spare holds a file where this build needs a folder
                blocker = next(p for p in (parent, *parent.parents) if p.is_file())
                blocker.unlink()
                parent.mkdir(parents=True, exist_ok=True)
            self.made_folders.add(str(parent))
        if destination.is_dir() and not destination.is_symlink():
            shutil.rmtree(destination)  # the spare holds a folder where this build needs a file
        return destination

    def put(self, area: Area, relpath: str, entry: tuple[str, int], data: bytes | None) -> None:
        """Make the generation's file ``relpath`` hold ``data`` (``None``: the
        bytes of the current generation's file, which has the same digest)."""
        if self.fresh and data is not None and self._write_new(area, relpath, data):
            return
        held = self.held.get(area.value, {}).get(relpath)
        if held == entry and _size(os.path.join(self.folders[area], relpath)) == entry[1]:
            return  # the spare already holds these bytes
        destination = self.destination(area, relpath)
        self.written.append((area, relpath))
        temporary = destination.with_name(f".{destination.name}.clarion-new")
        temporary.unlink(missing_ok=True)
        if data is None:
            source = self.targets[area] / relpath
            try:
                os.link(source, temporary)
            except OSError:
                shutil.copyfile(source, temporary)
        else:
            temporary.write_bytes(data)
        # never written in place: the old file may be shared with another generation
        os.replace(temporary, destination)

    def _write_new(self, area: Area, relpath: str, data: bytes) -> bool:
        """In a new generation, where no file is shared with another, write
        ``data`` as ``relpath`` directly (no temporary file to rename);
        ``False`` when something is in the way already."""
        destination = os.path.join(self.folders[area], relpath)
        parent = os.path.dirname(destination)
        try:
            if parent not in self.made_folders:
                os.makedirs(parent, exist_ok=True)
                self.made_folders.add(parent)
            with open(destination, "xb") as handle:
                handle.write(data)
        except OSError:
            return False
        self.written.append((area, relpath))
        return True

    def remove_others(self, manifest: Manifest) -> None:
        """Remove what the spare held that this build does not make."""
        for area in self.folders:
            kept = manifest.get(area.value, {})
            for path in self.held.get(area.value, {}):
                if path not in kept:
                    gone = self.folders[area] / path
                    try:
                        gone.unlink()
                    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                        continue  # already replaced by what this build wrote there
                    _remove_empty_parents(gone.parent, self.folders[area])

    def publish(self, manifest: Manifest) -> None:
        folders = {area.value: folder for area, folder in self.folders.items()}
        self.store.seal(folders, manifest)
        self.store.publish(folders)

    def discard(self) -> None:
        self.store.discard({area.value: folder for area, folder in self.folders.items()})


def write_outputs(
    outputs: Iterable[Output],
    targets: Mapping[Area, Path],
    previous: Mapping[str, Mapping[str, ManifestEntry]] | None = None,
    adopt: Mapping[Path, Collection[str]] | None = None,
    use_spare: bool = True,
    store: OutputStore | None = None,
) -> WriteReport:
    """Write ``outputs`` and swap them in for ``targets``.

    ``previous`` is the manifest of what the targets hold now (used when the
    current generation has no manifest of its own); unchanged files are not
    written again. ``adopt``: real folders that an older Clarion wrote, with
    the files it wrote there (from the build cache), replaced although not
    empty when they hold only those files. Without ``use_spare`` the new
    generation is written afresh. ``store``: the targets' store, opened
    already by the caller (else it is opened here).
    """
    if store is None:
        store = OutputStore({area.value: path for area, path in targets.items()}, adopt)
        with store.opened():
            return write_outputs(outputs, targets, previous, adopt, use_spare, store)
    current = store.manifest(store.current()) if use_spare else None
    if current is None and previous:
        current = {
            area: {path: (e.sha, e.size) for path, e in files.items()}
            for area, files in previous.items()
        }
    return _write(outputs, targets, current or {}, store, use_spare)


def _write(
    outputs: Iterable[Output],
    targets: Mapping[Area, Path],
    current: Manifest,
    store: OutputStore,
    use_spare: bool,
) -> WriteReport:
    intact = all(target.is_dir() for target in targets.values()) and bool(current)
    staging = _Staging(targets, store, current if intact else {})
    seen: set[tuple[Area, str]] = set()
    unchanged: list[tuple[Area, str, tuple[str, int]]] = []
    manifest: dict[str, dict[str, ManifestEntry]] = {area.value: {} for area in targets}
    files = dict.fromkeys(targets, 0)
    sizes = dict.fromkeys(targets, 0)
    changes: list[tuple[str, str, str]] = []
    try:
        for output in outputs:
            relpath = output.path if _clean(output.path) else str(safe_relpath(output.path))
            key = (output.area, relpath)
            if key in seen:
                raise OutputPathError(
                    f"two outputs want the same path: {output.area.value}/{relpath}"
                )
            seen.add(key)
            if output.reused is not None:
                entry = ManifestEntry(output.reused[0], output.reused[1], output.key)
            else:
                entry = ManifestEntry(
                    hashlib.sha256(output.data).hexdigest(), len(output.data), output.key
                )
            manifest[output.area.value][output.path] = entry
            files[output.area] += 1
            sizes[output.area] += entry.size
            pair = (entry.sha, entry.size)
            shown = os.path.join(targets[output.area], relpath)
            same = (
                intact
                and current.get(output.area.value, {}).get(output.path) == pair
                and (
                    # a page reused by reference to the shown file: its size was just checked
                    (output.reused is not None and output.reused[2] == shown)
                    or _size(shown) == entry.size
                )
            )  # (a file edited by hand in the output folder is written again)
            if same and not staging.started:
                unchanged.append((output.area, relpath, pair))  # the bytes are on disk
                continue
            if not staging.started:
                staging.start(use_spare and intact)
                for area, path, held in unchanged:
                    staging.put(area, path, held, None)
                unchanged.clear()
            data = output.data
            if output.reused is not None and not same:  # the file is there: read it now
                data = Path(output.reused[2]).read_bytes()
            staging.put(output.area, relpath, pair, None if same else data)
            if not same and intact:
                known = output.path in current.get(output.area.value, {})
                changes.append((output.area.value, output.path, "changed" if known else "new"))
        plain = {a: {p: (e.sha, e.size) for p, e in f.items()} for a, f in manifest.items()}
        if not staging.started:
            removed = any(set(current.get(a.value, {})) != set(manifest[a.value]) for a in targets)
            if intact and not removed:
                return WriteReport(files=files, bytes=sizes, changed=False, manifest=manifest)
            staging.start(use_spare and intact)
            for area, path, held in unchanged:
                staging.put(area, path, held, None)
        staging.remove_others(plain)
        staging.publish(plain)
    except BaseException:
        staging.discard()
        raise
    if intact:
        for area in targets:
            gone = [p for p in current.get(area.value, {}) if p not in manifest[area.value]]
            changes += [(area.value, path, "removed") for path in sorted(gone)]
    return WriteReport(
        files=files, bytes=sizes, changed=True, manifest=manifest, changes=tuple(changes)
    )


def _clean(path: str) -> bool:
    """``path`` is relative, with no empty, ``.`` or ``..`` part and no backslash:
    safe as written (the common case, checked without building a path)."""
    return (
        bool(path)
        and "\\" not in path
        and not path.startswith("/")
        and not path.endswith("/")
        and "//" not in path
        and all(part not in (".", "..") for part in path.split("/"))
    )


def _size(path: Path | str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return -1


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root and root in folder.parents:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent
