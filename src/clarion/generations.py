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

A build writes a new generation ``g-8`` beside the current one (unchanged
files are hard links into ``g-7``), then replaces the pointer with one
``rename``: at every instant, both folders show the complete old pair or the
complete new pair. A killed build leaves at most an unfinished generation and
a spare link; the next build removes them before it starts (:meth:`open`).

Clarion writes only through links it made: a folder that is a link to
somewhere else, a file, or a non-empty folder Clarion did not make is refused.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from .errors import UsageError

try:
    import fcntl
except ImportError:  # pragma: no cover - platforms without flock
    fcntl = None  # type: ignore[assignment]

OWNER_FILE = "OWNER"
POINTER = "current"
_GENERATION_PREFIX = "g-"


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

    def __init__(self, targets: Mapping[str, Path], adopt: Iterable[Path] = ()):
        self.targets = dict(targets)
        first = next(iter(self.targets.values()))
        self.root = store_for(first)
        self._adopt = {Path(p) for p in adopt}
        self._lock: int | None = None

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
        if not target.exists() or target in self._adopt:
            return
        if not target.is_dir():
            raise UsageError(f"the {area} folder {target} is a file; choose a folder")
        if any(target.iterdir()):
            raise UsageError(
                f"the {area} folder {target} is not empty and was not made by Clarion; "
                "refusing to replace it: choose a new or empty folder, or empty it yourself"
            )

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
        for entry in sorted(self.root.iterdir()):
            if entry.name in (OWNER_FILE, "lock", POINTER) or entry == current:
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

    def new_generation(self) -> dict[str, Path]:
        """Empty folders of a new generation, one per area."""
        current = self.current()
        number = 0
        if current is not None and current.name.startswith(_GENERATION_PREFIX):
            number = int(current.name[len(_GENERATION_PREFIX) :] or 0)
        generation = self.root / f"{_GENERATION_PREFIX}{number + 1}"
        if generation.exists():
            shutil.rmtree(generation)
        folders = {area: generation / area for area in self.targets}
        for folder in folders.values():
            folder.mkdir(parents=True)
        return folders

    def publish(self, folders: Mapping[str, Path]) -> None:
        """Make the generation of ``folders`` current: one rename of the pointer."""
        generation = next(iter(folders.values())).parent
        previous = self.current()
        spare = self.root / f"{POINTER}.{os.getpid()}"
        spare.unlink(missing_ok=True)
        os.symlink(generation.name, spare)
        os.replace(spare, self.root / POINTER)
        for area, target in self.targets.items():
            self._place_link(area, target)
        if previous is not None and previous != generation:
            shutil.rmtree(previous, ignore_errors=True)

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
        for folder in folders.values():
            if folder.parent != self.current():
                shutil.rmtree(folder.parent, ignore_errors=True)
            break
