"""The stamp of a build's inputs: one hash of every file a build reads,
Clarion's version, the site's settings and ``now``. A build whose stamp is
the last build's, with the output folders intact, renders and writes
nothing (:mod:`clarion.output.cache`); computing it reads each file's
digest, from the file or, while its stat is unchanged, from the memory of
earlier builds (:mod:`clarion.output.file_digests`)."""

from __future__ import annotations

import functools
import hashlib
import itertools
import os
from collections.abc import Callable
from pathlib import Path

from .. import __version__
from ..config import SiteConfig
from ..core.parallel import MIN_ITEMS, Forked
from ..load.runbooks import runbooks_dir
from .cache import BuildCache
from .file_digests import FileDigests


def input_stamp(
    config: SiteConfig,
    *extra: object,
    theme_dir: Path,
    digests: dict[str, str] | None = None,
    known: FileDigests | None = None,
) -> str:
    """A hash of every file a build reads (the site's and the built-in theme in
    ``theme_dir``), Clarion's version and ``extra`` (the build's ``now``).
    ``digests``, if given, receives each file's SHA-256 by path (the loader
    then reads only the files it parses again). ``known``: the digests of
    files whose stat is unchanged since an earlier build (those are not read)."""
    digest = hashlib.sha256(f"{__version__}\0{config.digest}\0".encode())
    for part in extra:
        digest.update(f"{part}\0".encode())
    folders = [
        config.updates_dir,
        config.paths.comms,
        config.source_dir,
        config.templates_dir,
        runbooks_dir(config.root),
        theme_dir,
    ]
    update = digest.update
    for folder in folders:
        update(f"{folder}\0".encode())
        for dirpath, dirnames, filenames in os.walk(folder):
            dirnames.sort()
            within = os.path.join(dirpath, "")  # (a file's name holds no separator)
            for name in sorted(filenames):
                path = within + name
                update(path.encode("utf-8", "surrogateescape"))
                if known is not None:
                    update(known.digest(path))
                    if digests is not None:
                        digests[path] = known.hex(path)
                    continue
                with open(path, "rb") as handle:
                    each = hashlib.sha256(handle.read())
                update(each.digest())
                if digests is not None:
                    digests[path] = each.hexdigest()
    return digest.hexdigest()


def stamp_and_compare(
    config: SiteConfig,
    now: str,
    *,
    theme_dir: Path,
    cache: BuildCache,
    targets: dict[str, str],
    when_unchanged: Callable[[], None],
    fork: bool = True,
) -> tuple[Callable[[], str], bool]:
    """The stamp of the build's inputs at ``now`` (a function that returns
    it; each file's digest in ``cache.source_digests``) and whether the last
    build's output in ``targets`` is what they make
    (:meth:`BuildCache.unchanged_output`, which is then followed by
    ``when_unchanged``; no ``targets``: never).

    With ``fork``, on a large site (:func:`_large`) and a system that forks,
    both are found in a process forked with ``os.fork`` alone
    (:class:`Forked`), which also keeps the digests it found:

    * after a build, while this one reads the parsed sources, which any
      other build reads next: at 50,000 incidents, stating every input file
      and reading the digests remembered by stat takes about 0.3 s, and
      reading the parsed sources 0.7 s. The digests come back in a memory
      file; when nothing changed, the reading stops;
    * at a first build, which has no parsed sources to reuse (no digest to
      look at) and nothing to compare with, while this one parses: the
      stamp is waited for when the build saves it, or ends otherwise."""

    def stamped() -> tuple[str, bool]:
        stamp = input_stamp(
            config,
            now,
            theme_dir=theme_dir,
            digests=cache.source_digests,
            known=cache.file_digests,
        )
        unchanged = bool(targets) and cache.unchanged_output(stamp, targets)
        if unchanged:
            when_unchanged()
        return stamp, unchanged

    def in_background() -> tuple[str, bool, dict[str, str]]:
        stamp, unchanged = stamped()
        if unchanged:  # (nothing will be read: no digest to hand over or keep)
            return stamp, unchanged, {}
        cache.save_digests()
        return stamp, unchanged, {} if first else cache.source_digests

    first = cache.stamp is None
    if not fork or not _large(config, cache):
        stamp, unchanged = stamped()
        return (lambda: stamp), unchanged
    stamping = Forked(in_background)
    if first:
        return functools.cache(lambda: stamping.result()[0]), False
    finish_reading = cache.read_parsed_ahead()
    stamp, unchanged, digests = stamping.result()
    cache.source_digests.update(digests)
    finish_reading(not unchanged)
    return (lambda: stamp), unchanged


def _large(config: SiteConfig, cache: BuildCache) -> bool:
    """A site worth a forked process: its last build wrote ``MIN_ITEMS``
    public files, or (a first build) its updates folder holds as many."""
    if cache.stamp is not None:
        return len(cache.manifest.get("public", {})) >= MIN_ITEMS
    try:
        with os.scandir(config.updates_dir) as entries:
            return sum(1 for _ in itertools.islice(entries, MIN_ITEMS)) >= MIN_ITEMS
    except OSError:
        return False
