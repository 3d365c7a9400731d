"""Where a build's folders live: generations behind one pointer.

The public and private folders a user names (``public/``, ``private/``) are
symbolic links that Clarion makes and owns; they point through one pointer,
``current``, into the newest complete *generation* of a store beside the
public folder::

    public  -> .public.clarion/current/public
    private -> .public.clarion/current/private   (relative, wherever private is)
    .public.clarion/
        OWNER          which folders this store serves (the marker of ownership)
        lock           held while a build writes
        current -> g-7 the pointer
        g-7/public/  g-7/private/

Every complete generation holds ``MANIFEST.json`` (the SHA-256 and size of
each of its files), written after its last file. A build fills a generation
beside the current one, then replaces the pointer with one ``rename``: at
every instant, both folders show the complete old pair or the complete new
pair. The generation the pointer left stays as the *spare*: the next build
takes it (removes its manifest, renames it ``g-9``), rewrites only the files
that differ from what it holds, removes the ones no longer built, and swaps
the pointer again, so an edit costs what changed, not a tree of folders.
Files are never written in place (a new file is renamed over the old one),
so files the generations share as hard links stay intact, and a spare holds
what its manifest says: a file edited by hand in the shown generation (the
writer checks each file's size there) is taken out of that generation's
manifest before the pointer leaves it (:meth:`OutputStore.forget`). Without a spare
(the first builds, ``--no-cache``), a new generation is filled with hard
links into the current one.

A build that finds no spare (the first edit after a build without one: the
first build, or one without the cache) starts making one as it begins: a
forked process links every file of the current generation into a copy,
writes its manifest and renames it into place, while the build loads and
renders; the build takes it as the spare when it writes (and waits for it
then, if need be). Without ``fork`` the new generation is linked as before.

A killed build leaves at most an unfinished generation (without a manifest)
and a spare link; the next build removes them before it starts (:meth:`open`).

Clarion writes only through links it made: a folder that is a link to
somewhere else, a file, or a non-empty folder Clarion did not make is refused.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import signal
from collections.abc import Collection, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from sys import intern
from typing import TYPE_CHECKING, TypeVar

from ..errors import UsageError

if TYPE_CHECKING:
    from ..core.parallel import Background

try:
    import fcntl
except ImportError:  # pragma: no cover - platforms without flock
    fcntl = None  # type: ignore[assignment]

OWNER_FILE = "OWNER"
POINTER = "current"
#: In a generation folder, beside its area folders: written once it is complete.
MANIFEST_FILE = "MANIFEST.json"
#: A generation's manifest: area -> path -> (sha256, size).
Manifest = dict[str, dict[str, tuple[str, int]]]
_GENERATION_PREFIX = "g-"
_STAT_AT = os.stat in os.supports_dir_fd and hasattr(os, "O_DIRECTORY")
T = TypeVar("T")


def store_for(folder: Path) -> Path:
    """The store that holds the generations of the output folder ``folder``."""
    return folder.parent / f".{folder.name}.clarion"


def _link_text(target: Path, store: Path, area: str) -> str:
    return os.path.relpath(store / POINTER / area, target.parent)


def _is_store(path: Path) -> bool:
    return (path / OWNER_FILE).is_file()


def owned_link(target: Path) -> bool:
    """``target`` is a link Clarion made: it points at ``<store>/current/<name>``
    of a store with an OWNER file."""
    if not target.is_symlink():
        return False
    link = Path(os.path.normpath(target.parent / os.readlink(target)))
    return link.parent.name == POINTER and _is_store(link.parent.parent)


class OutputStore:
    """One store, opened (locked and cleaned of a killed build's leftovers)
    for one build; ``targets`` maps an area name to the folder users see."""

    def __init__(
        self, targets: Mapping[str, Path], adopt: Mapping[Path, Collection[str]] | None = None
    ):
        self.targets = dict(targets)
        first = next(iter(self.targets.values()))
        self.root = store_for(first)
        self._adopt = dict(adopt or {})
        self._lock: int | None = None
        self._ahead: Background[bool] | None = None  # the spare being made (copy_ahead)

    # -- opening: ownership, lock, recovery ---------------------------------------

    @contextmanager
    def opened(self) -> Iterator[OutputStore]:
        for area, target in self.targets.items():
            self._check_target(area, target)
        self.root.mkdir(parents=True, exist_ok=True)
        owner = self.root / OWNER_FILE
        if not owner.is_file():
            data = {"made_by": "clarion", "serves": {a: str(t) for a, t in self.targets.items()}}
            owner.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        self._take_lock()
        try:
            self.recover()
            yield self
        finally:
            self._settle_ahead()  # never left writing once the lock is let go
            if self._lock is not None:
                os.close(self._lock)
                self._lock = None

    def _check_target(self, area: str, target: Path) -> None:
        if target.is_symlink():
            if owned_link(target) or not target.exists():
                return  # Clarion's link, or a dangling one: replacing it loses nothing
            raise UsageError(
                f"the {area} folder {target} is a symbolic link to {os.readlink(target)}; "
                "Clarion does not write through links it did not make: "
                "remove the link or choose another folder"
            )
        if not target.exists() or self._older_output(target):
            return
        if not target.is_dir():
            raise UsageError(f"the {area} folder {target} is a file; choose a folder")
        if any(target.iterdir()):
            raise UsageError(
                f"the {area} folder {target} is not empty and was not made by Clarion; "
                "refusing to replace it: choose a new or empty folder, or empty it yourself"
            )

    def _older_output(self, target: Path) -> bool:
        """``target`` is a real folder an older Clarion wrote: it holds only
        files the build cache says that Clarion wrote there."""
        written = self._adopt.get(target)
        if not written or not target.is_dir():
            return False
        for path in target.rglob("*"):
            if not path.is_dir() and path.relative_to(target).as_posix() not in written:
                return False
        return True

    def _take_lock(self) -> None:
        self._lock = os.open(self.root / "lock", os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is None:
            return
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(self._lock)
            self._lock = None
            raise UsageError(
                f"another build is writing {self.root.parent}; wait for it to finish"
            ) from None

    def current(self) -> Path | None:
        pointer = self.root / POINTER
        if not pointer.is_symlink():
            return None
        return self.root / os.readlink(pointer)

    def recover(self) -> None:
        """Remove what a killed build left: unfinished generations, spare
        links, the staging folders of older Clarion versions."""
        current = self.current()
        spare = self.spare()
        for entry in sorted(self.root.iterdir()):
            if entry.name in (OWNER_FILE, "lock", POINTER) or entry in (current, spare):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
        for target in self.targets.values():
            for pattern in (f".{target.name}.new-*", f".{target.name}.old-*"):
                for old in target.parent.glob(pattern):
                    if old.is_dir() and not old.is_symlink():
                        shutil.rmtree(old, ignore_errors=True)
            for spare in target.parent.glob(f".{target.name}.link-*"):
                if spare.is_symlink():
                    spare.unlink()

    # -- writing a generation --------------------------------------------------------

    def exists(self) -> bool:
        """The store was made (by an earlier build)."""
        return _is_store(self.root)

    def copy_ahead(self) -> None:
        """Without a spare, start making one: the current generation copied by
        hard links in a forked process (see the module's notes). Nothing
        without ``fork``, without a complete current generation, or with a
        spare already."""
        from ..core.parallel import Background, can_fork

        current = self.current()
        if self._ahead is not None or current is None or not can_fork():
            return
        number = _number(current)
        final = self.root / f"{_GENERATION_PREFIX}{number - 1}"
        if number < 1 or final.exists() or self.spare() is not None:
            return  # (checked before the manifest is read: an edit has a spare)
        manifest = self.manifest(current)
        if manifest is None:
            return
        partial = self.root / f".copy-{os.getpid()}"
        self._ahead = Background(
            functools.partial(_copy_generation, current, manifest, partial, final, os.getpid())
        )

    def _settle_ahead(self, *, stop: bool = True) -> None:
        """Wait for the spare being made, if one is; ``stop``: a spare is not
        needed now, so the copy stops where it is (a spare that holds part of
        the files is a spare all the same: the next build writes the rest)."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None:
            if stop:
                ahead.stop()
            ahead.result()

    def spare(self) -> Path | None:
        """The complete generation before the current one, if it was kept:
        the newest other generation with a manifest."""
        self._settle_ahead(stop=False)
        current = self.current()
        found = [
            (_number(entry), entry)
            for entry in self.root.glob(f"{_GENERATION_PREFIX}*")
            if entry != current and _number(entry) >= 0 and (entry / MANIFEST_FILE).is_file()
        ]
        return max(found)[1] if found else None

    def manifest(self, generation: Path | None) -> Manifest | None:
        """What ``generation`` holds, from its manifest (``None``: unknown; an
        entry of other types never equals what a build makes, so its file is
        written again). Its paths and digests are interned: a build holds the
        manifests of two generations and the cache's, of the same files (at
        50,000 incidents, 13 MB less)."""
        if generation is None:
            return None
        try:
            data = json.loads((generation / MANIFEST_FILE).read_bytes())
            return {
                area: {intern(p): (intern(sha), size) for p, (sha, size) in data[area].items()}
                for area in self.targets
            }
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def _next_name(self) -> Path:
        current = self.current()
        number = max(_number(current) if current is not None else 0, 0)
        return self.root / f"{_GENERATION_PREFIX}{number + 1}"

    def new_generation(self) -> dict[str, Path]:
        """Empty folders of a new generation, one per area."""
        self._settle_ahead()
        generation = self._next_name()
        if generation.exists():
            shutil.rmtree(generation)
        folders = {area: generation / area for area in self.targets}
        for folder in folders.values():
            folder.mkdir(parents=True)
        return folders

    def take_spare(self) -> tuple[dict[str, Path], Manifest] | None:
        """The spare generation, renamed to be the next one and no longer
        marked complete, with what it holds; ``None`` without a spare."""
        spare = self.spare()
        manifest = self.manifest(spare)
        if spare is None or manifest is None:
            return None
        (spare / MANIFEST_FILE).unlink()  # from here on it is an unfinished generation
        generation = self._next_name()
        if generation.exists():
            shutil.rmtree(generation)
        spare.rename(generation)
        folders = {area: generation / area for area in self.targets}
        for folder in folders.values():
            folder.mkdir(exist_ok=True)
        return folders, manifest

    def forget(self, paths: Mapping[str, Collection[str]]) -> None:
        """Take ``paths`` (by area) out of the current generation's manifest:
        its files that are not what the manifest says (edited by hand in the
        output folder). Done before the pointer leaves it, so that as the
        next build's spare it never offers them as they are; a build killed
        after this step finds them missing from the manifest, and writes them."""
        current = self.current()
        manifest = self.manifest(current)
        if current is None or manifest is None:
            return
        for area, gone in paths.items():
            for path in gone:
                manifest.get(area, {}).pop(path, None)
        _write_manifest(current, manifest)

    def seal(self, folders: Mapping[str, Path], manifest: Manifest) -> None:
        """Mark the generation of ``folders`` complete: its manifest, written last."""
        _write_manifest(next(iter(folders.values())).parent, manifest)

    def publish(self, folders: Mapping[str, Path], keep_previous: bool = True) -> None:
        """Make the generation of ``folders`` current: one rename of the pointer.
        The previous generation stays as the spare when ``keep_previous`` and
        it is complete; every other generation is removed."""
        self._settle_ahead()
        generation = next(iter(folders.values())).parent
        previous = self.current()
        spare = self.root / f"{POINTER}.{os.getpid()}"
        spare.unlink(missing_ok=True)
        os.symlink(generation.name, spare)
        os.replace(spare, self.root / POINTER)
        for area, target in self.targets.items():
            self._place_link(area, target)
        keep = {generation}
        if keep_previous and previous is not None and (previous / MANIFEST_FILE).is_file():
            keep.add(previous)
        for entry in self.root.glob(f"{_GENERATION_PREFIX}*"):
            if entry not in keep and entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)

    def _place_link(self, area: str, target: Path) -> None:
        text = _link_text(target, self.root, area)
        if target.is_symlink() and os.readlink(target) == text:
            return
        target.parent.mkdir(parents=True, exist_ok=True)
        spare = target.parent / f".{target.name}.link-{os.getpid()}"
        spare.unlink(missing_ok=True)
        os.symlink(text, spare)
        if target.is_dir() and not target.is_symlink():
            # an empty folder, or the output of an older Clarion: moved into
            # the store and removed (a one-time step, not atomic)
            retired = target.parent / f".{target.name}.old-{os.getpid()}"
            target.rename(retired)
            shutil.rmtree(retired, ignore_errors=True)
        os.replace(spare, target)

    def discard(self, folders: Mapping[str, Path]) -> None:
        """Remove an unfinished generation (never the current one)."""
        self._settle_ahead()
        for folder in folders.values():
            if folder.parent != self.current():
                shutil.rmtree(folder.parent, ignore_errors=True)
            break


def files_as_listed(folder: str, entries: Iterable[tuple[str, int, T]]) -> Iterator[tuple[str, T]]:
    """Of ``entries`` (path, size, what goes with it), those whose file in
    ``folder`` has that size: one ``stat`` each, relative to the folder
    opened once (cheaper than a whole path each time)."""
    try:
        opened = os.open(folder, os.O_RDONLY | os.O_DIRECTORY) if _STAT_AT else None
    except OSError:
        return
    base = "" if opened is not None else os.path.join(folder, "")
    try:
        for path, size, value in entries:
            try:
                if os.stat(base + path, dir_fd=opened).st_size == size:
                    yield path, value
            except OSError:
                continue
    finally:
        if opened is not None:
            os.close(opened)


def _number(generation: Path) -> int:
    """The number of a generation folder ``g-<n>``; -1 for other names."""
    digits = generation.name[len(_GENERATION_PREFIX) :]
    return (
        int(digits) if generation.name.startswith(_GENERATION_PREFIX) and digits.isdigit() else -1
    )


def _write_manifest(generation: Path, manifest: Manifest) -> None:
    """Mark ``generation`` complete: its manifest, written last (in the
    manifest's order: each (SHA-256, size) pair a JSON array)."""
    temporary = generation / f".{MANIFEST_FILE}.tmp"
    temporary.write_text(json.dumps(manifest, separators=(",", ":")), encoding="utf-8")
    os.replace(temporary, generation / MANIFEST_FILE)


def _copy_generation(
    current: Path, manifest: Manifest, partial: Path, final: Path, parent: int
) -> bool:
    """Copy the generation ``current`` (holding ``manifest``) by hard links
    into ``partial``, mark it complete and rename it ``final``; ``False``
    (and nothing left) when a file cannot be linked. In the forked process
    (not ``parent``), ``SIGTERM`` ends the copy early: the files linked so
    far are the generation, and its manifest says so. Called again in
    ``parent`` (the forked process died: stopped before it could handle the
    signal), it removes what was left and makes no spare."""
    shutil.rmtree(partial, ignore_errors=True)
    if os.getpid() == parent:
        return False
    stopped: list[int] = []
    signal.signal(signal.SIGTERM, lambda number, frame: stopped.append(number))
    held: Manifest = {area: {} for area in manifest}
    try:
        made: set[str] = set()
        for area, files in manifest.items():
            source, copy = os.path.join(current, area), os.path.join(partial, area)
            os.makedirs(copy)
            made.add(copy)
            for path, entry in files.items():
                if stopped:
                    break
                into = os.path.join(copy, path)
                folder = os.path.dirname(into)
                if folder not in made:
                    os.makedirs(folder, exist_ok=True)
                    made.add(folder)
                os.link(os.path.join(source, path), into)
                held[area][path] = entry
        _write_manifest(partial, held)
        os.rename(partial, final)
    except OSError:
        shutil.rmtree(partial, ignore_errors=True)
        return False
    return True


def current_generation(targets: dict[str, str]) -> str | None:
    """The generation the output folders in ``targets`` show now (their store's pointer)."""
    public = targets.get("public")
    if public is None:
        return None
    try:
        return os.readlink(store_for(Path(public)) / POINTER)
    except OSError:
        return None
