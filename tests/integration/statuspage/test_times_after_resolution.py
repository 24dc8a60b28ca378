"""The page's and a component's updated_at never go back when something leaves the page.

On a real warroom serve, resolving a published incident (INC-3, on api-gateway) took
status.json's and summary.json's page `updated_at` back from 00:34 (the incident's last
change) to 00:22 (when the configuration was applied), and api-gateway's from 00:34 to 00:22,
though its status had just gone back to operational: a reader comparing `updated_at` to decide
whether to read again saw the page older than before. The page and the components now count
the incidents resolved and the maintenance completed since the configuration was applied."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from tests.integration.statuspage.page import apply, open_incident
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.statuspage import maintenance
from warroom.statuspage import service as statuspage

V2 = "/status/api/v2"


def _times(client: TestClient) -> dict[str, str]:
    summary = client.get(f"{V2}/summary.json").json()
    found = {c["id"]: c["updated_at"] for c in summary["components"] if not c["group"]}
    return {"page": summary["page"]["updated_at"], **found}


def _stamp(clock: FakeClock) -> str:
    return clock.now().isoformat().replace("+00:00", "Z")


def test_resolving_an_incident_moves_the_page_and_its_components_forward(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    apply(db, clock)
    applied = _stamp(clock)
    number = open_incident(db, clock)
    clock.advance(minutes=5)
    with db.session() as session:
        statuspage.publish(session, clock, number, name="Slow API", components=["api"],
                           actor="ic@corp.test")  # fmt: skip
        session.commit()
    published = _stamp(clock)
    assert _times(client) == {"page": published, "api": published, "db": applied, "web": applied}
    clock.advance(minutes=10)
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.resolve(session, clock, incident, actor="ic@corp.test")
        session.commit()
    resolved = _stamp(clock)
    assert _times(client) == {"page": resolved, "api": resolved, "db": applied, "web": applied}
    status = client.get(f"{V2}/status.json").json()
    assert (status["page"]["updated_at"], status["status"]["indicator"]) == (resolved, "none")


def test_a_completed_maintenance_moves_its_components_forward(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    apply(db, clock)
    applied = _stamp(clock)
    with db.session() as session:
        window = maintenance.announce(
            session, clock, name="DB upgrade", body="", components=["db"],
            scheduled_for=clock.now() + timedelta(minutes=5),
            scheduled_until=clock.now() + timedelta(minutes=35), actor="admin@corp.test",
        )  # fmt: skip
        session.commit()
    clock.advance(minutes=5)
    with db.session() as session:
        maintenance.start(session, clock, window.id)
        session.commit()
    clock.advance(minutes=30)
    with db.session() as session:
        maintenance.finish(session, clock, window.id)
        session.commit()
    completed = _stamp(clock)
    assert _times(client) == {"page": completed, "api": applied, "db": completed, "web": applied}
