"""Apply the catalog's config sections to the tables, recording every change in the plan.

Objects that disappear from the config are deactivated, never deleted: incidents, alerts and
tokens keep pointing at them. Users are only touched when they come from config (managed).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.auth import service as auth_service
from warroom.auth.offboard import end_credentials
from warroom.catalog.models import Service, Severity, Team, TeamMember
from warroom.clock import Clock
from warroom.config.document import ConfigDocument, Plan
from warroom.config.types import format_duration

if TYPE_CHECKING:
    from warroom.catalog.config import ServiceConfig, SeverityConfig, TeamConfig, UserConfig

KEPT = "deactivated; kept for history"


def _seconds(value: timedelta | None) -> int | None:
    return None if value is None else int(value.total_seconds())


def severity_values(item: SeverityConfig, rank: int) -> dict[str, Any]:
    """The column values a configured severity should have."""
    return {
        "name": item.name,
        "rank": rank,
        "definition": item.definition,
        "examples": list(item.examples),
        "ack_within_s": _seconds(item.acknowledge_within),
        "respond_within_s": _seconds(item.respond_within),
        "resolve_within_s": _seconds(item.resolve_within),
        "internal_update_every_s": _seconds(item.internal_update_every),
        "external_update_every_s": _seconds(item.external_update_every),
        "postmortem_required": item.postmortem.required,
        "postmortem_due_s": _seconds(item.postmortem.due_within),
        "page": item.page,
        "unresolved_escalation": [
            {"after_s": _seconds(step.after), "targets": list(step.notify)}
            for step in item.escalate_while_unresolved
        ],
        "escalation_policy": item.escalation_policy,
        "active": True,
    }


def _row_values(row: Any, names: list[str]) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def _set(row: Any, values: dict[str, Any]) -> None:
    for name, value in values.items():
        setattr(row, name, value)


def _duration(seconds: int | None) -> str | None:
    return None if seconds is None else format_duration(timedelta(seconds=seconds))


def severity_view(row: Severity) -> dict[str, Any]:
    """A stored severity in the words of the config file, for the plan."""
    return {
        "name": row.name,
        "rank": row.rank,
        "definition": row.definition,
        "examples": list(row.examples),
        "acknowledge_within": _duration(row.ack_within_s),
        "respond_within": _duration(row.respond_within_s),
        "resolve_within": _duration(row.resolve_within_s),
        "internal_update_every": _duration(row.internal_update_every_s),
        "external_update_every": _duration(row.external_update_every_s),
        "postmortem": {
            "required": row.postmortem_required,
            "due_within": _duration(row.postmortem_due_s),
        },
        "page": row.page,
        "escalate_while_unresolved": [
            {"after": _duration(step["after_s"]), "notify": list(step["targets"])}
            for step in row.unresolved_escalation
        ],
        "escalation_policy": row.escalation_policy,
        "active": row.active,
    }


def apply_severities(session: Session, clock: Clock, doc: ConfigDocument, plan: Plan) -> None:
    rows = {r.key: r for r in session.scalars(select(Severity))}
    for rank, item in enumerate(cast("list[SeverityConfig]", doc.items("severities"))):
        shown = item.model_dump(mode="json", exclude={"key"}) | {"rank": rank, "active": True}
        row = rows.get(item.key)
        old = None if row is None else severity_view(row)
        if plan.compare("severity", item.key, old, shown):
            if row is None:
                row = Severity(key=item.key)
                session.add(row)
            _set(row, severity_values(item, rank))
    _deactivate(rows, doc.identities("severities"), "severity", plan)


def _deactivate(rows: dict[str, Any], keep: set[str], kind: str, plan: Plan) -> None:
    for key, row in sorted(rows.items()):
        if key not in keep and row.active:
            row.active = False
            plan.delete(kind, key, KEPT)


def apply_users(session: Session, clock: Clock, doc: ConfigDocument, plan: Plan) -> None:
    rows = {u.email: u for u in auth_service.list_users(session)}
    wanted = cast("list[UserConfig]", doc.items("users"))
    for item in wanted:
        values = {
            "name": item.name,
            "role": item.role,
            "time_zone": item.time_zone,
            "active": True,
            "managed": True,
        }
        row = rows.get(item.email)
        old = None if row is None else _row_values(row, list(values))
        if plan.compare("user", item.email, old, values):
            if row is None:
                row = auth_service.ensure_user(
                    session, clock, email=item.email, name=item.name, role=item.role
                )
            _set(row, values)
    keep = {u.email for u in wanted}
    for email, row in sorted(rows.items()):
        if row.managed and row.active and email not in keep:
            row.active = False
            end_credentials(session, clock, row)  # for good: coming back gives none back
            plan.delete("user", email, KEPT)
    session.flush()


def apply_teams(session: Session, clock: Clock, doc: ConfigDocument, plan: Plan) -> None:
    rows = {t.key: t for t in session.scalars(select(Team))}
    users = {u.email: u for u in auth_service.list_users(session)}
    for item in cast("list[TeamConfig]", doc.items("teams")):
        wanted = {email: "member" for email in item.members} | {e: "lead" for e in item.leads}
        values = {
            "name": item.name,
            "description": item.description,
            "schedule_key": item.schedule,
            "channels": list(item.channels),
            "active": True,
            "members": sorted(f"{e} ({r})" for e, r in wanted.items()),
        }
        row = rows.get(item.key)
        old = None
        if row is not None:
            by_id = {u.id: u.email for u in users.values()}
            current = sorted(f"{by_id.get(m.user_id)} ({m.role})" for m in row.members)
            fields = ["name", "description", "schedule_key", "channels", "active"]
            old = _row_values(row, fields) | {"members": current}
        if not plan.compare("team", item.key, old, values):
            continue
        if row is None:
            row = Team(key=item.key)
            session.add(row)
        _set(row, {k: v for k, v in values.items() if k != "members"})
        _sync_members(row, {users[e].id: r for e, r in wanted.items() if e in users})
    _deactivate(rows, doc.identities("teams"), "team", plan)
    session.flush()


def _sync_members(team: Team, wanted: dict[int, str]) -> None:
    existing = {m.user_id: m for m in team.members}
    for user_id, member in existing.items():
        if user_id not in wanted:
            team.members.remove(member)
        elif member.role != wanted[user_id]:
            member.role = wanted[user_id]
    for user_id, role in wanted.items():
        if user_id not in existing:
            team.members.append(TeamMember(user_id=user_id, role=role))


def apply_services(session: Session, clock: Clock, doc: ConfigDocument, plan: Plan) -> None:
    rows = {s.key: s for s in session.scalars(select(Service))}
    teams = {t.key: t for t in session.scalars(select(Team))}
    for item in cast("list[ServiceConfig]", doc.items("services")):
        values = {
            "name": item.name,
            "description": item.description,
            "team": item.team,
            "escalation_policy": item.escalation_policy,
            "escalation_policies": dict(item.escalation_policies),
            "channels": list(item.channels),
            "auto_resolve": item.auto_resolve,
            "tags": list(item.tags),
            "active": True,
        }
        row = rows.get(item.key)
        old = None
        if row is not None:
            old = _row_values(row, [k for k in values if k != "team"])
            old["team"] = row.team.key if row.team is not None else None
        if plan.compare("service", item.key, old, values):
            if row is None:
                row = Service(key=item.key)
                session.add(row)
            _set(row, {k: v for k, v in values.items() if k != "team"})
            row.team = teams[item.team] if item.team is not None else None
    _deactivate(rows, doc.identities("services"), "service", plan)
    session.flush()
