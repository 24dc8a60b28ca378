"""Test data: catalog rows (severities, services), users and incidents. Reuse freely."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.auth import service as auth_service
from warroom.auth.models import User
from warroom.catalog.models import Service, Severity
from warroom.clock import Clock

# Modelled on the reference processes: SEV0 acks in 5 min, resolves in 1 h, updates every 15/30.
SEVERITIES: list[dict[str, Any]] = [
    {
        "key": "SEV0",
        "rank": 0,
        "ack": 300,
        "respond": 900,
        "resolve": 3600,
        "int": 900,
        "ext": 1800,
    },
    {
        "key": "SEV1",
        "rank": 1,
        "ack": 900,
        "respond": 3600,
        "resolve": 14400,
        "int": 1800,
        "ext": 1800,
    },
    {
        "key": "SEV2",
        "rank": 2,
        "ack": 14400,
        "respond": None,
        "resolve": 86400,
        "int": 3600,
        "ext": None,
    },
    {
        "key": "SEV3",
        "rank": 3,
        "ack": 86400,
        "respond": None,
        "resolve": None,
        "int": None,
        "ext": None,
    },
]

SERVICES = ["api-gateway", "database", "submitter"]


def make_severity(session: Session, key: str, rank: int, **targets: int | None) -> Severity:
    """A severity row; targets are ack_within_s, resolve_within_s and so on."""
    severity = Severity(key=key, name=key, rank=rank, **targets)
    session.add(severity)
    session.flush()
    return severity


def make_service(session: Session, key: str, **fields: Any) -> Service:
    service = Service(key=key, name=fields.pop("name", key), **fields)
    session.add(service)
    session.flush()
    return service


def seed_catalog(session: Session) -> None:
    """SEV0..SEV3 and a few services, unless already there."""
    if session.scalar(select(Severity.id).limit(1)) is None:
        for s in SEVERITIES:
            make_severity(
                session,
                s["key"],
                s["rank"],
                ack_within_s=s["ack"],
                respond_within_s=s["respond"],
                resolve_within_s=s["resolve"],
                internal_update_every_s=s["int"],
                external_update_every_s=s["ext"],
            )
    if session.scalar(select(Service.id).limit(1)) is None:
        for key in SERVICES:
            make_service(session, key)


def make_user(session: Session, clock: Clock, email: str, role: str = "responder") -> User:
    return auth_service.ensure_user(
        session, clock, email=email, name=email.split("@")[0], role=role
    )


def make_incident(session: Session, clock: Clock, **fields: Any) -> Any:
    """An open incident (seeds the catalog first); fields override the defaults."""
    from warroom.incidents import service

    seed_catalog(session)
    fields.setdefault("actor", "tester@example.com")
    fields.setdefault("title", "Publishing halted")
    fields.setdefault("severity", "SEV2")
    return service.open_incident(session, clock, **fields)
