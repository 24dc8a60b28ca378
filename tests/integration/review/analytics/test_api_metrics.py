"""The analytics API and the /metrics gauges over the scenario, on both databases."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.review.analytics import scenario
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.review.analytics import metrics


@pytest.fixture(autouse=True)
def _fresh_metrics() -> Iterator[None]:
    metrics.clear_cache()
    yield
    metrics.clear_cache()


@pytest.fixture
def built(db: Database, clock: FakeClock) -> None:
    with db.session() as session:
        scenario.build(session, clock)
        session.commit()


def test_api_figures_for_a_viewer(
    client: TestClient, viewer_headers: dict[str, str], built: None
) -> None:
    answer = client.get(
        "/api/v1/analytics",
        params={"since": "2026-03-01", "until": "2026-04-01T00:00:00Z"},
        headers=viewer_headers,
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["bucket"] == "day"
    assert body["times"]["overall"]["mtta"] == {"count": 4, "mean_s": 975.0, "median_s": 900.0}
    assert body["sla"]["SEV1"]["acknowledged"]["met"] == 2
    assert body["incidents"]["by_severity"] == {"SEV1": 3, "SEV2": 3}
    assert body["drills"]["incidents"]["total"] == 1
    assert body["oncall"]["outside_hours"] == 5


def test_api_filters(client: TestClient, viewer_headers: dict[str, str], built: None) -> None:
    body = client.get(
        "/api/v1/analytics",
        params={"since": "2026-03-01", "service": "database", "severity": "SEV1"},
        headers=viewer_headers,
    ).json()
    # B and C: SEV1 on the database.
    assert body["incidents"]["total"] == 2
    assert body["times"]["overall"]["mtta"]["mean_s"] == 750
    assert (body["service"], body["severity"]) == ("database", "SEV1")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"since": "last month"}, "since"),
        ({"until": "2020-01-01"}, "until"),
        ({"since": "30d", "bucket": "year"}, "bucket"),
    ],
)
def test_api_bad_window_is_422_naming_the_field(
    client: TestClient, viewer_headers: dict[str, str], params: dict[str, str], field: str
) -> None:
    answer = client.get("/api/v1/analytics", params=params, headers=viewer_headers)
    assert answer.status_code == 422
    assert answer.json()["error"]["field"] == field


def test_api_needs_a_credential(client: TestClient) -> None:
    assert client.get("/api/v1/analytics").status_code == 401


def _gauges(client: TestClient, headers: dict[str, str]) -> dict[tuple[str, Any], float]:
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 200
    out: dict[tuple[str, Any], float] = {}
    for family in text_string_to_metric_families(answer.text):
        for sample in family.samples:
            out[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return out


def test_metrics_headline_over_thirty_days(
    client: TestClient, viewer_headers: dict[str, str], clock: FakeClock, built: None
) -> None:
    clock.set(scenario.REPORT_AT - timedelta(days=2))  # 30 days back: 28 Feb, H left out
    gauges = _gauges(client, viewer_headers)
    assert gauges[("warroom_mtta_seconds", (("severity", "SEV1"),))] == 700
    assert gauges[("warroom_mttr_seconds", (("severity", "SEV2"),))] == 5400
    assert gauges[("warroom_incidents_opened", (("severity", "SEV1"),))] == 3
    ack = (("kind", "acknowledged"), ("severity", "all"))
    assert gauges[("warroom_sla_compliance_ratio", ack)] == 0.6
    updates = (("kind", "updates"), ("severity", "SEV1"))
    assert gauges[("warroom_sla_compliance_ratio", updates)] == 0.5
    postmortem = (("kind", "postmortem"), ("severity", "all"))
    assert gauges[("warroom_sla_compliance_ratio", postmortem)] == 0.3333
    assert gauges[("warroom_action_items_open", ())] == 2
    assert gauges[("warroom_action_items_overdue", ())] == 1
    assert gauges[("warroom_postmortems_overdue_now", ())] == 1  # D; F is not due yet


def test_metrics_are_cached_for_a_minute(
    client: TestClient,
    viewer_headers: dict[str, str],
    db: Database,
    clock: FakeClock,
    built: None,
) -> None:
    clock.set(scenario.REPORT_AT - timedelta(days=2))
    key = ("warroom_incidents_opened", (("severity", "SEV2"),))
    assert _gauges(client, viewer_headers)[key] == 3
    with db.session() as session:
        scenario._incident(session, clock, clock.now(), "SEV2", [], {})
        session.commit()
    clock.advance(seconds=30)
    assert _gauges(client, viewer_headers)[key] == 3  # still the cached figure
    clock.advance(seconds=31)
    assert _gauges(client, viewer_headers)[key] == 4
