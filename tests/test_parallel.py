"""Parallel builds (worker processes for parsing, incident pages and private
writers) give exactly the output of a serial build."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from clarion.build import build
from clarion.config import load_config
from clarion.parallel import MIN_ITEMS, Background, can_fork, fork_map
from tests.conftest import NOW
from tests.test_site_build import tree

BENCH = Path(__file__).resolve().parent.parent / "bench" / "generate.py"


def _square_all(items):
    return [item * item for item in items]


def test_fork_map_keeps_order():
    items = list(range(MIN_ITEMS * 3 + 7))
    assert fork_map(_square_all, items, 2) == [i * i for i in items]
    assert fork_map(_square_all, items[:5], 2) == [0, 1, 4, 9, 16]


def test_background_returns_value_and_reraises_in_parent():
    assert Background(lambda: {"a": [1, 2]}).result() == {"a": [1, 2]}

    def boom():
        raise ValueError("bad input")

    with pytest.raises(ValueError, match="bad input"):
        Background(boom).result()


@pytest.mark.skipif(not can_fork(), reason="parallel builds need fork")
def test_parallel_build_equals_serial_build(tmp_path):
    spec = importlib.util.spec_from_file_location("bench_generate", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    root = tmp_path / "site"
    module.generate(MIN_ITEMS + 50, root)
    config = load_config(root)
    serial = build(
        config,
        now=NOW,
        public_dir=tmp_path / "serial",
        private_dir=tmp_path / "p1",
        use_cache=False,
        workers=1,
    )
    parallel = build(
        config,
        now=NOW,
        public_dir=tmp_path / "parallel",
        private_dir=tmp_path / "p2",
        use_cache=False,
        workers=2,
    )
    assert len(serial.site.incidents) > MIN_ITEMS
    assert tree(serial.public_dir) == tree(parallel.public_dir)
    assert tree(tmp_path / "p1") == tree(tmp_path / "p2")
