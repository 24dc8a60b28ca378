"""An admin's retry of a failed or cancelled job is an event of the global audit chain, as a
cancel is. Before, `POST /api/v1/engine/jobs/N/retry` (and `warroom jobs retry N`) left no trace:
a retried job does its work again (a page sent again, an action run again) with nothing saying
who asked for it (seen on a real warroom serve: the cancel was in `audit log`, the retry not)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from warroom.audit.models import GLOBAL_CHAIN, TimelineEvent
from warroom.audit.sentences import describe
from warroom.audit.verify import verify
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine import service as engine


def _events(db: Database) -> list[tuple[str, str, dict[str, Any]]]:
    with db.session() as session:
        rows = session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.chain == GLOBAL_CHAIN, TimelineEvent.kind.like("engine:job:%"))
            .order_by(TimelineEvent.seq)
        )
        return [(row.kind, row.actor, dict(row.payload)) for row in rows]


def test_a_retry_is_on_the_global_audit_chain(
    client: TestClient, admin_headers: dict[str, str], db: Database, clock: FakeClock
) -> None:
    with db.session() as session:
        job_id = engine.enqueue(session, clock, "engine.prune", {}).id
    assert client.post(f"/api/v1/engine/jobs/{job_id}/cancel", headers=admin_headers).is_success
    answer = client.post(f"/api/v1/engine/jobs/{job_id}/retry", headers=admin_headers)
    assert answer.status_code == 200, answer.text
    payload = {"job_id": job_id, "job": "engine.prune", "from": "cancelled", "incident_id": None}
    assert _events(db)[-1] == ("engine:job:retried", "admin@example.com", payload)
    assert describe("engine:job:retried", payload) == (
        f"job {job_id} (engine.prune, cancelled) queued again"
    )
    with db.session() as session:
        assert verify(session).problems == []
    # A refused retry (the job is pending again) records nothing more.
    again = client.post(f"/api/v1/engine/jobs/{job_id}/retry", headers=admin_headers)
    assert again.status_code == 422
    assert [kind for kind, _, _ in _events(db)] == ["engine:job:cancelled", "engine:job:retried"]
