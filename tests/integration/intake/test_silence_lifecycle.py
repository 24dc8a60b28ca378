"""An alert that keeps firing across the end of the silence (or maintenance window) that held
it back: once nothing suppresses it any more, its next delivery opens (or joins) an incident,
as Alertmanager notifies once a silence ends. Until then its repeats stay quiet."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.intake.conftest import AM_FIRING, am_headers
from warroom.audit.models import TimelineEvent
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.intake.models import Alert

AM = "/api/v1/intake/alertmanager"
LABELS = {"alertname": "DiskFull", "service": "checkout", "severity": "critical"}


def _body(status: str = "firing", fingerprint: str = "disk1") -> dict[str, Any]:
    body = copy.deepcopy(AM_FIRING)
    alert = body["alerts"][0]
    alert["labels"], alert["fingerprint"], alert["status"] = dict(LABELS), fingerprint, status
    if status == "resolved":
        alert["endsAt"] = alert["startsAt"]
    body["alerts"], body["status"] = [alert], status
    return body


def _send(client: TestClient, status: str = "firing") -> dict[str, Any]:
    r = client.post(AM, json=_body(status), headers=am_headers())
    assert r.status_code == 202, r.text
    return dict(r.json())


def _silence(client: TestClient, headers: dict[str, str], duration: str = "1h") -> int:
    body = {"matchers": ['alertname="DiskFull"'], "duration": duration, "comment": "disk swap"}
    r = client.post("/api/v1/silences", json=body, headers=headers)
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


def _alert(db: Database) -> Alert:
    with db.session() as session:
        (alert,) = session.scalars(select(Alert).where(Alert.fingerprint == "disk1"))
        session.expunge(alert)
        return alert


def _fired(db: Database) -> list[dict[str, Any]]:
    with db.session() as session:
        rows = session.scalars(
            select(TimelineEvent.payload).where(TimelineEvent.kind == "intake:alert:fired")
        )
        return [dict(p or {}) for p in rows]


def test_an_alert_still_firing_when_its_silence_is_expired_opens_an_incident(
    client: TestClient, configured: Database, responder_headers: dict[str, str]
) -> None:
    silence = _silence(client, responder_headers)
    assert _send(client)["suppressed"] == 1
    assert _send(client)["incidents"] == []  # a repeat under the silence stays quiet
    r = client.post(f"/api/v1/silences/{silence}/expire", headers=responder_headers)
    assert r.status_code == 200, r.text
    answer = _send(client)  # Alertmanager re-sends the still-firing alert
    assert len(answer["incidents"]) == 1, answer
    alert = _alert(configured)
    assert alert.suppressed_by is None and alert.incident_number == answer["incidents"][0]
    assert alert.count == 3
    assert [p["alerts"][0]["fingerprint"] for p in _fired(configured)] == ["disk1"]
    assert _send(client)["repeated"] == 1  # later repeats are plain repeats of it
    assert _alert(configured).incident_number == answer["incidents"][0]
    assert len(_fired(configured)) == 1


def test_an_alert_still_firing_when_its_silence_runs_out_opens_an_incident(
    client: TestClient, configured: Database, responder_headers: dict[str, str], clock: FakeClock
) -> None:
    _silence(client, responder_headers, duration="30m")
    assert _send(client)["suppressed"] == 1
    clock.advance(timedelta(minutes=29))
    assert _send(client)["incidents"] == []
    clock.advance(timedelta(minutes=1))  # the silence ends now
    assert len(_send(client)["incidents"]) == 1
    assert _alert(configured).suppressed_by is None


def test_a_silenced_alert_that_resolves_under_its_silence_opens_nothing(
    client: TestClient, configured: Database, responder_headers: dict[str, str], clock: FakeClock
) -> None:
    _silence(client, responder_headers, duration="30m")
    assert _send(client)["suppressed"] == 1
    assert _send(client, "resolved")["resolved"] == 1
    clock.advance(timedelta(hours=1))
    assert _send(client, "resolved")["incidents"] == []
    assert _fired(configured) == []
    alert = _alert(configured)
    assert alert.status == "resolved" and alert.suppressed_by is not None


def test_a_second_silence_keeps_it_quiet(
    client: TestClient, configured: Database, responder_headers: dict[str, str], clock: FakeClock
) -> None:
    """The first silence ends while a second, still in force, matches too."""
    _silence(client, responder_headers, duration="30m")
    assert _send(client)["suppressed"] == 1
    second = _silence(client, responder_headers, duration="2h")
    clock.advance(timedelta(hours=1))
    assert _send(client)["incidents"] == []
    assert _alert(configured).suppressed_by == f"silence:{second}"  # the one in force now
    r = client.post(f"/api/v1/silences/{second}/expire", headers=responder_headers)
    assert r.status_code == 200, r.text
    assert len(_send(client)["incidents"]) == 1


def test_an_alert_firing_through_the_end_of_a_maintenance_window_opens_an_incident(
    client: TestClient, configured: Database, clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 24, 1, 30, tzinfo=UTC))  # inside nightly 01:00-03:00
    body = _body()
    body["alerts"][0]["labels"] = {"alertname": "GatewayDown", "service": "api-gateway"}
    r = client.post(AM, json=body, headers=am_headers())
    assert r.json()["suppressed"] == 1, r.text
    clock.set(datetime(2026, 11, 24, 2, 59, tzinfo=UTC))
    assert client.post(AM, json=body, headers=am_headers()).json()["incidents"] == []
    clock.set(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))  # the window is over
    assert len(client.post(AM, json=body, headers=am_headers()).json()["incidents"]) == 1
    assert _alert(configured).suppressed_by is None


def test_suppressed_by_names_the_silence_that_holds_the_alert_now(
    client: TestClient, configured: Database, responder_headers: dict[str, str], clock: FakeClock
) -> None:
    """Silence 1 expired by hand, silence 2 still in force: the API names silence 2."""
    first = _silence(client, responder_headers)
    second = _silence(client, responder_headers, duration="3h")
    assert _send(client)["suppressed"] == 1
    assert _alert(configured).suppressed_by == f"silence:{first}"  # both match: the oldest
    r = client.post(f"/api/v1/silences/{first}/expire", headers=responder_headers)
    assert r.status_code == 200, r.text
    assert _send(client)["incidents"] == []
    alert_id = _alert(configured).id
    r = client.get(f"/api/v1/alerts/{alert_id}", headers=responder_headers)
    assert r.status_code == 200 and r.json()["suppressed_by"] == f"silence:{second}", r.text
    r = client.get("/api/v1/alerts?suppressed=true", headers=responder_headers)
    assert [a["suppressed_by"] for a in r.json()] == [f"silence:{second}"], r.text


def test_a_silence_taking_over_from_a_maintenance_window_is_named(
    client: TestClient, configured: Database, responder_headers: dict[str, str], clock: FakeClock
) -> None:
    clock.set(datetime(2026, 11, 24, 2, 30, tzinfo=UTC))  # inside nightly 01:00-03:00
    body = _body()
    body["alerts"][0]["labels"] = {"alertname": "DiskFull", "service": "api-gateway"}
    assert client.post(AM, json=body, headers=am_headers()).json()["suppressed"] == 1
    assert _alert(configured).suppressed_by == "maintenance:api-gateway/nightly"
    silence = _silence(client, responder_headers)
    clock.set(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))  # the window is over, the silence not
    assert client.post(AM, json=body, headers=am_headers()).json()["incidents"] == []
    assert _alert(configured).suppressed_by == f"silence:{silence}"
