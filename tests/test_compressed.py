"""The build cache's compressed files (clarion.output.compressed)."""

from __future__ import annotations

import io
import subprocess

import pytest

from clarion.output.compressed import (
    CompressedError,
    compress,
    decompress,
    read_lines,
    write_compressed,
)


def test_frames_appended_to_a_file_read_back_in_order() -> None:
    streamed = io.BytesIO()
    write_compressed(streamed, (b"head\n", b"x" * (3 << 20), b"\n"))
    data = streamed.getvalue() + compress(b"later\n") + compress(b"")
    assert decompress(data) == b"head\n" + b"x" * (3 << 20) + b"\nlater\n"
    assert len(data) < 10_000
    assert decompress(b"") == b""


@pytest.mark.parametrize("cut", [1, 3, 8])
def test_a_file_cut_short_or_foreign_does_not_read(cut: int) -> None:
    whole = compress(b"first\n") + compress(b"second line, cut short\n" * 50)
    with pytest.raises(CompressedError):
        decompress(whole[:-cut])
    with pytest.raises(CompressedError):
        decompress(b"\x1f\x8b\x08\x00 gzip, not Zstandard")
    with pytest.raises(CompressedError):
        decompress(whole + b"trailing bytes")


def test_zstd_reads_what_clarion_writes(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """``zstd -dc`` shows a cache file, as the docs say."""
    path = tmp_path / "file.zst"
    with open(path, "wb") as handle:
        write_compressed(handle, [b"one\n"])
    path.write_bytes(path.read_bytes() + compress(b"two\n"))
    shown = subprocess.run(["zstd", "-dc", str(path)], capture_output=True, check=True)
    assert shown.stdout == b"one\ntwo\n"


def test_lines_read_as_a_stream_are_the_files_lines(tmp_path) -> None:  # type: ignore[no-untyped-def]
    # lines of every length (a metrics month's line is 400 KB), some across
    # the frames a build appends, read as the file's lines; a file cut short
    # or not Zstandard does not read
    lines = [b"", b"head", b"x" * 300_000, *(b"%d " % n * (n % 50) for n in range(2_000)), b"end"]
    data = b"\n".join(lines) + b"\n"
    path = tmp_path / "lines.zst"
    path.write_bytes(compress(data[:150_001]) + compress(data[150_001:]))
    assert list(read_lines(path)) == lines
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(CompressedError):
        list(read_lines(path))
    path.write_bytes(data)
    with pytest.raises(CompressedError):
        list(read_lines(path))
