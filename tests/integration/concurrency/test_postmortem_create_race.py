"""Two requests create the postmortem of one incident at the same time, or one creates it while
the incident's resolve creates the one its severity requires (PostgreSQL, forced with a pause
right after the first one inserted the postmortem): the second waits on the incident row, then
finds the first's postmortem and answers it (201, as for any create of an existing one); never
a unique-constraint 409, never a second postmortem."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.integration.concurrency.world import ORG, Pause, Run, paused, wait_blocked_or_done
from warroom.audit.models import TimelineEvent
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.review.postmortems.models import Postmortem
from warroom.settings import Settings

World = tuple[Database, Settings, TestClient, str]
INSERTED = r"INSERT INTO postmortems"
# SEV2 requires a postmortem when resolved; SEV1 (the world's) does not.
SEVERITIES = """\
severities:
  - {key: SEV1, name: Critical, acknowledge_within: 5m}
  - {key: SEV2, name: Major, postmortem: {required: true, due_within: 48h}}
"""


def _configure(db: Database, clock: FakeClock) -> None:
    org = ORG.replace("severities:\n  - {key: SEV1, name: Critical, acknowledge_within: 5m}\n", "")
    assert org != ORG
    doc, problems = config_service.load_files({"org.yaml": SEVERITIES + org})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")


def _headers(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _open(client: TestClient, token: str, severity: str) -> int:
    body = {"title": "Checkout is down", "severity": severity}
    r = client.post("/api/v1/incidents", json=body, headers=_headers(token))
    assert r.status_code == 201, r.text
    return int(r.json()["number"])


def _resolve(client: TestClient, token: str, number: int) -> Any:
    return client.post(
        f"/api/v1/incidents/{number}/resolve", json={"note": "fixed"}, headers=_headers(token)
    )


def _create(client: TestClient, token: str, number: int) -> Any:
    return client.post(f"/api/v1/incidents/{number}/postmortem", json={}, headers=_headers(token))


def _race(db: Database, first_call: Any, second_call: Any) -> tuple[Any, Any]:
    """The first call stops right after inserting its postmortem; the second must wait."""
    started: list[bool] = []
    pause = Pause(INSERTED, only=lambda: not started)
    with paused(db, pause):
        one = Run(first_call)
        one.start()
        pause.wait_reached()  # its postmortem is inserted, not committed
        started.append(True)  # from now on the pause matches nobody
        two = Run(second_call)
        two.start()
        assert wait_blocked_or_done(db, two), "the second request must wait for the first"
        pause.resume()
        return one.outcome(), two.outcome()


def _postmortems(db: Database) -> tuple[int, int]:
    """Postmortems, and `review:postmortem:created` events."""
    with db.session() as session:
        rows = session.scalar(select(func.count(Postmortem.id))) or 0
        created = select(func.count(TimelineEvent.id)).where(
            TimelineEvent.kind == "review:postmortem:created"
        )
        return int(rows), int(session.scalar(created) or 0)


def test_two_simultaneous_creates_answer_the_same_postmortem(
    pg_world: World, clock: FakeClock
) -> None:
    db, _, client, token = pg_world
    _configure(db, clock)
    number = _open(client, token, "SEV1")
    assert _resolve(client, token, number).status_code == 200
    assert _postmortems(db) == (0, 0)  # SEV1 requires none

    one, two = _race(
        db, lambda: _create(client, token, number), lambda: _create(client, token, number)
    )

    assert one.status_code == 201, one.text
    assert two.status_code == 201, two.text
    assert two.json()["number"] == one.json()["number"] == number
    assert two.json()["created_at"] == one.json()["created_at"]
    assert _postmortems(db) == (1, 1)


def test_create_while_the_resolve_creates_the_required_one(
    pg_world: World, clock: FakeClock
) -> None:
    db, _, client, token = pg_world
    _configure(db, clock)
    number = _open(client, token, "SEV2")

    resolved, created = _race(
        db, lambda: _resolve(client, token, number), lambda: _create(client, token, number)
    )

    assert resolved.status_code == 200, resolved.text
    assert created.status_code == 201, created.text
    assert created.json()["number"] == number
    assert created.json()["state"] == "draft"
    assert _postmortems(db) == (1, 1)
