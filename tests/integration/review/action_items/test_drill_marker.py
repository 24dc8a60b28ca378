"""A drill's action item says so: `drill: true` in the API and `(DRILL)` after its incident in
`warroom action-item list`, so an overdue practice follow-up is not taken for real work; a real
incident's item says neither. On both databases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.review.action_items.conftest import add
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents


def test_a_drills_action_item_is_marked(
    client: TestClient,
    admin_headers: dict[str, str],
    db: Database,
    clock: FakeClock,
    cli: Callable[..., Any],
    number: int,
) -> None:
    with db.session() as session:
        drill = incidents.open_incident(
            session, clock, actor="ana@corp.test", title="Practice", severity="P1", drill=True
        ).number
    real = add(client, admin_headers, number, title="Real work")
    practice = add(client, admin_headers, drill, title="Practice work")
    assert (real["drill"], practice["drill"]) == (False, True)
    listed = client.get("/api/v1/action-items", headers=admin_headers).json()
    assert {i["title"]: i["drill"] for i in listed} == {"Real work": False, "Practice work": True}
    shown = cli("action-item", "list")
    assert shown.exit_code == 0, shown.output
    lines = {line.split()[-2]: line for line in shown.output.splitlines() if line.startswith("#")}
    assert f"INC-{drill} (DRILL)  P0" in lines["Practice"]
    assert "DRILL" not in lines["Real"]
