"""`warroom drill report` times the acknowledgement of a drill re-fired before anyone
acknowledged it from the re-fire (it pages again from level 1), as the analytics report's drill
section does: resolved 2 min after opening, re-fired at 60 min, acknowledged at 61 min: 60 s;
on both databases."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from tests.integration.review.drills.world import apply, org
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents


def test_a_refired_drills_acknowledgement_is_timed_from_the_refire(
    db: Database, clock: FakeClock, client: TestClient, viewer_headers: dict[str, str]
) -> None:
    apply(db, clock, org("127.0.0.1:9"))
    opened = clock.now()
    with db.session() as session:
        incident = incidents.open_incident(
            session, clock, actor="ic@corp.test", title="Practice", severity="P2", drill=True
        )
        for minutes, move in (
            (2, incidents.resolve),
            (60, incidents.refire),
            (61, incidents.acknowledge),
            (70, incidents.resolve),
        ):
            clock.set(opened + timedelta(minutes=minutes))
            move(session, clock, incident, actor="ic@corp.test")
    clock.set(opened + timedelta(hours=2))
    report = client.get("/api/v1/drills/report?since=1d", headers=viewer_headers).json()
    [drill] = report["drills"]
    assert (drill["time_to_ack_s"], drill["time_to_mitigate_s"], drill["time_to_resolve_s"]) == (
        60,
        4200,
        4200,
    )
    assert report["analytics"]["times"]["overall"]["mtta"]["mean_s"] == 60
