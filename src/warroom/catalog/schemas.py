"""API shapes for severities, services, teams and classification."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from warroom.catalog.models import Service, Team


class EscalationStepOut(BaseModel):
    after_s: int
    targets: list[str]


class SeverityOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    key: str
    name: str
    rank: int
    definition: str
    examples: list[str]
    ack_within_s: int | None
    respond_within_s: int | None
    resolve_within_s: int | None
    internal_update_every_s: int | None
    external_update_every_s: int | None
    postmortem_required: bool
    postmortem_due_s: int | None
    page: bool
    unresolved_escalation: list[EscalationStepOut]
    active: bool


class ServiceOut(BaseModel):
    key: str
    name: str
    description: str
    team: str | None
    escalation_policy: str | None
    auto_resolve: bool
    tags: list[str]
    active: bool

    @classmethod
    def of(cls, row: Service) -> ServiceOut:
        return cls(
            key=row.key,
            name=row.name,
            description=row.description,
            team=row.team.key if row.team is not None else None,
            escalation_policy=row.escalation_policy,
            auto_resolve=row.auto_resolve,
            tags=list(row.tags),
            active=row.active,
        )


class TeamMemberOut(BaseModel):
    user_id: int
    email: str
    role: str


class TeamOut(BaseModel):
    key: str
    name: str
    description: str
    active: bool
    members: list[TeamMemberOut]

    @classmethod
    def of(cls, row: Team, emails: dict[int, str]) -> TeamOut:
        members = [
            TeamMemberOut(user_id=m.user_id, email=emails.get(m.user_id, ""), role=m.role)
            for m in sorted(row.members, key=lambda m: emails.get(m.user_id, ""))
        ]
        return cls(
            key=row.key,
            name=row.name,
            description=row.description,
            active=row.active,
            members=members,
        )


class ClassifyIn(BaseModel):
    answers: dict[str, Any] = Field(
        default_factory=dict,
        description='Question key -> answer; "unsure" or a missing question means unsure',
    )


class ClassificationOut(BaseModel):
    severity: str
    rule: int | None
    rule_name: str
    when: dict[str, list[str]]
    answers: dict[str, str]
    assumed: dict[str, str]
    unsure: list[str]
    candidates: list[str]
