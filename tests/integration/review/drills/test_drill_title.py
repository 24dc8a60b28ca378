"""A drill's title starts with the marker `DRILL: ` whatever its own first word is: "Drill-down
broken" or "drill checkout" are titles, not the marker; a marker already typed is kept once.
Through `warroom drill start` (the API) and a rename, on both databases."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database

ORG = """\
severities:
  - {key: P2, name: Medium}
services:
  - {key: checkout, name: Checkout}
"""


def test_a_drill_title_starting_with_the_word_drill_still_says_drill(
    cli: Callable[..., Any],
    client: TestClient,
    db: Database,
    clock: FakeClock,
    admin_headers: dict[str, str],
) -> None:
    doc, problems = config_service.load_files({"org.yaml": ORG})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
    shown = {}
    for title in ("Drill-down broken", "drill checkout", "drill: checkout", "DRILL:  search"):
        started = cli("drill", "start", "--severity", "P2", "--title", title, "--json")
        assert started.exit_code == 0, started.output
        number = json.loads(started.output)["number"]
        shown[title] = client.get(f"/api/v1/incidents/{number}", headers=admin_headers).json()
    assert {t: i["title"] for t, i in shown.items()} == {
        "Drill-down broken": "DRILL: Drill-down broken",
        "drill checkout": "DRILL: drill checkout",
        "drill: checkout": "DRILL: checkout",
        "DRILL:  search": "DRILL: search",
    }
    first = shown["Drill-down broken"]["number"]
    renamed = client.patch(
        f"/api/v1/incidents/{first}",
        json={"title": "Drill-down still broken"},
        headers=admin_headers,
    )
    assert renamed.status_code == 200, renamed.text
    assert renamed.json()["title"] == "DRILL: Drill-down still broken"
