"""The deadline report in every shape: a plain or rich table for people, JSON
for machines, GitHub Actions annotations for CI, and the private
``deadlines.html``, ``deadlines.json`` and ``deadlines.ics`` of a build.

Pure: each function takes a :class:`~clarion.derive.deadlines.DeadlineReport`
(or a rulebook) and returns text or outputs. Times are shown in UTC and in
the site's zone.

One module per shape: ``text`` (plain and rich tables), ``data`` (JSON),
``github`` (annotations), ``outputs`` (the build's private files), ``rules``
(the rulebook listing); ``common`` holds what they share. The names other
modules use are re-exported here.
"""

from __future__ import annotations

from ..times import iso_utc, local_text, utc_text
from .common import REPORT_HTML, REPORT_ICS, REPORT_JSON, REPORT_TEMPLATE, summary_line
from .data import obligation_data, render_errors_json, render_json, report_data
from .github import annotation, render_errors_github, render_github
from .outputs import render_deadlines, render_html
from .rules import (
    print_rules_rich,
    render_rule_detail,
    render_rules_json,
    render_rules_text,
    rule_data,
    rules_rows,
    short_source,
)
from .text import TEXT_WIDTH, print_rich, render_text

__all__ = [
    "REPORT_HTML",
    "REPORT_ICS",
    "REPORT_JSON",
    "REPORT_TEMPLATE",
    "TEXT_WIDTH",
    "annotation",
    "iso_utc",
    "local_text",
    "obligation_data",
    "print_rich",
    "print_rules_rich",
    "render_deadlines",
    "render_errors_github",
    "render_errors_json",
    "render_github",
    "render_html",
    "render_json",
    "render_rule_detail",
    "render_rules_json",
    "render_rules_text",
    "render_text",
    "report_data",
    "rule_data",
    "rules_rows",
    "short_source",
    "summary_line",
    "utc_text",
]
