"""Writing source files for people in a hurry: ``init``, ``new``, ``update``, ``sent``.

This package is the only one besides :mod:`clarion.output.write` that writes files, and the
only one that edits a site's sources. Every function takes ``now``/``at`` as an
argument (the clock is read in :mod:`clarion.cli`), validates its input against
``site.toml`` with "did you mean" hints, writes atomically, and reads the
written file back with the loader so that a command never leaves a file that
``clarion build`` would reject.


One module per command (``init``, ``new``, ``update``, ``notices``, ``sent``), the
severity questions in ``severity`` and what they share in ``common``; the names
other modules use are re-exported here.
"""

from __future__ import annotations

from .common import (
    Written,
    find_incident_file,
    heading_time,
    read_source,
    slugify,
    yaml_scalar,
)
from .common import (
    _write_atomic as _write_atomic,
)
from .init import InitResult, init_site, scaffold_files, workflow_files
from .new import (
    check_component_ids,
    fill_front_matter_time,
    new_incident,
    new_maintenance,
    parse_component_impacts,
)
from .notices import RuleSkeleton, new_notice
from .sent import record_sent
from .severity import (
    Q_CUSTOMERS,
    Q_MAJOR_DEGRADED,
    Q_PRODUCTION_DOWN,
    Q_WORKAROUND,
    SEVERITY_MEANING,
    Question,
    SeverityDecision,
    decide_severity,
    parse_severity,
    walk_severity_tree,
)
from .update import (
    add_update,
    editor_template,
    message_from_editor,
    parse_stage,
    resolve_update_target,
    transition_warnings,
)

__all__ = [
    "InitResult",
    "Q_CUSTOMERS",
    "Q_MAJOR_DEGRADED",
    "Q_PRODUCTION_DOWN",
    "Q_WORKAROUND",
    "Question",
    "RuleSkeleton",
    "SEVERITY_MEANING",
    "SeverityDecision",
    "Written",
    "add_update",
    "check_component_ids",
    "decide_severity",
    "editor_template",
    "fill_front_matter_time",
    "find_incident_file",
    "heading_time",
    "init_site",
    "message_from_editor",
    "new_incident",
    "new_maintenance",
    "new_notice",
    "parse_component_impacts",
    "parse_severity",
    "parse_stage",
    "read_source",
    "record_sent",
    "resolve_update_target",
    "scaffold_files",
    "slugify",
    "transition_warnings",
    "walk_severity_tree",
    "workflow_files",
    "yaml_scalar",
]
