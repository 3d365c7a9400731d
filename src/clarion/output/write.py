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

import os
import shutil
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from ..core.stretch import Piece, write_pieces
from ..errors import ClarionError
from ..render import Area, Carried, Output
from .cache import ManifestEntry
from .generations import Manifest, OutputStore

#: An output's bytes, as pieces written one after the other (:meth:`Output.chunks`).
Chunks = Sequence[Piece]


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

    def __init__(self, targets: Mapping[Area, Path], store: OutputStore):
        self.targets = targets
        self.store = store
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

    def put_unchanged(self, area: Area, files: Iterable[tuple[str, tuple[str, int]]]) -> None:
        """Make the generation hold ``files`` (path, (SHA-256, size)) as the
        current generation does (its files were found with these sizes):
        nothing to do where the spare holds the same according to its
        manifest, else a hard link to the current file."""
        held = self.held.get(area.value, {})
        for relpath in [path for path, pair in files if held.get(path) != pair]:
            self._replace(area, relpath, None)

    def put(self, area: Area, relpath: str, entry: tuple[str, int], data: Chunks) -> None:
        """Make the generation's file ``relpath`` hold ``data`` (its pieces, joined)."""
        if self.fresh and self._write_new(area, relpath, data):
            return
        held = self.held.get(area.value, {}).get(relpath)
        if held == entry and _size(os.path.join(self.folders[area], relpath)) == entry[1]:
            return  # the spare already holds these bytes
        self._replace(area, relpath, data)

    def _replace(self, area: Area, relpath: str, data: Chunks | None) -> None:
        """Write ``data`` as ``relpath`` (``None``: the bytes of the current
        generation's file, linked), never in place: the old file may be
        shared with another generation."""
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
            with open(temporary, "wb") as handle:
                write_pieces(handle, data)
        os.replace(temporary, destination)

    def _write_new(self, area: Area, relpath: str, data: Chunks) -> bool:
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
                write_pieces(handle, data)
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
    writing = _Writing(targets, current or {}, store, use_spare)
    try:
        for output in outputs:
            writing.add(output)
        return writing.finish()
    except BaseException:
        writing.staging.discard()
        raise


