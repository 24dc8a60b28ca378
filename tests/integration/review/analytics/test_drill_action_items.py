"""A drill's action items are no production figure: `warroom report` counts only the items of
real incidents, and so do the /metrics gauges; on both databases."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.factories import make_user, seed_catalog
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.review.action_items import service as items
from warroom.review.analytics import metrics


@pytest.fixture(autouse=True)
def _fresh_metrics() -> Iterator[None]:
    metrics.clear_cache()
    yield
    metrics.clear_cache()


def _with_items(db: Database, clock: FakeClock) -> None:
    """A real incident with one overdue item and one not yet due; a drill with one overdue."""
    with db.session() as session:
        seed_catalog(session)
        make_user(session, clock, "ana@corp.test")
        real = incidents.open_incident(session, clock, actor="t", title="Real", severity="SEV1")
        drill = incidents.open_incident(
            session, clock, actor="t", title="Practice", severity="SEV1", drill=True
        )
        for incident, days in ((real, 1), (real, 10), (drill, 1)):
            items.create(session, clock, incident, title="Follow up", owner="ana@corp.test",
                         impact="high", effort="low", actor="t",
                         due=clock.now() + timedelta(days=days))  # fmt: skip
        session.commit()
    clock.advance(days=3)


def test_report_counts_no_drill_action_item(db: Database, clock: FakeClock, cli: Any) -> None:
    _with_items(db, clock)
    result = cli("report", "--since", "30d", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["action_items"] == {"open": 2, "overdue": 1}
    assert report["drills"]["incidents"]["total"] == 1  # the drill is there, in its section


def test_metrics_count_no_drill_action_item(
    db: Database, clock: FakeClock, client: TestClient, viewer_headers: dict[str, str]
) -> None:
    _with_items(db, clock)
    answer = client.get("/metrics", headers=viewer_headers)
    assert answer.status_code == 200
    gauges = {
        sample.name: sample.value
        for family in text_string_to_metric_families(answer.text)
        for sample in family.samples
        if sample.name.startswith("warroom_action_items_")
    }
    assert gauges == {"warroom_action_items_open": 2, "warroom_action_items_overdue": 1}
