"""The fuzz corpus: seeded mutations of the repository's example site.

``mutants(SEED, COUNT)`` yields, for each mutated site, the file to replace
(relative to the site root), its mutated bytes and the names of the
mutations applied. The same seed gives the same corpus; tests/test_fuzz.py
builds every mutant. Add a mutation by adding a function to MUTATIONS.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterator
from pathlib import Path

SEED = 20_261_130
COUNT = 2_000
EXAMPLE = Path(__file__).parent.parent  # the repository root is the example site

Mutation = Callable[[bytes, random.Random], bytes]


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def delete_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    del lines[rng.randrange(len(lines))]
    return b"\n".join(lines)


def duplicate_line(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    at = rng.randrange(len(lines))
    lines.insert(at, lines[at])
    return b"\n".join(lines)


def swap_lines(data: bytes, rng: random.Random) -> bytes:
    lines = _lines(data)
    a, b = rng.randrange(len(lines)), rng.randrange(len(lines))
    lines[a], lines[b] = lines[b], lines[a]
    return b"\n".join(lines)


def swap_bytes(data: bytes, rng: random.Random) -> bytes:
    if len(data) < 2:
        return data
    at = rng.randrange(len(data) - 1)
    return data[:at] + data[at + 1 : at + 2] + data[at : at + 1] + data[at + 2 :]


def truncate(data: bytes, rng: random.Random) -> bytes:
    return data[: rng.randrange(len(data) + 1)]


def bom(data: bytes, rng: random.Random) -> bytes:
    return b"\xef\xbb\xbf" + data


def crlf(data: bytes, rng: random.Random) -> bytes:
    return data.replace(b"\n", b"\r\n")


def lone_cr(data: bytes, rng: random.Random) -> bytes:
    return data.replace(b"\n", b"\r")


def tabs(data: bytes, rng: random.Random) -> bytes:
    return re.sub(rb"(?m)^  ", b"\t", data)


def _insert(data: bytes, rng: random.Random, chunk: bytes) -> bytes:
    at = rng.randrange(len(data) + 1)
    return data[:at] + chunk + data[at:]


def invalid_utf8(data: bytes, rng: random.Random) -> bytes:
    return _insert(data, rng, rng.choice([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\xf8\x88"]))


def nul(data: bytes, rng: random.Random) -> bytes:
    return _insert(data, rng, b"\x00")


def control(data: bytes, rng: random.Random) -> bytes:
    chunk = rng.choice(
        [b"\x1b[31m", b"\x0b", b"\x0c", b"\x7f", b"\xc2\x85", b"\x08", b"\xef\xbf\xbf"]
    )
    return _insert(data, rng, chunk)


def random_bytes(data: bytes, rng: random.Random) -> bytes:
    return _insert(data, rng, bytes(rng.randrange(256) for _ in range(rng.randint(1, 8))))


def huge_line(data: bytes, rng: random.Random) -> bytes:
    return _insert(data, rng, b"\n" + rng.choice([b"x", b"[", b"*", b"<", b"`", b"-"]) * 200_000)


def deep_nesting(data: bytes, rng: random.Random) -> bytes:
    depth = rng.choice([40, 1000, 20_000])
    chunk = rng.choice([b"[" * depth + b"]" * depth, b"{a: " * depth + b"}" * depth])
    return _insert(data, rng, b"\nextra: " + chunk + b"\n")


def alias_bomb(data: bytes, rng: random.Random) -> bytes:
    lines = [b"a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, rng.randint(3, 9)):
        refs = b", ".join([b"*a%d" % (level - 1)] * 10)
        lines.append(b"a%d: &a%d [%s]" % (level, level, refs))
    return data.replace(b"\n", b"\n" + b"\n".join(lines) + b"\n", 1)


TIMES = [
    b"2026-02-30 10:00 UTC",
    b"2026-11-31T10:00:00Z",
    b"2026-11-20 25:00 UTC",
    b"2026-11-20 10:61 UTC",
    b"2026-11-20 10:00 +25:00",
    b"2026-11-20 10:00 Mars/Olympus",
    b"0001-01-01 00:00 UTC",
    b"9999-12-31 23:59 +14:00",
    b"2026-11-20",
    b"null",
    b"~",
    b"[]",
    b"{}",
    b"yes",
    b"1e9",
]
_TIME_RE = re.compile(rb"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?(?:Z| UTC|[+-]\d{2}:\d{2})?")


def odd_time(data: bytes, rng: random.Random) -> bytes:
    found = list(_TIME_RE.finditer(data))
    if not found:
        return data
    match = rng.choice(found)
    return data[: match.start()] + rng.choice(TIMES) + data[match.end() :]


STAGES = [
    b"Resolved",
    b"Investigating",
    b"Postmortem",
    b"Scheduled",
    b"Completed",
    b"",
    b"?",
    b"Resolved Resolved",
    b"In progress",
]
_STAGE_RE = re.compile(rb"(?m)^(## [^\n]*?[\xc2\xb7|-] *)([A-Za-z _-]+)$")


def odd_stage(data: bytes, rng: random.Random) -> bytes:
    found = list(_STAGE_RE.finditer(data))
    if not found:
        return data
    match = rng.choice(found)
    return data[: match.start(2)] + rng.choice(STAGES) + data[match.end(2) :]


VALUES = [
    b"null",
    b"[a, b]",
    b"{x: 1}",
    b"yes",
    b"-1",
    b"3.5",
    b'""',
    b"&anchor x",
    b"*nowhere",
    b"|\n  text",
    b"!!binary aGk=",
    b"!!python/object:os.system x",
]
_VALUE_RE = re.compile(rb"(?m)^(\s*[A-Za-z_]+ ?[:=] ?)(.+)$")


def odd_value(data: bytes, rng: random.Random) -> bytes:
    found = list(_VALUE_RE.finditer(data))
    if not found:
        return data
    match = rng.choice(found)
    return data[: match.start(2)] + rng.choice(VALUES) + data[match.end(2) :]


def unclosed_comment(data: bytes, rng: random.Random) -> bytes:
    return _insert(data, rng, rng.choice([b"<!--", b"<!-->", b"--!>", b"<!-- x --!>", b"-->"]))


def markup(data: bytes, rng: random.Random) -> bytes:
    return _insert(
        data,
        rng,
        rng.choice(
            [
                b"<script>alert(1)</script>",
                b"{{ 7*7 }}",
                b"{% for %}",
                b"[x](javascript:alert(1))",
                b"]]>",
                b"&#0;",
                b"\\",
            ]
        ),
    )


MUTATIONS: dict[str, Mutation] = {
    f.__name__: f
    for f in (
        delete_line,
        duplicate_line,
        swap_lines,
        swap_bytes,
        truncate,
        bom,
        crlf,
        lone_cr,
        tabs,
        invalid_utf8,
        nul,
        control,
        random_bytes,
        huge_line,
        deep_nesting,
        alias_bomb,
        odd_time,
        odd_stage,
        odd_value,
        unclosed_comment,
        markup,
    )
}


def source_files(root: Path) -> list[str]:
    """The example site's sources that mutants replace, relative to the root."""
    names = ["site_src/site.toml", *(p.as_posix() for p in _under(root, "site_src/pages"))]
    names += [p.as_posix() for p in _under(root, "updates")]
    names += [p.as_posix() for p in _under(root, "comms")]
    return names


def _under(root: Path, folder: str) -> list[Path]:
    return sorted(p.relative_to(root) for p in (root / folder).rglob("*.md") if p.is_file())


def mutants(
    seed: int = SEED, count: int = COUNT, root: Path = EXAMPLE
) -> Iterator[tuple[str, bytes, list[str]]]:
    rng = random.Random(seed)
    names = source_files(root)
    originals = {name: (root / name).read_bytes() for name in names}
    for _ in range(count):
        name = rng.choice(names)
        data = originals[name]
        applied = rng.sample(sorted(MUTATIONS), rng.choice([1, 1, 1, 2, 3]))
        for mutation in applied:
            data = MUTATIONS[mutation](data, rng)
        yield name, data, applied
