"""Calendar bytes written line by line (clarion.render.ical.component_bytes)
equal icalendar's own ``to_ical()``, for events of every shape: short and
long lines, text that is not ASCII, characters icalendar escapes, lines
just under and just over the fold."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import icalendar
from hypothesis import given, settings
from hypothesis import strategies as st

from clarion.render.ical import FOLD_FROM, _put, _short_lines_unfolded, component_bytes

#: Text with what icalendar escapes or folds with care: commas, semicolons,
#: backslashes, newlines, carets, characters of 2, 3 and 4 octets.
TEXT = st.text(alphabet=st.sampled_from("ab Z09,;:\\\n^\"'é€ü日本😀\t-"), min_size=0, max_size=260)
MOMENTS = st.datetimes(
    min_value=datetime(1990, 1, 1), max_value=datetime(2090, 1, 1), timezones=st.just(UTC)
)


@st.composite
def events(draw: st.DrawFn) -> icalendar.Event:
    event = icalendar.Event()
    event.add("uid", draw(st.text(alphabet="abc-/@.é0", min_size=1, max_size=90)))
    start = draw(MOMENTS)
    event.add("dtstamp", start)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(minutes=draw(st.integers(0, 10_000))))
    event.add("summary", draw(TEXT))
    event.add("description", draw(TEXT))
    event.add("categories", draw(st.lists(TEXT.filter(bool), min_size=1, max_size=4)))
    event.add("transp", "TRANSPARENT")
    if draw(st.booleans()):
        alarm = icalendar.Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", draw(TEXT))
        alarm.add("trigger", timedelta(hours=-draw(st.integers(0, 48))))
        event.add_component(alarm)
    return event


def test_the_installed_icalendar_takes_the_line_by_line_way():
    assert _short_lines_unfolded()


@settings(max_examples=600, deadline=None)
@given(events())
def test_an_event_is_written_as_icalendar_writes_it(event):
    assert component_bytes(event) == event.to_ical()


@settings(max_examples=200, deadline=None)
@given(st.integers(FOLD_FROM - 12, FOLD_FROM + 12), st.sampled_from("aé€😀\\,;"))
def test_lines_around_the_fold(length, last):
    """Lines of every length near the fold, ending in characters of several
    octets or escaped: the same bytes, and a line of the fold's length or
    more folded by icalendar."""
    event = icalendar.Event()
    text = "x" * max(0, length - len("SUMMARY:")) + last
    event.add("summary", text)
    data = component_bytes(event)
    assert data == event.to_ical()
    lines = data.split(b"\r\n")
    summary = next(line for line in lines if line.startswith(b"SUMMARY:"))
    if len(f"SUMMARY:{text}".encode().replace(b"\\", b"\\\\")) < FOLD_FROM and last not in ",;":
        assert lines[lines.index(summary) + 1] == b"END:VEVENT"  # not folded
    assert all(len(line) < FOLD_FROM + 1 for line in lines)


def test_a_calendar_with_its_events_is_written_as_icalendar_writes_it():
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Clarion//test//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "Ünïcode status: deadlines (private) " * 3)
    for n in range(40):
        event = icalendar.Event()
        event.add("uid", f"deadline-{n}@status.example")
        event.add("dtstamp", datetime(2026, 1, 1, tzinfo=UTC) + timedelta(hours=n))
        event.add("summary", "Ö" * n)
        event.add("description", "line\n" * n)
        calendar.add_component(event)
    assert component_bytes(calendar) == calendar.to_ical()


#: Each property the deadline calendar puts with its value typed ahead
#: (clarion.render.ical._put), with values of the kind it gives them.
PUT = {
    (icalendar.Event, "uid"): TEXT.filter(bool),
    (icalendar.Event, "summary"): TEXT,
    (icalendar.Event, "description"): TEXT,
    (icalendar.Event, "transp"): st.just("TRANSPARENT"),
    (icalendar.Event, "categories"): st.lists(TEXT.filter(bool), min_size=1, max_size=3),
    (icalendar.Event, "dtstamp"): MOMENTS,
    (icalendar.Event, "dtstart"): MOMENTS,
    (icalendar.Event, "dtend"): MOMENTS,
    (icalendar.Alarm, "action"): st.just("DISPLAY"),
    (icalendar.Alarm, "description"): TEXT,
    (icalendar.Alarm, "trigger"): st.timedeltas(timedelta(days=-30), timedelta(days=30)),
}


@settings(max_examples=800, deadline=None)
@given(st.data())
def test_a_value_typed_ahead_is_written_as_icalendar_types_it(data: st.DataObject) -> None:
    kind, name = data.draw(st.sampled_from(sorted(PUT, key=str)))
    value = data.draw(PUT[kind, name])
    ahead, added = kind(), kind()
    _put(ahead, name, value)
    added.add(name, value)
    assert ahead.to_ical() == added.to_ical()
    assert component_bytes(ahead) == added.to_ical()
