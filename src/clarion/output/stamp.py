"""The stamp of a build's inputs: one hash of every file a build reads,
Clarion's version, the site's settings and ``now``. A build whose stamp is
the last build's, with the output folders intact, renders and writes
nothing (:mod:`clarion.output.cache`); computing it reads each file's
digest, from the file or, while its stat is unchanged, from the memory of
earlier builds (:mod:`clarion.output.file_digests`)."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from .. import __version__
from ..config import SiteConfig
from ..load.runbooks import runbooks_dir
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
