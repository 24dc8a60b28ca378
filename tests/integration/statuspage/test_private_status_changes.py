"""A status change the page does not show leaves every public time and ETag as it was.

On a real warroom serve, acknowledging a published incident (`warroom incident ack 3`) moved
the page's, the component's and the incident's `updated_at` in summary.json and changed every
ETag: anyone polling the page learned the moment a responder acknowledged, though the page
shows nothing of an acknowledgement (docs: work that shows nowhere public leaves every tag as it
was). Closing a resolved incident did the same. Resolving, reopening and a mitigation whose
time the page gives as `monitoring_at` still move them."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.statuspage.page import apply, open_incident
from warroom.clock import FakeClock
from warroom.comms import service as comms
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.statuspage import service as statuspage

ROUTES = [
    "/status",
    "/status/incidents/{id}",
    "/status/feed.atom",
    "/status/api/v2/summary.json",
    "/status/api/v2/components.json",
    "/status/api/v2/incidents.json",
]
SUMMARY = "/status/api/v2/summary.json"


def _published(db: Database, clock: FakeClock) -> tuple[int, int]:
    apply(db, clock)
    number = open_incident(db, clock)
    with db.session() as session:
        record = statuspage.publish(
            session, clock, number, name="Slow API", components=["api"],
            message="We are investigating.", actor="ic@corp.test",
        )  # fmt: skip
        session.commit()
        return number, record.id


def _move(db: Database, clock: FakeClock, number: int, step: str) -> None:
    clock.advance(minutes=5)
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        moves = {"ack": incidents.acknowledge, "mitigate": incidents.mitigate,
                 "resolve": incidents.resolve, "close": incidents.close}  # fmt: skip
        moves[step](session, clock, incident, actor="ic@corp.test")
        session.commit()


def _tags(client: TestClient, public_id: int) -> dict[str, str]:
    return {r: client.get(r.format(id=public_id)).headers["etag"] for r in ROUTES}


def _times(client: TestClient) -> tuple[str, ...]:
    summary = client.get(SUMMARY).json()
    [api] = [c for c in summary["components"] if c["id"] == "api"]
    return summary["page"]["updated_at"], api["updated_at"]


def test_an_acknowledgement_tells_the_page_nothing(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    number, public_id = _published(db, clock)
    tags, times = _tags(client, public_id), _times(client)
    _move(db, clock, number, "ack")
    assert _tags(client, public_id) == tags
    assert _times(client) == times


def test_closing_a_resolved_incident_tells_the_page_nothing(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    number, public_id = _published(db, clock)
    _move(db, clock, number, "resolve")
    tags = _tags(client, public_id)
    _move(db, clock, number, "close")
    assert _tags(client, public_id) == tags


@pytest.mark.parametrize("said_monitoring", [False, True])
def test_a_mitigation_moves_the_page_only_when_it_shows_its_time(
    db: Database, clock: FakeClock, client: TestClient, said_monitoring: bool
) -> None:
    number, public_id = _published(db, clock)
    if said_monitoring:
        with db.session() as session:
            comms.post_update(session, clock, number=number, state="monitoring",
                              internal="watching", public="A fix is in place.",
                              actor="ic@corp.test", smtp_url="mailto://127.0.0.1:9")  # fmt: skip
            session.commit()
    tags = _tags(client, public_id)
    _move(db, clock, number, "mitigate")
    [shown] = client.get(SUMMARY).json()["incidents"]
    if said_monitoring:
        assert _tags(client, public_id) == tags
    else:
        # The JSON and the feed give its time (the HTML pages show no monitoring time).
        assert shown["monitoring_at"] == shown["updated_at"]
        after = _tags(client, public_id)
        assert [r for r in ROUTES if after[r] != tags[r]] == ROUTES[2:]


def test_resolving_and_reopening_move_the_incident(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    number, public_id = _published(db, clock)
    tags = _tags(client, public_id)
    _move(db, clock, number, "resolve")
    [shown] = client.get("/status/api/v2/incidents.json").json()["incidents"]
    assert (shown["status"], shown["updated_at"]) == ("resolved", shown["resolved_at"])
    assert all(tag != tags[r] for r, tag in _tags(client, public_id).items())
    clock.advance(minutes=5)
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.reopen(session, clock, incident, actor="ic@corp.test")
        session.commit()
    [shown] = client.get(SUMMARY).json()["incidents"]
    assert shown["status"] == "investigating"
    assert shown["updated_at"] > shown["created_at"]