class _Writing:
    """One call of :func:`write_outputs`: what the outputs so far made.

    Each output is compared with the current generation's manifest; one whose
    entry is the same, and whose file users see has that size, is unchanged
    (a page the renderer reused checked the size itself). The shown file of
    every other output the manifest names is checked too: one whose size
    differs was edited by hand (or removed), and is taken out of the current
    generation's manifest before the pointer moves, so that generation, as
    the next build's spare, never offers it as it is. A spare is trusted by
    its manifest for the files that are unchanged: no ``stat`` of its copy."""

    def __init__(
        self, targets: Mapping[Area, Path], current: Manifest, store: OutputStore, use_spare: bool
    ):
        self.targets = targets
        self.intact = all(target.is_dir() for target in targets.values()) and bool(current)
        self.current = current if self.intact else {}
        self.store = store
        self.use_spare = use_spare and self.intact
        self.staging = _Staging(targets, store)
        self.seen: dict[Area, set[str]] = {area: set() for area in targets}
        self.manifest: dict[str, dict[str, ManifestEntry]] = {area.value: {} for area in targets}
        self.files = dict.fromkeys(targets, 0)
        self.sizes = dict.fromkeys(targets, 0)
        self.changes: list[tuple[str, str, str]] = []
        #: Unchanged files met before the staging generation started.
        self.waiting: list[tuple[Area, list[tuple[str, tuple[str, int]]]]] = []
        #: Files of the current generation that are not as its manifest says.
        self.damaged: dict[str, set[str]] = {area.value: set() for area in targets}

    def add(self, output: Output) -> None:
        if output.carried is not None:
            self._carry(output.area, output.carried)
            return
        relpath = output.path if _clean(output.path) else str(safe_relpath(output.path))
        self._claim(output.area, relpath)
        if output.reused is not None:
            entry = ManifestEntry(output.reused[0], output.reused[1], output.key)
        else:
            entry = ManifestEntry(output.sha256(), output.size, output.key)
        self._record(output.area, {output.path: entry})
        file = output.reused[2] if output.reused is not None else None
        self._place(output.area, relpath, output.path, entry, file, output.chunks())

    def _claim(self, area: Area, relpath: str) -> None:
        seen = self.seen[area]
        if relpath in seen:
            raise OutputPathError(f"two outputs want the same path: {area.value}/{relpath}")
        seen.add(relpath)

    def _record(self, area: Area, entries: Mapping[str, ManifestEntry]) -> None:
        self.manifest[area.value].update(entries)
        self.files[area] += len(entries)
        self.sizes[area] += sum(entry.size for entry in entries.values())

    def _place(
        self,
        area: Area,
        relpath: str,
        path: str,
        entry: ManifestEntry,
        file: str | None,
        data: Chunks,
    ) -> None:
        """Put one output in the new generation: ``file``, the previous
        build's file it reuses (unread so far), else ``data``."""
        pair = (entry.sha, entry.size)
        shown = os.path.join(self.targets[area], relpath)
        if self._same(area, path, pair, shown, verified=file == shown):
            self._unchanged(area, [(relpath, pair)])
            return
        if file is not None:  # the file is there: read it now
            data = (Path(file).read_bytes(),)
        self._start()
        self.staging.put(area, relpath, pair, data)
        if self.intact:
            known = path in self.current.get(area.value, {})
            self.changes.append((area.value, path, "changed" if known else "new"))

    def _same(
        self, area: Area, path: str, pair: tuple[str, int], shown: str, *, verified: bool
    ) -> bool:
        """The current generation holds ``pair`` as ``path``, and its file
        users see has that size (``verified``: checked already)."""
        known = self.current.get(area.value, {}).get(path)
        if known is None:
            return False
        if known == pair and verified:
            return True
        if _size(shown) != known[1]:
            self.damaged[area.value].add(path)  # edited by hand in the output folder
            return False
        return known == pair

    def _carry(self, area: Area, carried: Carried) -> None:
        """Many unchanged pages at once (see :class:`~clarion.render.Carried`)."""
        files, folder = carried.files, carried.folder
        if not _all_clean(files):
            for path in files:
                safe_relpath(path)  # (an unsafe path is refused before any file is read)
            for path, entry in files.items():
                reused = (entry.sha, entry.size, os.path.join(folder, path))
                self.add(Output(area, path, b"", entry.key, reused=reused))
            return
        seen = self.seen[area]
        if not seen.isdisjoint(files):
            twice = next(path for path in files if path in seen)
            raise OutputPathError(f"two outputs want the same path: {area.value}/{twice}")
        seen.update(files)
        self._record(area, files)
        verified = self.intact and folder == str(self.targets[area])
        current = self.current.get(area.value, {}) if verified else {}
        unchanged = [
            (path, pair)
            for path, entry in files.items()
            if current.get(path) == (pair := (entry.sha, entry.size))
        ]
        if len(unchanged) < len(files):
            for path, entry in files.items():
                if current.get(path) != (entry.sha, entry.size):
                    self._place(area, path, path, entry, os.path.join(folder, path), ())
        self._unchanged(area, unchanged)

    def _unchanged(self, area: Area, files: list[tuple[str, tuple[str, int]]]) -> None:
        if self.staging.started:
            self.staging.put_unchanged(area, files)
        else:
            self.waiting.append((area, files))  # the bytes are on disk

    def _start(self) -> None:
        """Start the staging generation, once a file differs."""
        if not self.staging.started:
            self.staging.start(self.use_spare)
            for area, files in self.waiting:
                self.staging.put_unchanged(area, files)
            self.waiting.clear()

    def finish(self) -> WriteReport:
        current, manifest, targets = self.current, self.manifest, self.targets
        if not self.staging.started:
            removed = any(
                current.get(a.value, {}).keys() != manifest[a.value].keys() for a in targets
            )
            if self.intact and not removed:
                return WriteReport(
                    files=self.files, bytes=self.sizes, changed=False, manifest=manifest
                )
            self._start()
        plain = {a: {p: (e.sha, e.size) for p, e in f.items()} for a, f in manifest.items()}
        self.staging.remove_others(plain)
        if any(self.damaged.values()):
            self.store.forget(self.damaged)
        self.staging.publish(plain)
        changes = self.changes
        if self.intact:
            for area in targets:
                gone = current.get(area.value, {}).keys() - manifest[area.value].keys()
                changes += [(area.value, path, "removed") for path in sorted(gone)]
        return WriteReport(
            files=self.files,
            bytes=self.sizes,
            changed=True,
            manifest=manifest,
            changes=tuple(changes),
        )


def _all_clean(paths: Iterable[str]) -> bool:
    """Every path passes :func:`_clean` (checked at once, in one text: no
    part of any is empty, ``.`` or ``..``, and none holds a backslash)."""
    joined = "/" + "/".join(paths) + "/"
    return not any(bad in joined for bad in ("\\", "//", "/./", "/../"))


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
