"""A drill's postmortem past due is listed (marked as a drill) but never counted in the list's
`overdue` figure, which is a production figure as the gauge warroom_postmortems_overdue_now is;
through the API and the CLI, on both databases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.review.postmortems.org import act, apply, commander, open_incident, org
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.review.postmortems import service


def test_a_drills_overdue_postmortem_is_no_production_figure(
    db: Database,
    clock: FakeClock,
    client: TestClient,
    make_token: MakeToken,
    cli: Callable[..., Any],
) -> None:
    apply(db, clock, org())
    real, drill = open_incident(db, clock), open_incident(db, clock, drill=True)
    for number in (real, drill):
        commander(db, clock, number)
        act(db, clock, number, "resolve")
    ic = {"Authorization": f"Bearer {make_token('responder', email='ic@corp.test')}"}
    clock.advance(hours=49)  # both past their 48 h

    late = client.get("/api/v1/postmortems?overdue=true", headers=ic).json()
    assert [(p["number"], p["drill"], p["overdue"]) for p in late["postmortems"]] == [
        (real, False, True),
        (drill, True, True),
    ]
    assert late["overdue"] == 1
    assert client.get("/api/v1/postmortems", headers=ic).json()["overdue"] == 1
    with db.session() as session:  # the figure the gauge reads
        assert service.overdue_count(session, clock.now()) == 1

    listed = cli("postmortem", "list", "--overdue")
    assert listed.exit_code == 0, listed.output
    assert listed.output.rstrip().endswith("1 overdue (and 1 of drills, not counted)")
    assert f"INC-{drill} (DRILL)" in listed.output
