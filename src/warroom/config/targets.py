"""Cross-checks for notification targets: each must name something the config defines.

    user:EMAIL       a person (users)
    schedule:KEY     whoever is on call on that schedule (schedules)
    oncall:TEAM      the team's on-call: the schedule the team names (`teams[].schedule`), else
                     the schedules that name the team (`schedules[].team`); none is an error
    members:TEAM     every active member and lead of the team (teams)
    channel:KEY      a named channel: a chat room, a mailing list, a webhook (channels)
    team:TEAM        the old form of oncall:TEAM: accepted, with a warning saying so
    policy:KEY       the first level of another policy (escalation_policies)

`schedule:`, `channel:` and `policy:` targets are only checked once their section is registered
(the paging domain adds them); until then any name is accepted.
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
    "oncall": "teams",
    "members": "teams",
    "schedule": "schedules",
    "channel": "channels",
    "policy": "escalation_policies",
}
# Kinds that mean a team's on-call, so the team needs a schedule.
ON_CALL_KINDS = ("oncall", "team")


def known_names(doc: ConfigDocument, kind: str) -> set[str] | None:
    """Names a target of this kind may use, or None when its section is not registered."""
    section = TARGET_SECTIONS[kind]
    if not registered(section):
        return None
    names = doc.identities(section)
    return {n.lower() for n in names} if kind == "user" else names


def teams_with_schedule(doc: ConfigDocument) -> set[str]:
    """Teams whose on-call is defined: they name a schedule, or a schedule names them."""
    found = {
        str(getattr(team, "key", ""))
        for team in doc.items("teams")
        if getattr(team, "schedule", None)
    }
    found |= {
        str(getattr(schedule, "team", ""))
        for schedule in doc.items("schedules")
        if getattr(schedule, "team", None)
    }
    return found


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
    scheduled: set[str] | None = None
    for position, target in enumerate(targets):
        kind, name = parse_target(target)
        where = (*base, position)
        names = known_names(doc, kind)
        if names is None:
            continue
        lookup = name.lower() if kind == "user" else name
        if lookup not in names:
            section = TARGET_SECTIONS[kind]
            problems.add(key, index, where, f"{target!r}: no {kind} {name!r} in {section}")
            continue
        if kind == "team":
            problems.warn(
                key,
                index,
                where,
                f"team:{name} means {name}'s on-call; write oncall:{name} or members:{name}",
            )
        if kind in ON_CALL_KINDS:
            scheduled = teams_with_schedule(doc) if scheduled is None else scheduled
            if name not in scheduled:
                problems.add(
                    key,
                    index,
                    where,
                    f"{target!r}: team {name!r} has no on-call schedule; give the team "
                    f"`schedule: KEY`, or page every member with members:{name}",
                )
