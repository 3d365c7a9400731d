"""A wheelhouse made offline: installed distributions of this Python,
repacked as wheels, so a test can install packages with pip and no index."""

from __future__ import annotations

import base64
import hashlib
import re
import zipfile
from importlib import metadata
from pathlib import Path

from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def _closure(names: list[str]) -> list[metadata.Distribution]:
    """The installed distributions ``names`` need at run time, transitively."""
    seen: dict[str, metadata.Distribution] = {}
    todo = list(names)
    env = default_environment()
    while todo:
        name = canonicalize_name(todo.pop())
        if name in seen:
            continue
        dist = metadata.distribution(name)
        seen[name] = dist
        for line in dist.requires or []:
            req = Requirement(line)
            if req.marker is None or req.marker.evaluate({**env, "extra": ""}):
                todo.append(req.name)
    return list(seen.values())


def _repack(dist: metadata.Distribution, folder: Path) -> Path:
    """A wheel of an installed distribution, from the files its RECORD lists
    (console scripts are made again from entry_points.txt on install)."""
    files = [f for f in dist.files or [] if not str(f).startswith("..")]
    info = next(f.parts[0] for f in files if f.parts[0].endswith(".dist-info"))
    wheel_meta = (Path(str(dist.locate_file(info))) / "WHEEL").read_text()
    tags = [t.split("-") for t in re.findall(r"^Tag: (\S+)$", wheel_meta, re.MULTILINE)]
    tag = "-".join(".".join(dict.fromkeys(t[i] for t in tags)) for i in range(3))
    name = re.sub(r"[-_.]+", "_", dist.metadata["Name"]).lower()
    target = folder / f"{name}-{dist.version}-{tag}.whl"
    records = []
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as wheel:
        for item in sorted(files, key=str):
            relpath = item.as_posix()
            if "__pycache__" in item.parts or relpath.endswith(".pyc"):
                continue
            if item.parts[0] == info and item.name in (
                "RECORD",
                "INSTALLER",
                "REQUESTED",
                "direct_url.json",
            ):
                continue
            data = Path(str(dist.locate_file(item))).read_bytes()
            wheel.writestr(relpath, data)
            digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
            records.append(f"{relpath},sha256={digest.decode()},{len(data)}")
        records.append(f"{info}/RECORD,,")
        wheel.writestr(f"{info}/RECORD", "\n".join(records) + "\n")
    return target


def clarion_requirements() -> list[str]:
    """The names of Clarion's run-time dependencies."""
    return [
        Requirement(r).name
        for r in metadata.requires("clarion-status") or []
        if "extra ==" not in r
    ]


def build_wheelhouse(folder: Path, names: list[str]) -> list[str]:
    """Wheels of ``names`` and everything they need, in ``folder``."""
    folder.mkdir(parents=True)
    return sorted(_repack(d, folder).name for d in _closure(names))
