"""`warroom drill report`: each drill's time to acknowledge, mitigate and resolve, and their
means over the drills that got there, against hand-computed values; real incidents and drills
older than --since are left out."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.review.drills.world import apply, org
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents

# (minutes to ack, to mitigate, to resolve) after opening; None: never got there.
DRILLS = [(2, 10, 30), (4, None, 50), (None, None, None)]


def _incident(
    db: Database, clock: FakeClock, times: tuple[int | None, ...], *, drill: bool
) -> None:
    opened = clock.now()
    with db.session() as session:
        incident = incidents.open_incident(
            session, clock, actor="ic@corp.test", title="Practice", severity="P2", drill=drill
        )
        steps = (incidents.acknowledge, incidents.mitigate, incidents.resolve)
        for step, minutes in zip(steps, times, strict=True):
            if minutes is not None:
                clock.set(opened + timedelta(minutes=minutes))
                step(session, clock, incident, actor="ic@corp.test")
    clock.set(opened + timedelta(days=1))


def test_drill_figures_per_drill_and_averaged(
    db: Database, clock: FakeClock, client: TestClient, viewer_headers: dict[str, str], cli: Any
) -> None:
    apply(db, clock, org("127.0.0.1:9"))
    _incident(db, clock, (1, 1, 1), drill=True)  # too old for --since 30d below
    clock.advance(days=60)
    _incident(db, clock, (1, 2, 3), drill=False)  # a real incident: never in the report
    for times in DRILLS:
        _incident(db, clock, times, drill=True)
    answer = client.get("/api/v1/drills/report?since=30d", headers=viewer_headers)
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["count"] == 3
    assert [d["number"] for d in report["drills"]] == [3, 4, 5]
    assert all(d["title"] == "DRILL: Practice" for d in report["drills"])
    seconds = [
        (d["time_to_ack_s"], d["time_to_mitigate_s"], d["time_to_resolve_s"])
        for d in report["drills"]
    ]
    # Resolved without being marked mitigated: mitigated when resolved (its impact ended then
    # at the latest), as the analytics count MTTM.
    assert seconds == [(120, 600, 1800), (240, 3000, 3000), (None, None, None)]
    assert report["average"] == {
        "time_to_ack_s": 180, "time_to_mitigate_s": 1800, "time_to_resolve_s": 2400,
        "acknowledged": 2, "mitigated": 2, "resolved": 2,
    }  # fmt: skip
    # The analytics report's drill section, from its own aggregate queries, agrees.
    rehearsals = report["analytics"]
    assert rehearsals["incidents"]["total"] == 3
    overall = rehearsals["times"]["overall"]
    assert overall["mtta"]["count"] == 2 and overall["mtta"]["mean_s"] == 180
    assert overall["mttm"]["count"] == 2 and overall["mttm"]["mean_s"] == 1800
    assert overall["mttr"]["count"] == 2 and overall["mttr"]["mean_s"] == 2400
    everything = client.get("/api/v1/drills/report?since=90d", headers=viewer_headers).json()
    assert everything["count"] == 4
    bad = client.get("/api/v1/drills/report?since=soon", headers=viewer_headers)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "since"

    shown = cli("drill", "report", "--since", "30d", "--json")
    assert json.loads(shown.output)["average"]["time_to_resolve_s"] == 2400
    table = cli("drill", "report", "--since", "30d")
    assert table.exit_code == 0
    assert "40m00s" in table.output and "3 drill(s)" in table.output  # the mean to resolve
