"""Reusing a file of the previous build whose render key is unchanged.

A writer that can say, with a short hash, everything one of its files
depends on (its *render key*, :func:`clarion.output.cache.render_key`) asks here
for the previous build's file under the same key. With the on-disk cache the
file is reused by reference (its bytes are neither read nor hashed again);
with another cache (``clarion serve`` keeps pages in memory) its bytes come
back. Without a cache, or when the key, the size or the file differ, the
writer renders the file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import Area, Output

if TYPE_CHECKING:
    from ..output.cache import BuildCache


def previous_output(cache: BuildCache | None, area: Area, path: str, key: str) -> Output | None:
    """The previous build's ``area/path`` under render key ``key``, or ``None``."""
    if cache is None:
        return None
    found = cache.previous_file(area.value, path, key)
    if found is not None:
        entry, file = found
        return Output(area, path, b"", key, reused=(entry.sha, entry.size, file))
    data = cache.previous_page(area.value, path, key)
    return None if data is None else Output(area, path, data, key)
