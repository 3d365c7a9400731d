"""The build cache's compressed files (clarion.output.compressed)."""

from __future__ import annotations

import io
import subprocess

import pytest

from clarion.output.compressed import CompressedError, compress, decompress, write_compressed


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
