"""Alertmanager v4 webhook: the reference's firing, partial and full resolution; replays."""

from __future__ import annotations

import base64
import copy

from fastapi.testclient import TestClient

from tests.integration.intake.conftest import (
    AM_FIRING,
    AM_SECRET,
    Counts,
    alerts_in,
    am_full,
    am_headers,
    am_partial,
)
from warroom.db import Database
from warroom.incidents import service as incidents

URL = "/api/v1/intake/alertmanager"


def timeline_kinds(db: Database, number: int) -> list[str]:
    from warroom.audit import service as timeline

    with db.session() as session:
        incident = incidents.get_incident(session, number)
        return [e.kind for e in timeline.last_events(session, incident_id=incident.id, count=50)]


def test_firing_opens_one_incident_with_route_service_and_severity(
    client: TestClient, configured: Database
) -> None:
    r = client.post(URL, json=AM_FIRING, headers=am_headers())
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["created"] == 2 and len(body["incidents"]) == 1
    alerts = alerts_in(configured)
    assert [a.fingerprint for a in alerts] == ["875de8422d4f4968", "90b246f8d4481461"]
    first = alerts[0]
    assert first.integration == "prom" and first.status == "firing"
    assert first.service == "checkout" and first.severity == "SEV1" and first.route == "checkout"
    assert first.summary == "checkout 5xx ratio is 7.3%"
    assert first.ends_at is None and first.starts_at.isoformat().startswith("2026-11-22T09:14:05")
    assert first.links[0]["href"].startswith("http://prometheus.example.internal:9090/graph")
    assert first.raw["fingerprint"] == "875de8422d4f4968"
    assert first.incident_number == body["incidents"][0]
    assert alerts[0].incident_id == alerts[1].incident_id is not None
    with configured.session() as session:
        incident = incidents.get_incident(session, body["incidents"][0])
        assert incident.severity == "SEV1" and incident.source == "alertmanager"
        assert [s.service_key for s in incident.services] == ["checkout"]
        assert incident.title == "checkout 5xx ratio is 7.3%"
    assert "intake:alert:fired" in timeline_kinds(configured, body["incidents"][0])


def test_replay_and_ha_duplicates_change_only_counters(
    client: TestClient, configured: Database, counts: Counts
) -> None:
    assert client.post(URL, json=AM_FIRING, headers=am_headers()).status_code == 202
    before = counts()
    for _ in range(3):
        r = client.post(URL, json=AM_FIRING, headers=am_headers())
        assert r.status_code == 202 and r.json()["repeated"] == 2 and r.json()["created"] == 0
    after = counts()
    assert after == before
    assert [a.count for a in alerts_in(configured)] == [4, 4]


def test_partial_then_full_resolution(client: TestClient, configured: Database) -> None:
    number = client.post(URL, json=AM_FIRING, headers=am_headers()).json()["incidents"][0]
    r = client.post(URL, json=am_partial(), headers=am_headers())
    assert r.status_code == 202 and r.json()["resolved"] == 1 and r.json()["repeated"] == 1
    first, second = alerts_in(configured)
    assert first.status == "resolved" and first.resolved_at is not None
    assert first.ends_at.isoformat().startswith("2026-11-22T09:31:50")
    assert second.status == "firing"
    kinds = timeline_kinds(configured, number)
    assert "intake:alert:resolved" in kinds
    assert "intake:incident:all_alerts_resolved" not in kinds
    # The partial payload again (snapshot re-send) changes nothing.
    assert client.post(URL, json=am_partial(), headers=am_headers()).json()["resolved"] == 0
    r = client.post(URL, json=am_full(), headers=am_headers())
    assert r.json()["resolved"] == 1
    assert all(a.status == "resolved" for a in alerts_in(configured))
    assert "intake:incident:all_alerts_resolved" in timeline_kinds(configured, number)
    with configured.session() as session:
        # checkout does not auto-resolve: people resolve.
        assert incidents.get_incident(session, number).status == "triggered"


def test_late_replay_of_a_resolved_alert_does_not_reopen_it(
    client: TestClient, configured: Database
) -> None:
    client.post(URL, json=AM_FIRING, headers=am_headers())
    client.post(URL, json=am_partial(), headers=am_headers())
    client.post(URL, json=am_full(), headers=am_headers())
    r = client.post(URL, json=AM_FIRING, headers=am_headers())  # a stale HA copy
    assert r.json()["created"] == 0 and r.json()["ignored"] == 2
    assert len(alerts_in(configured)) == 2


def test_firing_again_after_resolution_opens_a_new_alert(
    client: TestClient, configured: Database
) -> None:
    client.post(URL, json=AM_FIRING, headers=am_headers())
    client.post(URL, json=am_partial(), headers=am_headers())
    again = copy.deepcopy(AM_FIRING)
    again["alerts"] = [again["alerts"][0]]
    again["alerts"][0]["startsAt"] = "2026-11-22T10:00:00Z"
    r = client.post(URL, json=again, headers=am_headers())
    assert r.json()["created"] == 1
    fps = [(a.fingerprint, a.status) for a in alerts_in(configured)]
    assert fps == [
        ("875de8422d4f4968", "resolved"),
        ("90b246f8d4481461", "firing"),
        ("875de8422d4f4968", "firing"),
    ]
    # It joins the still-open incident of its group.
    incident_ids = {a.incident_id for a in alerts_in(configured)}
    assert len(incident_ids) == 1


