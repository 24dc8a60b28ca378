"""Cross-checks for notification targets ("user:EMAIL", "team:KEY", "schedule:KEY", "policy:KEY").

A target must name an item of the section that owns its kind. `schedule:` and `policy:` targets
are only checked once a `schedules` / `escalation_policies` section is registered (the paging
domain adds them); until then any name is accepted.
"""

from __future__ import annotations

from collections.abc import Iterable

from warroom.config.document import ConfigDocument, Field, Problems, field_path
from warroom.config.registry import registered
from warroom.config.types import parse_target

# The section that defines the names each target kind refers to.
TARGET_SECTIONS = {
    "user": "users",
    "team": "teams",
    "schedule": "schedules",
    "policy": "escalation_policies",
}


def known_names(doc: ConfigDocument, kind: str) -> set[str] | None:
    """Names a target of this kind may use, or None when its section is not registered."""
    section = TARGET_SECTIONS[kind]
    if not registered(section):
        return None
    names = doc.identities(section)
    return {n.lower() for n in names} if kind == "user" else names


def check_targets(
    doc: ConfigDocument,
    problems: Problems,
    key: str,
    index: int | None,
    field: Field,
    targets: Iterable[str],
) -> None:
    """Report each target (already syntax-checked) that names nothing defined in the config."""
    base = field_path(field)
    for position, target in enumerate(targets):
        kind, name = parse_target(target)
        names = known_names(doc, kind)
        if names is None:
            continue
        lookup = name.lower() if kind == "user" else name
        if lookup not in names:
            section = TARGET_SECTIONS[kind]
            problems.add(
                key, index, (*base, position), f"{target!r}: no {kind} {name!r} in {section}"
            )
