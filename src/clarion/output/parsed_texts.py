"""The long texts of the parsed sources, in a file of their own beside
``parsed.json.zst`` (:mod:`clarion.output.parsed`), decoded on first use.

An incident's summary and its updates' bodies are most of its bytes (at
10,000 incidents, 30 MB of the 38 MB of parsed JSON), and an edit's build
reads few of them: the pages, feeds and files of the incidents it renders
again. So each incident's texts are one Zstandard frame of their own, the
JSON list ``[digest, summary, body, body, ...]``, in a file named in the
parsed file's head line (``parsed-texts.<id>.zst``), and each of the parsed
file's lines says where its incident's frame is. A build reads the file's
bytes whole (compressed: 9 MB at 10,000 incidents) and decodes a frame the
first time one of its texts is read (:func:`defer_texts`).

A file written afresh gets a new name, and the parsed file naming it is
replaced after it, so the parsed file never names texts it was not written
with; an edit appends its incidents' frames to the file, then their lines to
the parsed file. A frame whose digest is not its line's (two builds of one
site appending at once, or a damaged file) stops the build with a clear
error and the parsed file is removed: the next build parses every source
again.
"""

from __future__ import annotations

import json
import mmap
import os
import re
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO, NoReturn

import zstandard

from ..core.plaindata import PlainDataError, from_plain
from ..errors import ClarionError
from ..model import Incident, Update
from .compressed import LEVEL, CompressedError

#: The texts file's name: ``parsed-texts.<id>.zst``, ``id`` new each time it
#: is written afresh.
NAME = re.compile(r"parsed-texts\.[0-9a-f]{12}\.zst")
#: A texts file as read: mapped (:func:`read_texts`).
Blob = mmap.mmap | bytes


def defer_texts(incident: Incident, texts: IncidentTexts) -> None:
    """Leave ``incident``'s summary and updates to ``texts``, on an incident
    just made from plain data: each is decoded when first read
    (``incident.summary``, ``incident.updates``; :mod:`clarion.model`), and
    the updates' bodies when each is (``update.body``)."""
    _defer(incident, texts, 0, "summary", "updates")


def _updates(texts: IncidentTexts | DecodedTexts) -> tuple[Update, ...]:
    """The updates of ``texts.updates_data`` (their plain data, bodies left
    empty), each body left to ``texts``; ``ValueError`` when the data is not
    updates."""
    try:
        made = from_plain(tuple[Update, ...], json.loads(texts.updates_data))
    except (TypeError, KeyError, IndexError, PlainDataError) as error:
        raise ValueError(str(error)) from None
    for index, update in enumerate(made, 1):
        _defer(update, texts, index, "body")
    return made


def _defer(item: Incident | Update, texts: object, index: int, *names: str) -> None:
    """Leave the fields ``names`` of ``item`` to ``texts`` (``index``: its
    text's place among them), attribute by attribute: the interpreter keeps
    the item's values in the instance, where changing its ``__dict__`` would
    make it a dictionary of its own (60 bytes an update at least)."""
    for name in names:
        object.__delattr__(item, name)
    object.__setattr__(item, "_texts", texts)
    object.__setattr__(item, "_text_index", index)


def new_texts_name() -> str:
    return f"parsed-texts.{os.urandom(6).hex()}.zst"


def compressor() -> zstandard.ZstdCompressor:
    """What compresses frames: one for many (making one costs more than
    compressing an incident's texts)."""
    return zstandard.ZstdCompressor(level=LEVEL)


