"""The deadline report's JSON writer (clarion.render.report.data) gives the
standard library's ``json.dumps(indent=2, sort_keys=True, ensure_ascii=False)``
byte for byte, whatever the data."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from clarion.render.report.data import ITEM_NEWLINE, Written, _dict_text, _dumps, _indented

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=20)
)
KEYS = st.text(max_size=8) | st.sampled_from(["due", "rule", "état", 'a"b', "\\", "\x00"])
JSON: Any = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5)
        | st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(KEYS, inner, max_size=5)
    ),
    max_leaves=40,
)


def _standard(data: object) -> str:
    return json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@settings(max_examples=400, deadline=None)
@given(JSON)
def test_the_report_writer_gives_the_standard_librarys_bytes(data: object) -> None:
    assert _dumps(data) == _standard(data)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.integers(), SCALARS, min_size=1, max_size=4))
def test_keys_that_are_not_text_take_the_standard_librarys_path(data: dict[Any, Any]) -> None:
    assert _dumps(data) == _standard(data)


def test_written_text_goes_in_as_it_is() -> None:
    item = {"rule": "gdpr-art33", "due": None, "facts": {"total": 3}, "tags": []}
    parts: list[str] = []
    _indented(item, ITEM_NEWLINE, parts)
    written = Written("".join(parts))
    report = {"obligations": [written, item], "summary": {}}
    assert _dumps(report) == _standard({"obligations": [item, item], "summary": {}})


@settings(max_examples=400, deadline=None)
@given(st.lists(st.dictionaries(KEYS, JSON, min_size=1, max_size=6), min_size=1, max_size=4))
def test_items_of_the_same_keys_are_written_as_the_standard_library_writes_them(
    items: list[dict[str, Any]],
) -> None:
    """Each item written with the text before each value made once for its
    keys (:func:`_dict_text`), the same keys again and again as in the report."""
    for item in items:
        again = dict(reversed(item.items()))  # the same keys, put in another order
        for data in (item, again):
            written = Written(_dict_text(data, ITEM_NEWLINE))
            assert _dumps({"obligations": [written]}) == _standard({"obligations": [item]})
