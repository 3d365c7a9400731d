"""``roles:`` in an incident's front matter: who commands, who talks, who writes
it down, who knows the system. Private: never published.

    roles:
      commander: Ana Lima
      comms_lead: Ben Okafor
      scribe: Chen Wu
      experts: [Dana Diaz (database), Eli Ito]
"""

from __future__ import annotations

from collections.abc import Callable

from ..errors import SourceLocation, did_you_mean
from ..model import Roles

ROLE_KEYS = ("commander", "comms_lead", "scribe", "experts")
ROLE_EXAMPLE = "roles:\n      commander: Ana Lima\n      comms_lead: Ben Okafor"

Locate = Callable[..., SourceLocation]
Report = Callable[..., None]


def read_roles(value: object, at: Locate, error: Report) -> Roles | None:
    """The ``roles:`` mapping as :class:`~clarion.model.Roles`; problems go to
    ``error(location, message, expected=..., hint=...)``."""
    if value is None:
        return None
    if not isinstance(value, dict):
        error(
            at("roles"), f"roles: got {value!r}", expected="a mapping such as\n    " + ROLE_EXAMPLE
        )
        return None
    names: dict[str, str | None] = {}
    experts: tuple[str, ...] = ()
    for key, raw in value.items():
        if key not in ROLE_KEYS:
            error(
                at(f"roles.{key}"),
                f"unknown role '{key}'",
                expected="one of: " + ", ".join(ROLE_KEYS),
                hint=did_you_mean(str(key), ROLE_KEYS) or f"remove '{key}' or check its spelling",
            )
        elif key == "experts":
            items = [raw] if isinstance(raw, str) else raw
            if raw is not None and (
                not isinstance(items, list)
                or not all(isinstance(i, str) and i.strip() for i in items)
            ):
                error(
                    at("roles.experts"), f"roles.experts: got {raw!r}", expected="a list of names"
                )
            elif raw is not None:
                experts = tuple(i.strip() for i in items)
        elif raw is None or (isinstance(raw, str) and not raw.strip()):
            names[key] = None  # written but not yet assigned
        elif isinstance(raw, str | int) and not isinstance(raw, bool):
            names[key] = str(raw).strip()
        else:
            error(at(f"roles.{key}"), f"roles.{key}: got {raw!r}", expected="a name")
    return Roles(
        commander=names.get("commander"),
        comms_lead=names.get("comms_lead"),
        scribe=names.get("scribe"),
        experts=experts,
    )
