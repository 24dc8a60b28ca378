"""An open drill never inhibits a real alert: with a route that joins alerts to an open incident
of its service at SEV2 or worse (`inhibit`), a real alert of that service during a SEV1 drill
opens a real incident (and pages for it) instead of being buried in the practice incident;
a real SEV1 incident still inhibits it."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.intake.conftest import am_headers, configured
from tests.integration.intake.test_suppression_and_grouping import AM, one_alert
from warroom.db import Database

__all__ = ["configured"]


def test_a_real_alert_is_not_inhibited_by_a_drill(
    client: TestClient, configured: Database, admin_headers: dict[str, str]
) -> None:
    body = {"title": "Web outage rehearsal", "severity": "SEV1", "services": ["web"], "drill": True}
    opened = client.post("/api/v1/incidents", json=body, headers=admin_headers)
    assert opened.status_code == 201, opened.text
    drill = opened.json()["number"]

    real = one_alert({"alertname": "SlowPage", "team": "web", "severity": "warning"})
    placed = client.post(AM, json=real, headers=am_headers()).json()["incidents"]
    assert len(placed) == 1 and placed[0] != drill
    shown = client.get(f"/api/v1/incidents/{placed[0]}", headers=admin_headers).json()
    assert shown["drill"] is False

    body = {"title": "Web down", "severity": "SEV1", "services": ["web"]}
    severe = client.post("/api/v1/incidents", json=body, headers=admin_headers).json()["number"]
    other = one_alert({"alertname": "SlowImages", "team": "web", "severity": "warning"})
    assert client.post(AM, json=other, headers=am_headers()).json()["incidents"] == [severe]