def test_basic_auth_is_accepted(client: TestClient, configured: Database) -> None:
    token = base64.b64encode(f"alertmanager:{AM_SECRET}".encode()).decode()
    r = client.post(URL, json=AM_FIRING, headers={"Authorization": f"Basic {token}"})
    assert r.status_code == 202


def test_wrong_key_is_401_and_logged_without_the_key(
    client: TestClient, configured: Database, counts: Counts, caplog: object
) -> None:
    import logging

    before = counts()
    with_caplog = caplog  # pytest LogCaptureFixture
    with_caplog.set_level(logging.WARNING, logger="warroom.intake")  # type: ignore[attr-defined]
    r = client.post(URL, json=AM_FIRING, headers={"Authorization": "Bearer not-the-key-123"})
    assert r.status_code == 401
    assert counts() == before
    text = with_caplog.text  # type: ignore[attr-defined]
    assert "refused" in text and "not-the-key-123" not in text


def test_auto_resolve_service_resolves_the_incident(
    client: TestClient, configured: Database
) -> None:
    body = copy.deepcopy(AM_FIRING)
    body["alerts"] = [body["alerts"][0]]
    body["alerts"][0]["labels"] = {"alertname": "ReplicationLag", "cluster": "orders-db-2"}
    body["alerts"][0]["fingerprint"] = ""
    number = client.post(URL, json=body, headers=am_headers()).json()["incidents"][0]
    body["alerts"][0]["status"] = "resolved"
    body["alerts"][0]["endsAt"] = "2026-11-22T09:40:00Z"
    assert client.post(URL, json=body, headers=am_headers()).json()["resolved"] == 1
    with configured.session() as session:
        incident = incidents.get_incident(session, number)
        assert incident.status == "resolved" and incident.severity == "SEV1"


def test_overload_answers_503_and_writes_nothing(
    client: TestClient, configured: Database, counts: Counts
) -> None:
    """Alertmanager retries 5xx but not 429, so shedding load must answer 503."""
    before = counts()
    gate = client.app.state.intake_gate  # type: ignore[attr-defined]
    gate.limit = 0
    r = client.post(URL, json=AM_FIRING, headers=am_headers())
    assert r.status_code == 503 and r.json()["error"]["code"] == "overloaded"
    assert client.post("/v2/enqueue", json={"routing_key": "x"}).status_code in (400, 503)
    assert counts() == before
    gate.limit = 64
    assert client.post(URL, json=AM_FIRING, headers=am_headers()).status_code == 202


def test_database_failure_is_503_never_2xx(
    client: TestClient, configured: Database, counts: Counts, monkeypatch: object
) -> None:
    from sqlalchemy.exc import OperationalError

    from warroom.intake import service as intake_service

    def broken(*args: object, **kwargs: object) -> None:
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    before = counts()
    monkeypatch.setattr(intake_service, "ingest", broken)  # type: ignore[attr-defined]
    r = client.post(URL, json=AM_FIRING, headers=am_headers())
    assert r.status_code == 503
    assert counts() == before


def test_a_late_resolve_of_an_earlier_firing_does_not_close_the_new_one(
    client: TestClient, configured: Database
) -> None:
    body = copy.deepcopy(AM_FIRING)
    body["alerts"] = [body["alerts"][0]]
    client.post(URL, json=body, headers=am_headers())
    resolved = copy.deepcopy(body)
    resolved["alerts"][0].update(status="resolved", endsAt="2026-11-22T09:20:00Z")
    client.post(URL, json=resolved, headers=am_headers())
    refired = copy.deepcopy(body)
    refired["alerts"][0]["startsAt"] = "2026-11-22T09:30:00Z"
    assert client.post(URL, json=refired, headers=am_headers()).json()["created"] == 1
    # The first "resolved" arrives again (HA peer, retry): the new firing stays open.
    r = client.post(URL, json=resolved, headers=am_headers())
    assert r.json()["resolved"] == 0 and r.json()["ignored"] == 1
    assert [a.status for a in alerts_in(configured)] == ["resolved", "firing"]


def test_new_alerts_are_stored_in_fingerprint_order_and_answered_in_request_order(
    client: TestClient, configured: Database
) -> None:
    # Two requests inserting the same new fingerprints in opposite orders must not each hold an
    # index entry the other waits on (a deadlock on PostgreSQL): rows go in fingerprint order.
    document = copy.deepcopy(AM_FIRING)
    document["alerts"].reverse()  # 90b2… before 875d…
    r = client.post(URL, json=document, headers=am_headers())
    assert r.status_code == 202, r.text
    by_id = sorted(alerts_in(configured), key=lambda a: a.id)
    assert [a.fingerprint for a in by_id] == ["875de8422d4f4968", "90b246f8d4481461"]
    ids = {a.fingerprint: a.id for a in by_id}
    assert r.json()["alert_ids"] == [ids["90b246f8d4481461"], ids["875de8422d4f4968"]]
