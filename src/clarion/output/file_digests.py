"""The SHA-256 of each input file, remembered between builds by the file's stat.

A build's stamp (:func:`clarion.output.stamp.input_stamp`) hashes every file
the build reads: at 10,000 incidents that is 10,000 files opened and read
for a build that changed one of them. Like git's index, Clarion keeps, for
each file, the size, modification and change times, inode and device its
digest was computed for (``.clarion-cache/digests.json.zst``); a file whose
stat is the same is not read again.

A file changed twice within one tick of the file system's clock can keep
its size and times ("racily clean", in git's words). So a digest is reused
only for a file whose modification and change times are more than
:data:`RACY_NS` before the moment the build that computed it started
reading: a file touched since then, or just before, is read and hashed
every time, until a build starts long after its last change. The change
time moves with every write (and cannot be set back by hand), so a file
whose modification time was restored is read again too.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

from .compressed import CompressedError, compress, decompress

#: How long before a build started a file must have last changed for its
#: digest to be trusted by its stat (the coarsest clock tick of the file
#: systems Clarion runs on, FAT's two seconds, with room for clock skew).
RACY_NS = 3_000_000_000
DIGESTS_FILE = "digests.json.zst"
_FORMAT = "clarion-digests-1"

#: size, modification time, change time, inode, device (ns for the times)
Stat = tuple[int, int, int, int, int]


def _stat_of(result: os.stat_result) -> Stat:
    return (
        result.st_size,
        result.st_mtime_ns,
        result.st_ctime_ns,
        result.st_ino,
        result.st_dev,
    )


class FileDigests:
    """The digests a folder of the build cache remembers, and those of this build."""

    def __init__(self, folder: Path | None, started_ns: int | None = None) -> None:
        self.folder = folder
        #: when this build started reading its inputs (digests computed from
        #: now on are trusted by the next build only for files older than this)
        self.started_ns = time.time_ns() if started_ns is None else started_ns
        self._known: dict[str, tuple[Stat, str]] = {}
        self._trusted_before = 0  # files changed after this are read again
        self._now: dict[str, tuple[Stat, str]] = {}
        self._unsaved = False  # digests computed since the last save
        self.read = 0  # files opened and hashed by this build
        self._loaded = folder is None  # the memory is read on first use

    def _load_once(self) -> None:
        if not self._loaded:
            self._loaded = True
            assert self.folder is not None
            self._load(self.folder / DIGESTS_FILE)

    def _load(self, path: Path) -> None:
        try:
            data = json.loads(decompress(path.read_bytes()))
            if data.get("format") != _FORMAT:
                return
            trusted_before = int(data["started_ns"]) - RACY_NS
            known: dict[str, tuple[Stat, str]] = {}
            for name, (size, mtime, ctime, inode, device, sha) in data["files"].items():
                stat = (int(size), int(mtime), int(ctime), int(inode), int(device))
                if max(mtime, ctime) < trusted_before and isinstance(sha, str):
                    known[str(name)] = (stat, sha)
        except (OSError, CompressedError, ValueError, KeyError, TypeError, AttributeError):
            return  # no memory (or not one this Clarion reads): every file is read
        self._known, self._trusted_before = known, trusted_before

    def digest(self, path: str) -> bytes:
        """The SHA-256 of the file at ``path`` (raw bytes): remembered when
        its stat is unchanged, else read now. (A file that changes while it
        is read is remembered with the stat from before: the next build
        reads it again.)"""
        self._load_once()
        stat = _stat_of(os.stat(path))
        known = self._known.get(path)
        self._unsaved = True
        if known is not None and known[0] == stat:
            self._now[path] = known
            return bytes.fromhex(known[1])
        with open(path, "rb") as handle:
            sha = hashlib.sha256(handle.read())
        self.read += 1
        self._now[path] = (stat, sha.hexdigest())
        return sha.digest()

    def hex(self, path: str) -> str:
        """The digest :meth:`digest` gave for ``path``, in hex."""
        return self._now[path][1]

    def save(self) -> None:
        """Keep this build's digests for the next (best effort), when the
        next could trust more of them than those it found, or some files
        are gone."""
        if self.folder is None or not self._unsaved:
            return  # no digest computed since the build started, or last saved: nothing to say
        self._unsaved = False
        trusted_before = self.started_ns - RACY_NS
        gained = any(
            self._known.get(name) != (stat, sha)
            for name, (stat, sha) in self._now.items()
            if max(stat[1], stat[2]) < trusted_before
        )
        if not (gained or self._known.keys() - self._now.keys()):
            return
        files = {name: [*stat, sha] for name, (stat, sha) in self._now.items()}
        data = {"format": _FORMAT, "started_ns": self.started_ns, "files": files}
        encoded = json.dumps(data, separators=(",", ":")).encode("utf-8")
        path = self.folder / DIGESTS_FILE
        temporary = path.with_name(f".{path.name}.{os.getpid()}")
        try:
            temporary.write_bytes(compress(encoded))
            os.replace(temporary, path)
        except OSError:
            temporary.unlink(missing_ok=True)
