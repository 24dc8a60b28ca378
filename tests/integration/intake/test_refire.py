"""Re-firing after a manual resolve (issue 8): a repeat of an alert whose incident was resolved
by hand opens a new incident that names the previous one (or, within the route's
`reopen_within`, reopens it), and pages; the alert resolving afterwards changes nothing."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.intake.conftest import OG_CREATE, PD_TRIGGER, am_headers, og_headers
from tests.integration.intake.test_trust_targeting import am_alert, apply, org, sender
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.errors import Invalid
from warroom.incidents import service as incidents
from warroom.notify.models import Message
from warroom.settings import Settings

__all__ = ["sender"]
AM = "/api/v1/intake/alertmanager"
LAG = {"alertname": "Lag", "service": "api", "severity": "critical"}
REOPENING = org(default=True).replace(
    "  - key: by-label\n", "  - key: by-label\n    reopen_within: 30m\n"
)


def _numbers(db: Database) -> list[int]:
    with db.session() as session:
        found, _ = incidents.list_incidents(session, limit=50)
        return sorted(i.number for i in found)


def _pages(db: Database, number: int) -> int:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        rows = session.scalars(select(Message.id).where(Message.incident_id == incident.id))
        return len(list(rows))


def _refired(db: Database, number: int) -> list[dict[str, Any]]:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        events = timeline.events_since(
            session, incident_id=incident.id, kinds=["intake:incident:refired"]
        )
        return [dict(e.payload) for e in events]


def _fire(client: TestClient, fingerprint: str = "lag-1", status: str = "firing") -> list[int]:
    body = am_alert(LAG, fingerprint)
    body["status"] = body["alerts"][0]["status"] = status
    if status == "resolved":
        body["alerts"][0]["endsAt"] = "2026-01-01T12:30:00Z"
    answer = client.post(AM, json=body, headers=am_headers())
    assert answer.status_code == 202, answer.text
    return list(answer.json()["incidents"])


def _resolve(client: TestClient, headers: dict[str, str], number: int) -> None:
    answer = client.post(f"/api/v1/incidents/{number}/resolve", headers=headers, json={})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "resolved"


def test_repeat_after_manual_resolve_opens_a_linked_incident_that_pages(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    settings: Settings,
    sender: Any,
    admin_headers: dict[str, str],
) -> None:
    apply(db, clock, org(default=True))
    worker = Worker(db, clock, settings, "t")
    (first,) = _fire(client)
    worker.run_once()
    assert _pages(db, first) == 1
    _resolve(client, admin_headers, first)
    clock.advance(minutes=5)
    (second,) = _fire(client)  # the same alert, still firing
    assert second != first
    assert _pages(db, second) == 0  # paging is planned on the engine
    worker.run_once()
    assert _pages(db, second) == 1 and _pages(db, first) == 1
    shown = client.get(f"/api/v1/incidents/{second}", headers=admin_headers).json()
    assert shown["previous_number"] == first and shown["status"] == "triggered"
    before = client.get(f"/api/v1/incidents/{first}", headers=admin_headers).json()
    assert before["status"] == "resolved" and before["previous_number"] is None
    for number in (first, second):
        (event,) = _refired(db, number)
        assert event["previous_number"] == first and event["number"] == second
        assert event["reopened"] is False
        assert [a["fingerprint"] for a in event["alerts"]] == ["lag-1"]
    alerts = client.get("/api/v1/alerts?fingerprint=lag-1", headers=admin_headers).json()
    items = alerts["items"] if isinstance(alerts, dict) else alerts
    assert [a["incident_number"] for a in items] == [second]  # the same alert row, moved
    # Further repeats join the new incident quietly.
    assert _fire(client) == []
    assert _numbers(db) == [first, second]
    assert len(_refired(db, second)) == 1


def test_reopen_within_the_window_then_new_after_it(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    settings: Settings,
    sender: Any,
    admin_headers: dict[str, str],
) -> None:
    apply(db, clock, REOPENING)
    worker = Worker(db, clock, settings, "t")
    (first,) = _fire(client)
    worker.run_once()
    client.post(f"/api/v1/incidents/{first}/ack", headers=admin_headers, json={})
    _resolve(client, admin_headers, first)
    clock.advance(minutes=29)
    assert _fire(client) == [first]  # reopened, not a new incident
    assert _numbers(db) == [first]
    shown = client.get(f"/api/v1/incidents/{first}", headers=admin_headers).json()
    assert shown["status"] == "triggered" and shown["reopen_count"] == 1
    (event,) = _refired(db, first)
    assert event["reopened"] is True and event["number"] == first
    worker.run_once()
    assert _pages(db, first) == 2  # paging started again from level 1
    _resolve(client, admin_headers, first)
    clock.advance(minutes=31)
    (second,) = _fire(client)
    assert second != first
    worker.run_once()
    assert _pages(db, second) == 1 and _pages(db, first) == 2
    shown = client.get(f"/api/v1/incidents/{second}", headers=admin_headers).json()
    assert shown["previous_number"] == first


def test_closed_incident_is_never_reopened(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    settings: Settings,
    sender: Any,
    admin_headers: dict[str, str],
) -> None:
    apply(db, clock, REOPENING)
    (first,) = _fire(client)
    _resolve(client, admin_headers, first)
    client.post(f"/api/v1/incidents/{first}/close", headers=admin_headers, json={})
    clock.advance(minutes=1)
    (second,) = _fire(client)
    assert second != first
    with db.session() as session:
        assert incidents.get_incident(session, first).status == "closed"
        assert incidents.get_incident(session, second).previous_number == first


def test_alert_resolving_after_a_manual_resolve_opens_nothing(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    settings: Settings,
    sender: Any,
    admin_headers: dict[str, str],
) -> None:
    apply(db, clock, REOPENING)
    worker = Worker(db, clock, settings, "t")
    (first,) = _fire(client)
    worker.run_once()
    _resolve(client, admin_headers, first)
    clock.advance(minutes=2)
    assert _fire(client, status="resolved") == []
    worker.run_once()
    assert _numbers(db) == [first]
    assert _refired(db, first) == [] and _pages(db, first) == 1
    with db.session() as session:
        assert incidents.get_incident(session, first).status == "resolved"
    # Firing again later is a new firing of a resolved alert: a new, unlinked incident.
    clock.advance(minutes=2)
    later = am_alert(LAG, "lag-1")
    later["alerts"][0]["startsAt"] = "2026-01-01T12:40:00Z"
    (second,) = client.post(AM, json=later, headers=am_headers()).json()["incidents"]
    assert second != first
    with db.session() as session:
        assert incidents.get_incident(session, second).previous_number is None


def _pd(client: TestClient) -> None:
    assert client.post("/v2/enqueue", json=copy.deepcopy(PD_TRIGGER)).status_code == 202


def _og(client: TestClient) -> None:
    answer = client.post("/v2/alerts", json=copy.deepcopy(OG_CREATE), headers=og_headers())
    assert answer.status_code == 202


@pytest.mark.parametrize("send", [_pd, _og], ids=["pagerduty", "opsgenie"])
def test_pagerduty_and_opsgenie_repeats_take_the_same_path(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    settings: Settings,
    sender: Any,
    admin_headers: dict[str, str],
    send: Any,
) -> None:
    apply(db, clock, org(default=True))
    worker = Worker(db, clock, settings, "t")
    send(client)
    (first,) = _numbers(db)
    worker.run_once()
    assert _pages(db, first) == 1
    _resolve(client, admin_headers, first)
    clock.advance(minutes=3)
    send(client)  # the same dedup key / alias, still firing
    first_again, second = _numbers(db)
    assert first_again == first
    worker.run_once()
    assert _pages(db, second) == 1
    with db.session() as session:
        assert incidents.get_incident(session, second).previous_number == first
    assert _refired(db, second)[0]["previous_number"] == first


@pytest.mark.parametrize("reopening", [False, True], ids=["new", "reopen"])
def test_new_alert_of_the_group_after_a_manual_resolve_follows_it(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    settings: Settings,
    sender: Any,
    admin_headers: dict[str, str],
    reopening: bool,
) -> None:
    apply(db, clock, REOPENING if reopening else org(default=True))
    worker = Worker(db, clock, settings, "t")
    (first,) = _fire(client, "lag-1")
    worker.run_once()
    _resolve(client, admin_headers, first)
    clock.advance(minutes=10)
    (placed,) = _fire(client, "lag-2")  # another alert of the group; lag-1 still fires
    worker.run_once()
    assert _pages(db, placed) == (2 if reopening else 1)
    (event,) = _refired(db, placed)
    assert event["previous_number"] == first and event["reopened"] is reopening
    assert [a["fingerprint"] for a in event["alerts"]] == ["lag-2"]
    with db.session() as session:
        incident = incidents.get_incident(session, placed)
        assert incident.status == "triggered"
        assert (placed == first) is reopening
        assert incident.previous_number == (None if reopening else first)


@pytest.mark.parametrize("carrying_fails", [False, True], ids=["members", "carrying-fails"])
def test_a_private_incidents_alert_firing_again_opens_a_private_incident(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    settings: Settings,
    sender: Any,
    admin_headers: dict[str, str],
    make_token: Any,
    monkeypatch: pytest.MonkeyPatch,
    carrying_fails: bool,
) -> None:
    """What a private incident held (its alert's text) must not reach everyone through the
    incident its alert opens when it fires again: that one is private too, its creator's,
    with the same members, and it pages. If the roles cannot be carried over, it still opens
    (private, its creator's) and pages."""
    if carrying_fails:

        def refuse(*_: Any, **__: Any) -> None:
            raise Invalid("no roles today")

        monkeypatch.setattr(incidents, "carry_members", refuse)
    apply(db, clock, org(default=True))
    worker = Worker(db, clock, settings, "t")
    owner = {"Authorization": f"Bearer {make_token('responder', email='owner@example.com')}"}
    scribe = {"Authorization": f"Bearer {make_token('responder', email='scribe@example.com')}"}
    outsider = {"Authorization": f"Bearer {make_token('responder', email='out@example.com')}"}
    # The alert's routing group, learnt from a first incident that is then done with.
    (scratch,) = _fire(client, "lag-0")
    with db.session() as session:
        group = incidents.get_incident(session, scratch).dedup_group
    _resolve(client, admin_headers, scratch)
    _fire(client, "lag-0", status="resolved")
    created = client.post(
        "/api/v1/incidents",
        headers=owner,
        json={"title": "Card data exposure", "severity": "SEV1", "private": True,
              "dedup_group": group},
    )  # fmt: skip
    assert created.status_code == 201, created.text
    private = created.json()["number"]
    role = {"role": "scribe", "user_email": "scribe@example.com"}
    assert client.post(f"/api/v1/incidents/{private}/roles", headers=owner, json=role).is_success
    # It joins the private incident; the answer, to the sender's credential, does not say so
    # (tests/integration/intake/test_answers_private.py).
    assert _fire(client, "lag-1") == []
    assert _numbers(db) == [scratch, private]
    _resolve(client, owner, private)
    clock.advance(minutes=5)
    assert _fire(client, "lag-1") == []  # still firing: a new (private) incident
    (follow,) = set(_numbers(db)) - {scratch, private}
    worker.run_once()
    assert _pages(db, follow) == 1
    with db.session() as session:
        incident = incidents.get_incident(session, follow)
        assert incident.private and incident.previous_number == private
        assert incident.created_by == "owner@example.com"
        holders = [(r.role, r.user_email) for r in incidents.current_roles(session, incident)]
        assert holders == ([] if carrying_fails else [("scribe", "scribe@example.com")])
    members = (owner, admin_headers) if carrying_fails else (owner, scribe, admin_headers)
    for member in members:
        assert client.get(f"/api/v1/incidents/{follow}", headers=member).status_code == 200
        listed = client.get("/api/v1/incidents", headers=member).json()["items"]
        assert follow in [i["number"] for i in listed]
    assert client.get(f"/api/v1/incidents/{follow}", headers=outsider).status_code == 404
    listed = client.get("/api/v1/incidents", headers=outsider).json()["items"]
    assert [i["number"] for i in listed] == [scratch]
