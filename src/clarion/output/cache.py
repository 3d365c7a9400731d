"""What a build may reuse from the previous one, kept in ``<site>/.clarion-cache/``.

Nothing cached can change what a build produces:

* **Parsed sources.** Each ``updates/*.md`` file's parsed incident, keyed by
  the file's SHA-256, Clarion's version and what reading a file takes from
  ``site.toml`` (the time zone and the component ids:
  :class:`~clarion.load.incident_fields.ReadingSettings`). A file that
  changed is parsed again, and every file when the zone or the components
  change; another edit to ``site.toml`` (a title, a rule) parses nothing.
* **Converted Markdown.** The sanitised HTML of each update text earlier
  builds converted, keyed by the text's SHA-256, for the same converter,
  sanitiser and settings (:mod:`clarion.output.conversions`). Also the
  rulebook's data and compiled templates (``rulebook.json``, ``templates/``).
* **The stamp of the last build**: a hash of every input file (updates,
  comms, site sources, templates, the built-in theme), Clarion's version and
  ``now`` (:mod:`clarion.output.stamp`). A build whose stamp is unchanged, with the previous folders
  intact, renders and writes nothing. The SHA-256 of each file, computed for
  the stamp, is what the loader compares with the parsed sources: each source
  is read once per build, and a file whose stat has not moved since an
  earlier build is not read at all (:mod:`clarion.output.file_digests`).
* **The manifest of the last output**: for every file of the public and
  private folders, its SHA-256 and, for pages rendered from a single
  incident or month, the *render key* (a hash of everything the page depends
  on: the templates, the site settings, the item's source, and ``now`` when
  the item is still open or has updates after ``now``; for a feed, its
  entries' sources and visible updates). A page whose key is unchanged is
  reused from the previous output instead of being rendered (by reference
  to its file, whose size is checked: :meth:`BuildCache.previous_files`);
  a build whose every file is unchanged leaves both folders as
  they are, and a build that changes some files rewrites only those
  (:mod:`clarion.output.write`).

The files are JSON (the parsed sources and the Markdown compressed with
Zstandard, :mod:`clarion.output.compressed`, so the cache stays smaller than
the sources; the parsed sources' texts in a file of their own, each decoded
when a build first reads it, :mod:`clarion.output.parsed_texts`): reading
the cache never runs code, whoever wrote the folder (a cache committed to a repository or
restored in CI), but compiled templates signed by this user's key. The parsed
file starts with its format, Clarion's version and the salt, and is read no
further when they differ; a file that is not Clarion's cache, or does not fit
the model, is ignored with a one-line note and the sources are parsed again.
Both files grow by one compressed frame per build that parsed or converted
something new (a later entry for the same file wins), so an edit writes only
what it changed; the parsed file is written afresh when a source is removed
or once most of its lines are superseded, the Markdown file once it holds
many texts the site no longer has.

Delete the folder to start cold; ``clarion build --no-cache`` ignores it.
The output folders are Clarion's: files edited there by hand are replaced
when their size no longer matches the manifest.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from sys import intern

from .. import __version__
from ..config import SiteConfig
from ..core.parallel import MIN_ITEMS, Background, can_fork
from ..errors import ContentError
from ..load.incident_fields import ReadingSettings
from ..model import Incident
from .compressed import CompressedError, compress, decompress
from .conversions import StoredConversions
from .file_digests import FileDigests
from .generations import current_generation, files_as_listed
from .parsed import (
    ReadingStopped,
    atomic_write,
    atomic_write_compressed,
    note_ignored,
    read_parsed,
    save_parsed,
    write_parsed,
)
from .parsed_texts import new_texts_name

CACHE_DIRNAME = ".clarion-cache"
_PARSED_FILE = "parsed.json.zst"
_MANIFEST_FILE = "manifest.json"
_MARKDOWN_FILE = "markdown.json.zst"
#: Files earlier versions of the cache kept, removed when the cache is saved.
_FORMER_FILES = (
    "parsed.pickle",
    "parsed.json",
    "markdown.json",
    "parsed.json.gz",
    "markdown.json.gz",
    "digests.json.gz",
    "deadlines.json.gz",
    "deadline-rows.json.gz",
)


@dataclass
class ManifestEntry:
    sha: str
    size: int
    key: str | None = None


@dataclass
class BuildCache:
    """The cache of one site; ``open`` reads it, ``save`` writes it back."""

    folder: Path
    salt: str  # Clarion's version, the model's shape and what reading a file takes from site.toml
    manifest: dict[str, dict[str, ManifestEntry]] = field(default_factory=dict)
    targets: dict[str, str] = field(default_factory=dict)  # area -> folder the manifest describes
    stamp: str | None = None  # inputs of the build that wrote the manifest
    notes: dict[str, str] = field(default_factory=dict)  # its inputs, for --explain
    #: What the last build told its user (``warnings``: lines; ``next_change``),
    #: told again by a build whose inputs are unchanged (:mod:`clarion.build`).
    told: dict[str, object] | None = None
    _parsed_dirty: bool = False
    _unchanged: set[str] = field(default_factory=set)  # entries as read, not parsed again
    #: Lines of the parsed file as read (superseded entries included), when it
    #: is this site's and may be appended to; ``None`` otherwise.
    _file_lines: int | None = None
    _removed: bool = False  # entries forgotten: the parsed file is written afresh
    _parsed: dict[str, tuple[str, Incident, tuple[ContentError, ...]]] | None = None
    _texts: str | None = None  # the name of the parsed file's texts file
    _reader: threading.Thread | None = None  # reading the Markdown file ahead
    _writing: Background[bool] | None = None  # writing the parsed file (save_parsed_ahead)
    _markdown_read: bytes | None = None  # what it read
    _stopped: object = None  # what a reading stopped early had read (read_parsed_ahead)
    #: The SHA-256 of each input file by path, as the build's stamp read them.
    source_digests: dict[str, str] = field(default_factory=dict)
    #: The digests of input files earlier builds read, by their stat.
    file_digests: FileDigests | None = None

    @property
    def parsed(self) -> dict[str, tuple[str, Incident, tuple[ContentError, ...]]]:
        """The parsed sources, read on first use (a build whose inputs are
        unchanged never reads them)."""
        if self._parsed is None:
            path = self.folder / _PARSED_FILE
            read = read_parsed(path, self.salt, self._unchanged)
            self._parsed, self._file_lines, self._texts = read
        return self._parsed

    @classmethod
    def open(cls, config: SiteConfig) -> BuildCache:
        folder = config.root / CACHE_DIRNAME
        salt = f"{__version__}:{_model_shape()}:{ReadingSettings.of(config).digest}"
        cache = cls(folder=folder, salt=salt, file_digests=FileDigests(folder))
        try:
            data = json.loads((folder / _MANIFEST_FILE).read_text(encoding="utf-8"))
            if data.get("version") == __version__:
                cache.targets = data["targets"]
                shown = current_generation(cache.targets)
                if shown is not None and data.get("generation") != shown:
                    # the folders moved on without this manifest (a build killed
                    # after publishing, before saving the cache): not to be trusted
                    raise KeyError("generation")
                cache.stamp = data.get("stamp")
                cache.notes = {str(k): str(v) for k, v in (data.get("notes") or {}).items()}
                told = data.get("told")
                cache.told = told if isinstance(told, dict) else None
                cache.manifest = {  # (paths and digests interned: see ``OutputStore.manifest``)
                    area: {
                        intern(path): ManifestEntry(intern(sha), *rest)
                        for path, (sha, *rest) in files.items()
                    }
                    for area, files in data["files"].items()
                }
        except (OSError, ValueError, KeyError, TypeError):
            pass
        return cache

    # -- parsed sources ----------------------------------------------------------

    def parsed_incident(
        self, relpath: str, path: str
    ) -> tuple[Incident, tuple[ContentError, ...]] | None:
        """The cached (incident, warnings) of the source file at ``path``, if
        its bytes are unchanged (its digest is looked at only when there is
        an entry: as the stamp read them, else read now)."""
        entry = self.parsed.get(relpath)
        if entry is None:
            return None
        digest = self.source_digests.get(path)
        if digest is None:
            digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
        return (entry[1], entry[2]) if entry[0] == digest else None

    def store_incident(
        self, relpath: str, digest: str, incident: Incident, warnings: Iterable[ContentError]
    ) -> None:
        self.parsed[relpath] = (digest, incident, tuple(warnings))
        self._unchanged.discard(relpath)
        self._parsed_dirty = True

    def forget_missing(self, relpaths: Iterable[str]) -> None:
        keep = set(relpaths)
        for relpath in [r for r in self.parsed if r not in keep]:
            del self.parsed[relpath]
            self._parsed_dirty = self._removed = True

    # -- Markdown ------------------------------------------------------------------

    def markdown_html(self, settings: str) -> Mapping[str, str]:
        """The HTML of Markdown texts earlier builds converted (text digest ->
        HTML), when they used the same converter and settings. Each entry is
        decoded when it is first looked up: a build needs few of them."""
        try:
            first, _, rest = self._markdown_bytes().partition(b"\n")
            head = json.loads(first)
            if head.get("version") != __version__ or head.get("settings") != settings:
                return {}
            return StoredConversions(rest)
        except (OSError, CompressedError, ValueError, AttributeError, TypeError):
            return {}

    def read_ahead(self) -> None:
        """Start reading the Markdown file in a thread (decompressing lets go
        of the interpreter's lock) while the build reads the parsed sources;
        :meth:`markdown_html` takes what it read, before the build forks."""

        def read() -> None:
            try:
                self._markdown_read = decompress((self.folder / _MARKDOWN_FILE).read_bytes())
            except (OSError, CompressedError):
                pass  # read again, and the failure handled, by markdown_html

        self._reader = threading.Thread(target=read, name="clarion-cache-read", daemon=True)
        self._reader.start()

    def read_parsed_ahead(self) -> Callable[[bool], None]:
        """Read the parsed sources in a thread (while another process makes the
        stamp); the function returned ends it, before this process forks:
        ``finish(True)`` waits for them (and says what the reading noted),
        ``finish(False)`` stops it and forgets what it read. A failure is met
        again, and reported, by :attr:`parsed` in the build's thread."""
        if self._parsed is not None:
            return lambda needed: None
        stop, notes = threading.Event(), []
        path = self.folder / _PARSED_FILE

        def read() -> None:
            try:
                self._parsed, self._file_lines, self._texts = read_parsed(
                    path, self.salt, self._unchanged, stop, lambda *note: notes.append(note)
                )
            except ReadingStopped as stopped:
                self._stopped = (stopped.read, self._unchanged)
            except Exception:  # noqa: BLE001 - read again (and reported) by the build
                self._parsed = None

        def finish(needed: bool) -> None:
            if not needed:
                stop.set()
            reader.join()
            if needed:
                for note in notes:
                    note_ignored(*note)
            else:  # (what was read is let go with the cache, not now)
                self._stopped = (self._parsed, self._unchanged, self._stopped)
                self._parsed, self._file_lines, self._texts = None, None, None
                self._unchanged = set()

        reader = threading.Thread(target=read, name="clarion-parsed-read", daemon=True)
        reader.start()
        return finish

    def _markdown_bytes(self) -> bytes:
        if self._reader is not None:
            self._reader.join()
            self._reader = None
        data, self._markdown_read = self._markdown_read, None
        return data if data is not None else decompress((self.folder / _MARKDOWN_FILE).read_bytes())

    def save_markdown(self, settings: str, html: dict[str, str], *, append: bool) -> None:
        """Write the conversions ``html``: the whole file, or (``append``) only
        these entries, added to the file as one more compressed frame."""
        lines = (
            b"\n" + json.dumps([name, html[name]], ensure_ascii=False).encode("utf-8")
            for name in sorted(html)
        )
        path = self.folder / _MARKDOWN_FILE
        try:
            if append and path.is_file():
                with path.open("ab") as handle:
                    handle.write(compress(b"".join(lines)))
                return
            self.folder.mkdir(exist_ok=True)
            head = json.dumps({"version": __version__, "settings": settings}).encode("utf-8")
            atomic_write_compressed(path, itertools.chain([head], lines))
        except OSError:
            pass

    # -- rendered pages ----------------------------------------------------------

    def previous_page(self, area: str, path: str, key: str) -> bytes | None:
        """The bytes the previous build wrote for ``path`` under the same render key."""
        entry = self.manifest.get(area, {}).get(path)
        folder = self.targets.get(area)
        if entry is None or entry.key != key or folder is None:
            return None
        try:
            data = (Path(folder) / path).read_bytes()
        except OSError:
            return None
        return data if len(data) == entry.size else None

    def previous_file(self, area: str, path: str, key: str) -> tuple[ManifestEntry, str] | None:
        """The previous build's manifest entry for ``path`` under the same
        render key and its file, when the file is still there with that size
        (its bytes are not read); see :meth:`previous_files`."""
        entry = self.manifest.get(area, {}).get(path)
        if entry is None or entry.key != key:
            return None  # (the folder is not opened)
        folder, found = self.previous_files(area, [(path, key)])
        return (found[path], os.path.join(folder, path)) if path in found else None

    def previous_files(
        self, area: str, wanted: Iterable[tuple[str, str]]
    ) -> tuple[str, dict[str, ManifestEntry]]:
        """Of ``wanted`` (path, render key), the previous build's manifest
        entries under the same key whose files are still there with their
        size (one ``stat`` each), by path, and the folder they are in. Only
        for the cache on disk, whose manifest describes the output folders
        (not for one that keeps pages elsewhere, such as ``clarion serve``'s)."""
        files, folder = self.manifest.get(area), self.targets.get(area)
        if type(self).previous_page is not BuildCache.previous_page or not files or not folder:
            return "", {}
        listed = (
            (path, entry.size, entry)
            for path, key in wanted
            if (entry := files.get(path)) is not None and entry.key == key
        )
        return folder, dict(files_as_listed(folder, listed))

    def forget_output(self) -> None:
        """Drop the manifest: a build without the cache replaced the folders it
        describes, so its render keys no longer say what the folders hold."""
        try:
            (self.folder / _MANIFEST_FILE).unlink(missing_ok=True)
        except OSError:
            pass

    # -- saving --------------------------------------------------------------------

    def unchanged_output(self, stamp: str, targets: dict[str, str]) -> bool:
        """True when the last build had the same inputs and wrote to the same
        folders, which still hold what it wrote (sizes are checked)."""
        if self.stamp != stamp or self.targets != targets or not self.manifest:
            return False
        for area, folder in targets.items():
            files = self.manifest.get(area, {})
            listed = ((path, entry.size, path) for path, entry in files.items())
            if sum(1 for _ in files_as_listed(folder, listed)) != len(files):
                return False
        return True

    def save_parsed_ahead(self) -> None:
        """Write the parsed sources now, in a forked process, when the whole
        file of a large site is to be written afresh (a cold build, a new
        ``site.toml``, a file removed): encoding and compressing 10,000
        incidents is over a second of CPU, which then overlaps the rendering
        instead of following it, and the lines of the entries not parsed
        again, read from the file again, are held by that process alone.
        :meth:`save` waits for it."""
        parsed, held = self.parsed, self._file_lines
        if not self._parsed_dirty or not can_fork():
            return
        new = sum(1 for relpath in parsed if relpath not in self._unchanged)
        afresh = self._removed or held is None or held + new > 2 * len(parsed) + 100
        if not afresh or len(parsed) < MIN_ITEMS:
            return  # appended at the end, or small: written by save()
        try:
            self._prepare_folder()
        except OSError:
            return
        path, unchanged, self._texts = self.folder / _PARSED_FILE, self._unchanged, new_texts_name()
        write = functools.partial(write_parsed, path, self.salt, parsed, unchanged, self._texts)
        self._writing = Background(write)
        self._file_lines = len(parsed) + 1
        self._removed = self._parsed_dirty = False

    def finish_writing(self) -> None:
        """Wait for the parsed file being written ahead, if it is."""
        writing, self._writing = self._writing, None
        if writing is not None:
            writing.result()

    def save_sources(self) -> None:
        """Write what the build made of its sources (the parsed sources, the
        input files' digests) back now, before its last outputs (OSError
        when the folder cannot be made): keyed on the sources' bytes, they
        are right whatever the build does next."""
        self._prepare_folder()
        if self._parsed_dirty:
            path, held = self.folder / _PARSED_FILE, self._file_lines
            self._file_lines, self._texts = save_parsed(
                path, self.salt, self.parsed, self._unchanged, held, self._texts, self._removed
            )
            self._removed = self._parsed_dirty = False
        self.save_digests()

    def save_digests(self) -> None:
        """Keep the input files' digests this process found (best effort: the
        process that makes a build's stamp, which may be a forked one)."""
        try:
            self._prepare_folder()
        except OSError:
            return
        if self.file_digests is not None:
            self.file_digests.save()

    def _prepare_folder(self) -> None:
        self.folder.mkdir(exist_ok=True)
        gitignore = self.folder / ".gitignore"
        if not gitignore.exists():
            gitignore.write_text("*\n", encoding="utf-8")

    def save(
        self,
        manifest: dict[str, dict[str, ManifestEntry]],
        targets: dict[str, str],
        stamp: str | None = None,
        notes: dict[str, str] | None = None,
        told: dict[str, object] | None = None,
    ) -> None:
        """Write the cache back (best effort: a cache that cannot be written is skipped)."""
        self.finish_writing()
        try:
            self.save_sources()
            for old in _FORMER_FILES:
                (self.folder / old).unlink(missing_ok=True)
            data = {
                "version": __version__,
                "stamp": stamp,
                "notes": notes or {},
                "told": told,
                "targets": targets,
                "generation": current_generation(targets),
                "files": {
                    area: {path: [e.sha, e.size, e.key] for path, e in sorted(files.items())}
                    for area, files in sorted(manifest.items())
                },
            }
            atomic_write(
                self.folder / _MANIFEST_FILE,
                json.dumps(data, separators=(",", ":")).encode("utf-8"),
            )
        except OSError:
            pass


def render_key(*parts: object) -> str:
    """A short hash of everything a page depends on."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(str(part).encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()[:32]


def fingerprint_files(paths: Iterable[Path]) -> str:
    """A hash of file names and contents (templates, static files)."""
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(path.as_posix().encode("utf-8"))
        digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def _model_shape() -> str:
    """A hash of the fields (names and types, in order) of the model's classes
    and of :class:`~clarion.errors.ContentError`: plain data holds a class's
    values by position (:mod:`clarion.core.plaindata`), so parsed files
    written by a Clarion whose model differs (a development build) are
    parsed again."""
    import dataclasses

    from .. import errors, model

    classes = [v for v in vars(model).values() if isinstance(v, type)] + [errors.ContentError]
    shapes = sorted(
        f"{kind.__name__}:{','.join(f'{f.name} {f.type}' for f in dataclasses.fields(kind))}"
        for kind in classes
        if dataclasses.is_dataclass(kind)
    )
    return hashlib.sha256("\n".join(shapes).encode()).hexdigest()[:16]
