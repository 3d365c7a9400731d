"""Status badges: an SVG to embed anywhere, and a shields.io "endpoint" JSON
for teams that prefer shields' styles.

- ``badge.svg`` / ``badge.json``: the page's overall status
  (``status | all systems operational``);
- ``components/<id>/badge.svg`` / ``badge.json``: one component
  (``API | operational``).

The SVG is drawn here, with no font at build time: text widths come from a
table of Verdana's advances at 11 px (the font badges use), and
``textLength`` makes every renderer fit the text to the computed width.
Colours keep white (or, on amber, dark) text at a contrast of at least 4.5:1.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

from ..model import Impact
from . import Area, Output, RenderContext
from .items import dump_json
from .xml_text import escape, quoteattr

#: How long shields.io may cache an endpoint badge, in seconds.
SHIELDS_CACHE_SECONDS = 300


@dataclass(frozen=True, slots=True)
class Tone:
    """A badge colour: the hex used in our SVG and shields' named colour."""

    fill: str
    text: str
    shields: str


_GREEN = Tone("#1a7f37", "#fff", "brightgreen")
_AMBER = Tone("#f0b400", "#1f2328", "yellow")
_ORANGE = Tone("#bc4c00", "#fff", "orange")
_RED = Tone("#cf222e", "#fff", "red")
_BLUE = Tone("#0969da", "#fff", "blue")
_LABEL_FILL = "#555"

INDICATOR_TONES = {
    "none": _GREEN,
    "minor": _AMBER,
    "major": _ORANGE,
    "critical": _RED,
    "maintenance": _BLUE,
}
IMPACT_TONES = {
    Impact.OPERATIONAL: _GREEN,
    Impact.DEGRADED_PERFORMANCE: _AMBER,
    Impact.PARTIAL_OUTAGE: _ORANGE,
    Impact.MAJOR_OUTAGE: _RED,
    Impact.UNDER_MAINTENANCE: _BLUE,
}


def render_badges(context: RenderContext) -> Iterator[Output]:
    state = context.state
    overall = state.overall
    yield from _badge(
        "", "status", overall.description.lower(), INDICATOR_TONES.get(overall.indicator, _AMBER)
    )
    for component in context.config.components:
        impact = state.component_status[component.id]
        yield from _badge(
            f"components/{component.id}/",
            component.name,
            impact.label.lower(),
            IMPACT_TONES[impact],
        )


def _badge(folder: str, label: str, message: str, tone: Tone) -> Iterator[Output]:
    yield Output(Area.PUBLIC, folder + "badge.svg", badge_svg(label, message, tone).encode("utf-8"))
    yield Output(
        Area.PUBLIC,
        folder + "badge.json",
        dump_json(
            {
                "schemaVersion": 1,
                "label": label,
                "message": message,
                "color": tone.shields,
                "cacheSeconds": SHIELDS_CACHE_SECONDS,
            }
        ),
    )


def badge_svg(label: str, message: str, tone: Tone) -> str:
    """A flat badge, ``label`` on grey, ``message`` on the tone's colour."""
    label_text, message_text = text_width(label), text_width(message)
    label_width, message_width = label_text + 12, message_text + 12
    width = label_width + message_width
    title = f"{label}: {message}"
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="20" role="img" aria-label={quoteattr(title)}>',
        f"<title>{escape(title)}</title>",
        '<linearGradient id="s" x2="0" y2="100%"><stop '
        'offset="0" stop-color="#bbb" stop-opacity=".1"/>'
        '<stop offset="1" stop-opacity=".1"/></linearGradient>',
        f'<clipPath id="r"><rect width="{width}" height="20" rx="3" fill="#fff"/></clipPath>',
        '<g clip-path="url(#r)">',
        f'<rect width="{label_width}" height="20" fill="{_LABEL_FILL}"/>',
        f'<rect x="{label_width}" width="{message_width}" height="20" fill="{tone.fill}"/>',
        f'<rect width="{width}" height="20" fill="url(#s)"/>',
        "</g>",
        '<g text-anchor="middle" font-family="Verdana,Geneva,DejaVu Sans,sans-serif" '
        'text-rendering="geometricPrecision" font-size="11" aria-hidden="true">',
        *_text(label, label_width / 2, label_text, "#fff"),
        *_text(message, label_width + message_width / 2, message_text, tone.text),
        "</g>",
        "</svg>",
    ]
    return "\n".join(parts) + "\n"


def _text(text: str, x: float, length: int, colour: str) -> list[str]:
    body = escape(text)
    lines = []
    if colour == "#fff":  # a shadow under light text
        lines.append(
            f'<text x="{x:g}" y="15" fill="#010101" '
            f'fill-opacity=".3" textLength="{length}">{body}</text>'
        )
    lines.append(f'<text x="{x:g}" y="14" fill="{colour}" textLength="{length}">{body}</text>')
    return lines


def text_width(text: str) -> int:
    """The width of ``text`` in Verdana 11 px, rounded up to a whole pixel."""
    total = sum(_VERDANA_11.get(char, _WIDE if ord(char) > 0x2E7F else _DEFAULT) for char in text)
    return math.ceil(total)


_DEFAULT = 7.0
_WIDE = 11.0  # CJK and other wide scripts
# Verdana advances at 11 px for printable ASCII.
_VERDANA_11 = dict(
    zip(
        " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ"
        "[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
        [
            3.87,
            4.33,
            5.05,
            9.0,
            7.0,
            11.84,
            7.99,
            2.95,
            4.99,
            4.99,
            7.0,
            9.0,
            4.0,
            4.99,
            4.0,
            4.99,
            7.0,
            7.0,
            7.0,
            7.0,
            7.0,
            7.0,
            7.0,
            7.0,
            7.0,
            7.0,
            4.99,
            4.99,
            9.0,
            9.0,
            9.0,
            6.0,
            11.0,
            7.52,
            7.54,
            7.68,
            8.48,
            6.96,
            6.32,
            8.53,
            8.27,
            4.63,
            5.0,
            7.62,
            6.12,
            9.27,
            8.23,
            8.66,
            6.63,
            8.66,
            7.65,
            7.52,
            6.78,
            8.05,
            7.52,
            10.88,
            7.54,
            6.77,
            7.54,
            4.99,
            4.99,
            4.99,
            9.0,
            7.0,
            7.0,
            6.61,
            6.85,
            5.73,
            6.85,
            6.55,
            3.87,
            6.85,
            6.96,
            3.02,
            3.79,
            6.51,
            3.02,
            10.7,
            6.96,
            6.68,
            6.85,
            6.85,
            4.69,
            5.73,
            4.33,
            6.96,
            6.51,
            8.98,
            6.51,
            6.51,
            5.78,
            6.98,
            4.99,
            6.98,
            9.0,
        ],
        strict=True,
    )
)