def texts_frame(digest: str, incident: Incident, compressing: zstandard.ZstdCompressor) -> bytes:
    """The frame of ``incident``'s texts (its source's ``digest`` first)."""
    texts = [digest, incident.summary, *(update.body for update in incident.updates)]
    data = json.dumps(texts, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    # copied: the compressor's bytes keep the room of the worst case (about
    # three times a frame of prose) for as long as they are held
    return bytes(memoryview(compressing.compress(data)))


def frame_texts(frame: bytes, digest: str) -> list[str] | None:
    """The texts of a frame :func:`texts_frame` made from the source whose
    digest is ``digest`` (``None``: not such a frame)."""
    try:
        texts = json.loads(zstandard.ZstdDecompressor().decompress(frame))
    except (CompressedError, ValueError):
        return None
    if (
        not isinstance(texts, list)
        or texts[:1] != [digest]
        or not all(type(text) is str for text in texts)
    ):
        return None
    return texts[1:]


class IncidentTexts:
    """One incident's texts: its frame in the texts file's bytes, decoded on
    first use; ``text(0)`` is the summary, ``text(n)`` the n-th update's body.
    And its updates: ``updates_data``, their JSON from its line of the parsed
    file, decoded on first use (``updates()``)."""

    __slots__ = ("blob", "start", "end", "digest", "updates_data", "_texts", "_parsed")

    def __init__(
        self, blob: Blob, start: int, end: int, digest: str, parsed: Path, updates: bytes
    ) -> None:
        self.blob, self.start, self.end, self.digest = blob, start, end, digest
        self.updates_data = updates
        self._texts: list[str] | None = None
        self._parsed = parsed

    @property
    def frame(self) -> bytes:
        return self.blob[self.start : self.end]

    def text(self, index: int) -> str:
        texts = self._texts
        if texts is None:
            texts = self._texts = self._decoded()
        return texts[index]

    def updates(self) -> tuple[Update, ...]:
        try:
            return _updates(self)
        except ValueError:
            self._damaged()

    def __reduce__(self) -> tuple[type[DecodedTexts], tuple[list[str], bytes]]:
        """Pickled (an incident sent to another process, or copied), the
        texts alone: never the bytes of the whole file they are decoded from."""
        texts = self._texts if self._texts is not None else self._decoded()
        return DecodedTexts, (texts, self.updates_data)

    def _decoded(self) -> list[str]:
        texts = frame_texts(self.frame, self.digest)
        if texts is None:
            self._damaged()
        return texts

    def _damaged(self) -> NoReturn:
        self._parsed.unlink(missing_ok=True)
        raise ClarionError(
            f"the build cache's {self._parsed.name} does not match its texts (two builds "
            "of the site at once, or a damaged file); it was removed: build again"
        )


class HeldTexts:
    """A freshly parsed incident's texts, held as their frame of the texts
    file (:func:`texts_frame`) and decoded on first use, as a cached
    incident's are (:func:`hold_texts`). Pickled (an incident parsed in a
    worker process, sent to the build), the frame alone."""

    __slots__ = ("frame", "digest", "_texts")

    def __init__(self, frame: bytes, digest: str) -> None:
        self.frame, self.digest = frame, digest
        self._texts: list[str] | None = None

    def text(self, index: int) -> str:
        texts = self._texts
        if texts is None:
            texts = self._texts = frame_texts(self.frame, self.digest)
            assert texts is not None  # (made here, from the texts it holds)
        return texts[index]

    def updates(self) -> tuple[Update, ...]:
        raise AttributeError("updates")  # (an incident's updates are never left to it)

    def __reduce__(self) -> tuple[type[HeldTexts], tuple[bytes, str]]:
        return HeldTexts, (self.frame, self.digest)


def hold_texts(incident: Incident, digest: str, compressing: zstandard.ZstdCompressor) -> None:
    """Leave ``incident``'s summary and updates' bodies, just parsed from
    the source whose digest is ``digest``, to their frame of the texts file:
    a large site's texts are most of its bytes, and most processes of a
    build read few of them (the private files' process none but a
    postmortem's). The frame is the one the build cache keeps."""
    held = HeldTexts(texts_frame(digest, incident, compressing), digest)
    _defer(incident, held, 0, "summary")
    for index, update in enumerate(incident.updates, 1):
        _defer(update, held, index, "body")


class DecodedTexts:
    """An incident's texts, decoded, and its updates' JSON: what
    :class:`IncidentTexts` pickles as."""

    __slots__ = ("texts", "updates_data")

    def __init__(self, texts: list[str], updates: bytes) -> None:
        self.texts, self.updates_data = texts, updates

    def text(self, index: int) -> str:
        return self.texts[index]

    def updates(self) -> tuple[Update, ...]:
        try:
            return _updates(self)
        except ValueError:
            raise ClarionError("an incident's updates do not read: build again") from None


def read_texts(folder: Path, name: object) -> Blob | None:
    """The texts file ``name`` (from a parsed file's head), mapped: a page of
    it is read when an incident's texts on it are (an edit reads few, and
    the file is 45 MB at 50,000 incidents); ``None`` when it is not one or
    does not read. Clarion never writes over a texts file it has written
    (it appends to it, or writes a new one), so what is mapped stays."""
    if not isinstance(name, str) or not NAME.fullmatch(name):
        return None
    try:
        with open(folder / name, "rb") as handle:
            if os.fstat(handle.fileno()).st_size == 0:
                return b""
            return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        return None


def append_frames(handle: BinaryIO, frames: Iterable[bytes]) -> list[tuple[int, int]]:
    """Write ``frames`` at the end of ``handle`` (opened to append), in one
    write: where each one starts and ends."""
    start = handle.seek(0, os.SEEK_END)
    places: list[tuple[int, int]] = []
    chunks: list[bytes] = []
    for frame in frames:
        places.append((start, start + len(frame)))
        start += len(frame)
        chunks.append(frame)
    handle.write(b"".join(chunks))
    return places


def remove_other_texts(folder: Path, keep: str) -> None:
    """Remove the texts files other than ``keep`` (best effort)."""
    try:
        names = [path for path in folder.iterdir() if NAME.fullmatch(path.name)]
    except OSError:
        return
    for path in names:
        if path.name != keep:
            try:
                path.unlink()
            except OSError:
                pass
