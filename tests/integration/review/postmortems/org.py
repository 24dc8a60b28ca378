"""A small organisation for postmortem tests, applied through the real config sections, and
helpers that script an incident on the FakeClock."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents

PEOPLE = ("ic", "rev", "oncall", "resp")


def org(extra: str = "") -> str:
    """P1 requires a postmortem in 48h (acknowledge 5m, respond 15m, resolve 1h); P2 within
    the default due time; P3 requires none."""
    users = "".join(
        f"  - email: {p}@corp.test\n    name: {p}\n"
        f'    contact_methods: [{{name: push, url: "json://hooks.test/{p}"}}]\n'
        for p in PEOPLE
    )
    return f"""\
severities:
  - key: P1
    name: High
    acknowledge_within: 5m
    respond_within: 15m
    resolve_within: 1h
    postmortem: {{required: true, due_within: 48h}}
  - key: P2
    name: Medium
    postmortem: {{required: true}}
  - key: P3
    name: Low
users:
{users}services:
  - {{key: api, name: API}}
  - {{key: db, name: Database}}
{extra}"""


def apply(db: Database, clock: FakeClock, text: str) -> None:
    doc, problems = config_service.load_files({"org.yaml": text})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")


def open_incident(db: Database, clock: FakeClock, severity: str = "P1", **extra: Any) -> int:
    with db.session() as session:
        incident = incidents.open_incident(
            session,
            clock,
            actor="alertmanager",
            title="Checkout fails",
            severity=severity,
            services=["api", "db"],
            **extra,
        )
        session.flush()
        return incident.number


def act(
    db: Database, clock: FakeClock, number: int, verb: str, actor: str = "resp@corp.test"
) -> None:
    """ack, mitigate, resolve, reopen or close the incident as `actor`."""
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        functions = {
            "ack": incidents.acknowledge,
            "mitigate": incidents.mitigate,
            "resolve": incidents.resolve,
            "reopen": incidents.reopen,
            "close": incidents.close,
        }
        functions[verb](session, clock, incident, actor=actor)


def commander(db: Database, clock: FakeClock, number: int, email: str = "ic@corp.test") -> None:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.assign_role(
            session, clock, incident, role="incident_commander", user_email=email, actor="test"
        )


def drain(worker: Worker) -> Iterator[None]:
    while worker.run_once():
        yield None


def run_due(worker: Worker) -> None:
    for _ in drain(worker):
        pass


def review_events(db: Database, number: int) -> list[tuple[str, dict[str, object]]]:
    """(kind, payload) of the incident's review:postmortem:* events, as the timeline pages them."""
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        rows, _ = timeline.timeline_page(
            session, incident_id=incident.id, kind_prefix="review:postmortem:", limit=100
        )
        return [(e.kind, dict(e.payload or {})) for e in rows]
