"""An admin's cancel of a job is an event of the global audit chain, naming the admin, the job
and the state it was cancelled from. Before, it was written on the job (`last_error`) and, for
a job that worked on an incident, on that incident's timeline only: a cancelled escalation of
an incident later wiped, or a cancelled audit checkpoint, left no trace in the audit log."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.factories import make_incident
from warroom.audit.models import GLOBAL_CHAIN, TimelineEvent
from warroom.audit.sentences import describe
from warroom.audit.verify import verify
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine import service as engine


def _cancels(db: Database) -> list[tuple[str, dict[str, Any]]]:
    with db.session() as session:
        rows = session.scalars(
            select(TimelineEvent)
            .where(
                TimelineEvent.chain == GLOBAL_CHAIN, TimelineEvent.kind == "engine:job:cancelled"
            )
            .order_by(TimelineEvent.seq)
        )
        return [(row.actor, dict(row.payload)) for row in rows]


def test_a_cancel_is_on_the_global_audit_chain(
    client: TestClient, admin_headers: dict[str, str], db: Database, clock: FakeClock
) -> None:
    with db.session() as session:
        incident = make_incident(session, clock)
        job = engine.enqueue(session, clock, "engine.prune", {}, incident_id=incident.id)
        job_id, incident_id = job.id, incident.id
    answer = client.post(f"/api/v1/engine/jobs/{job_id}/cancel", headers=admin_headers)
    assert answer.status_code == 200, answer.text
    payload = {"job_id": job_id, "job": "engine.prune", "from": "pending"}
    assert _cancels(db) == [("admin@example.com", payload | {"incident_id": incident_id})]
    assert describe("engine:job:cancelled", _cancels(db)[0][1]) == (
        f"job {job_id} (engine.prune, pending) cancelled"
    )
    with db.session() as session:
        assert verify(session).problems == []
    # A refused cancel (already cancelled) records nothing more.
    again = client.post(f"/api/v1/engine/jobs/{job_id}/cancel", headers=admin_headers)
    assert again.status_code == 409
    assert len(_cancels(db)) == 1


def test_a_process_that_cannot_audit_a_cancel_does_not_cancel(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engine, "CANCEL_RECORDER", None)
    with db.session() as session:
        job_id = engine.enqueue(session, clock, "engine.prune", {}).id
    with db.session() as session, pytest.raises(RuntimeError, match="audit"):
        engine.cancel_job(session, clock, job_id, actor="admin@example.com")
    with db.session() as session:
        assert engine.get_job(session, job_id).state == "pending"
