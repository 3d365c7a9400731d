"""Put a build's outputs on disk, all or nothing.

Every output is written into staging folders beside the targets; only when
all are complete are the public and private folders swapped in, together. A
failed or interrupted build leaves the previous folders as they were. Paths
are checked: no output may leave its folder, and no path is written twice.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .errors import ClarionError
from .render import Area, Output


class OutputPathError(ClarionError):
    """An output path is unsafe (absolute, ``..``) or written twice."""


@dataclass(frozen=True, slots=True)
class WriteReport:
    files: Mapping[Area, int]
    bytes: Mapping[Area, int]


def safe_relpath(path: str) -> PurePosixPath:
    """Check that ``path`` stays inside its folder."""
    pure = PurePosixPath(path)
    if pure.is_absolute() or not pure.parts or any(part in ("..", ".", "") for part in pure.parts) or "\\" in path:
        raise OutputPathError(f"refusing to write {path!r}: outputs must stay inside the output folder")
    return pure


def write_outputs(outputs: Iterable[Output], targets: Mapping[Area, Path]) -> WriteReport:
    """Write ``outputs`` into staging folders, then swap them in for ``targets``."""
    staging = {area: _staging_path(target, "new") for area, target in targets.items()}
    seen: set[tuple[Area, PurePosixPath]] = set()
    files = dict.fromkeys(targets, 0)
    sizes = dict.fromkeys(targets, 0)
    made_dirs: set[Path] = set()
    try:
        for folder in staging.values():
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
        for output in outputs:
            relpath = safe_relpath(output.path)
            key = (output.area, relpath)
            if key in seen:
                raise OutputPathError(f"two outputs want the same path: {output.area.value}/{relpath}")
            seen.add(key)
            destination = staging[output.area].joinpath(*relpath.parts)
            parent = destination.parent
            if parent not in made_dirs:
                parent.mkdir(parents=True, exist_ok=True)
                made_dirs.add(parent)
            destination.write_bytes(output.data)
            files[output.area] += 1
            sizes[output.area] += len(output.data)
        _swap(staging, targets)
    except BaseException:
        for folder in staging.values():
            shutil.rmtree(folder, ignore_errors=True)
        raise
    return WriteReport(files=files, bytes=sizes)


def _staging_path(target: Path, label: str) -> Path:
    return target.parent / f".{target.name}.{label}-{os.getpid()}"


def _swap(staging: Mapping[Area, Path], targets: Mapping[Area, Path]) -> None:
    """Replace every target by its staging folder; undo all if one step fails."""
    retired: dict[Area, Path] = {}
    placed: list[Area] = []
    try:
        for area, target in targets.items():
            if target.exists():
                old = _staging_path(target, "old")
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
