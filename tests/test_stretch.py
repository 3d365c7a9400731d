"""Large outputs travel as stretches of a file, and parsed texts as their
compressed frames: what no process of a build holds whole."""

from __future__ import annotations

import hashlib
import os
import tracemalloc
from pathlib import Path

import pytest

from clarion.core.parallel import can_fork
from clarion.core.spool import Spooled
from clarion.core.stretch import Spill, Stretch, write_pieces
from clarion.render import Area, Output
from tests.conftest import copy_example


def _spilled(*pieces: bytes) -> Stretch:
    spill = Spill()
    for piece in pieces:
        spill.write(piece)
    return spill.stretch()


def test_a_stretch_is_written_hashed_and_joined_as_its_bytes(tmp_path: Path) -> None:
    body = os.urandom(3 << 20)  # more than one block
    stretch = _spilled(body[:1000], body[1000:])
    output = Output(Area.PRIVATE, "deadlines.json", b"", pieces=(b"[", stretch, b"]"))
    whole = b"[" + body + b"]"
    assert output.size == len(whole)
    assert output.sha256() == hashlib.sha256(whole).hexdigest()
    assert output.whole() == whole
    with open(tmp_path / "out", "wb") as handle:
        write_pieces(handle, output.chunks())
        handle.write(b"!")  # (the position after a copy by the kernel)
    assert (tmp_path / "out").read_bytes() == whole + b"!"


def test_a_stretch_is_written_where_the_kernel_cannot_copy_it(tmp_path: Path) -> None:
    """A destination ``sendfile`` refuses (a file opened to append) is
    written a block at a time."""
    body = os.urandom(3 << 20)
    (tmp_path / "out").write_bytes(b"head ")
    with open(tmp_path / "out", "ab") as handle:
        _spilled(body).append_to(handle)
        handle.write(b"!")
    assert (tmp_path / "out").read_bytes() == b"head " + body + b"!"


def test_a_stretch_pickled_without_a_spool_is_its_bytes() -> None:
    import pickle

    assert pickle.loads(pickle.dumps(_spilled(b"abc", b"def"))) == b"abcdef"


def _outputs_with_stretches():
    for n in range(3):
        body = bytes([65 + n]) * 200_000
        yield Output(Area.PRIVATE, f"f{n}", b"", pieces=(b"<", _spilled(body), b">"))


@pytest.mark.skipif(not can_fork(), reason="needs fork")
def test_a_spooled_stretch_comes_back_a_stretch_of_the_spool() -> None:
    """The worker's stretches are copied into the spool after their item's
    pickle; the parent gets stretches of the spool, never their bytes, and
    they stay readable after every item was taken."""
    taken = list(Spooled(_outputs_with_stretches).items())
    assert [o.path for o in taken] == ["f0", "f1", "f2"]
    for n, output in enumerate(taken):
        before, middle, after = output.pieces
        assert isinstance(middle, Stretch) and len(middle) == 200_000
        assert (before, after) == (b"<", b">")
        assert output.whole() == b"<" + bytes([65 + n]) * 200_000 + b">"
    assert len({id(o.pieces[1].file) for o in taken}) == 1  # one file: the spool


def _parsed_example(tmp_path: Path):
    from clarion.config import load_config
    from clarion.load.updates import read_update_files

    config = load_config(copy_example(tmp_path / "site"))
    files = read_update_files(config)
    return config, [i for i, _ in files.parsed.values() if i is not None]


def test_a_parsed_incident_holds_its_texts_as_their_frame(tmp_path: Path) -> None:
    """The parse leaves an incident's summary and its updates' bodies to
    their compressed frame: none is decoded until read, and each reads as
    the file says (the incident equals one parsed and held as text)."""
    import dataclasses

    from clarion.errors import ErrorCollector
    from clarion.load.incident import read_incident
    from clarion.output.parsed_texts import HeldTexts

    config, incidents = _parsed_example(tmp_path)
    assert len(incidents) > 3
    for incident in incidents:
        assert "summary" not in incident.__dict__
        assert isinstance(incident.__dict__["_texts"], HeldTexts)
        assert not any("body" in u.__dict__ for u in incident.__dict__["updates"])
    for incident in incidents:
        path = config.root / incident.source_path
        raw = path.read_bytes()
        plain = read_incident(path, config, ErrorCollector(), relpath=incident.source_path, raw=raw)
        assert plain is not None and "summary" in plain.__dict__
        for field in dataclasses.fields(plain):
            assert getattr(incident, field.name) == getattr(plain, field.name), field.name
        assert incident.updates == plain.updates  # (bodies among them)


def test_a_frame_is_held_at_its_size(tmp_path: Path) -> None:
    """What the compressor returns keeps the room of the worst case (about
    three times a frame of prose): a frame held is a copy at its size."""
    import dataclasses

    from clarion.output.parsed_texts import compressor, texts_frame

    _, incidents = _parsed_example(tmp_path)
    words = " ".join(f"word{n % 97}" for n in range(800))
    made = [dataclasses.replace(incidents[0], summary=f"{words} {n}") for n in range(300)]
    compressing = compressor()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        frames = [
            texts_frame(f"{n:064x}", incident, compressing) for n, incident in enumerate(made)
        ]
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    size = sum(len(frame) for frame in frames)
    assert held < 1.3 * size + 100 * len(frames), (held, size)
