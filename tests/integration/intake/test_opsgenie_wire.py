"""Opsgenie calls as real senders make them (wire-formats §4): an alias holding "/" (which
opsgenie-sdk percent-encodes in the path), the note and user of a close or acknowledge, and the
request status of a close that named no alert."""

from __future__ import annotations

import copy
from datetime import timedelta
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from tests.integration.intake.conftest import (
    OG_CLOSE,
    OG_CREATE,
    Counts,
    alerts_in,
    og_headers,
)
from tests.integration.intake.test_edge_senders import events
from warroom.clock import FakeClock
from warroom.db import Database

SLASHED = "db-prod-03/disk-/var/lib/postgresql"


def test_an_alias_with_slashes_can_be_fetched_acknowledged_noted_and_closed(
    client: TestClient, configured: Database
) -> None:
    body = copy.deepcopy(OG_CREATE)
    body["alias"] = SLASHED
    assert client.post("/v2/alerts", json=body, headers=og_headers()).status_code == 202
    path = f"/v2/alerts/{quote(SLASHED, safe='')}"  # as opsgenie-sdk sends it

    got = client.get(f"{path}?identifierType=alias", headers=og_headers())
    assert got.status_code == 200, got.text
    assert got.json()["data"]["alias"] == SLASHED and got.json()["data"]["status"] == "open"

    for action, payload in (
        ("acknowledge", {"user": "alice"}),
        ("notes", {"note": "disk cleanup started"}),
        ("close", {"source": "x"}),
    ):
        r = client.post(f"{path}/{action}?identifierType=alias", json=payload, headers=og_headers())
        assert r.status_code == 202, (action, r.text)
        status = client.get(f"/v2/alerts/requests/{r.json()['requestId']}", headers=og_headers())
        assert status.status_code == 200 and status.json()["data"]["alias"] == SLASHED

    (alert,) = alerts_in(configured)
    assert alert.fingerprint == SLASHED
    assert alert.acknowledged_at is not None and alert.resolved_at is not None
    (noted,) = events(configured, "intake:alert:noted")
    assert noted.payload["note"] == "disk cleanup started"
    # The request-status route is still matched before the alias route.
    assert client.get("/v2/alerts/requests/not-a-request", headers=og_headers()).status_code == 404
    # An alias ending in an action's name still names the alert, not the action.
    body["alias"] = "disk/close"
    assert client.post("/v2/alerts", json=body, headers=og_headers()).status_code == 202
    url = f"/v2/alerts/{quote('disk/close', safe='')}/close?identifierType=alias"
    assert client.post(url, json={}, headers=og_headers()).status_code == 202
    closed = [a for a in alerts_in(configured) if a.fingerprint == "disk/close"]
    assert len(closed) == 1 and closed[0].resolved_at is not None


def test_an_empty_identifier_is_refused_naming_it(client: TestClient, configured: Database) -> None:
    r = client.post("/v2/alerts//close?identifierType=alias", json={}, headers=og_headers())
    assert r.status_code == 422, r.text
    assert "identifier" in r.json()["errors"]
    assert alerts_in(configured) == []


def test_the_note_and_user_of_create_acknowledge_and_close_go_on_the_timeline(
    client: TestClient, configured: Database
) -> None:
    created = {**OG_CREATE, "note": "opened by the nightly check", "user": "monitor"}
    assert client.post("/v2/alerts", json=created, headers=og_headers()).status_code == 202
    url = "/v2/alerts/orders-db-replication-lag/{}?identifierType=alias"
    ack = {"user": "alice", "note": "looking at it"}
    r = client.post(url.format("acknowledge"), json=ack, headers=og_headers())
    assert r.status_code == 202, r.text
    r = client.post(url.format("close"), json={**OG_CLOSE, "user": "bob"}, headers=og_headers())
    assert r.status_code == 202, r.text

    (alert,) = alerts_in(configured)
    assert alert.acknowledged_at is not None and alert.resolved_at is not None
    noted = events(configured, "intake:alert:noted")
    assert [(e.payload["action"], e.payload["note"], e.payload["user"]) for e in noted] == [
        ("Create", "opened by the nightly check", "monitor"),
        ("Acknowledge", "looking at it", "alice"),
        ("Close", "Lag back under 5s", "bob"),
    ]
    assert {e.incident_id for e in noted} == {alert.incident_id} and alert.incident_id
    assert all(e.payload["alert_id"] == alert.id for e in noted)
    # A close without a note adds nothing; a note too long is refused, naming the field.
    r = client.post(url.format("close"), json={"note": "x" * 25001}, headers=og_headers())
    assert r.status_code == 422 and "note" in r.json()["errors"]
    assert len(events(configured, "intake:alert:noted")) == 3


@pytest.mark.parametrize("action", ["close", "acknowledge"])
def test_the_request_status_of_an_action_on_an_unknown_alias_says_it_does_not_exist(
    client: TestClient, configured: Database, clock: FakeClock, action: str
) -> None:
    url = f"/v2/alerts/nope/{action}?identifierType=alias"
    r = client.post(url, json={"source": "x"}, headers=og_headers())
    assert r.status_code == 202, r.text  # as Opsgenie: accepted, then processed
    sent_at = clock.now()
    clock.advance(timedelta(minutes=3))
    status = client.get(f"/v2/alerts/requests/{r.json()['requestId']}", headers=og_headers())
    assert status.status_code == 200, status.text
    assert status.json()["data"] == {
        "success": False,
        "action": action.capitalize(),
        "processedAt": sent_at.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "integrationId": "og",
        "isSuccess": False,
        "status": "Alert does not exist",
        "alertId": "",
        "alias": "",
    }
    assert alerts_in(configured) == []


@pytest.mark.parametrize("alias", ["requests/abc", "requests/0d3b8a52-1c2e-4f3a-9b1d-3e2d7f1b6c90"])
def test_an_alias_beginning_with_requests_is_fetched_not_taken_for_a_request_status(
    client: TestClient, configured: Database, alias: str
) -> None:
    r = client.post("/v2/alerts", json={**OG_CREATE, "alias": alias}, headers=og_headers())
    assert r.status_code == 202, r.text
    made = client.get(f"/v2/alerts/requests/{r.json()['requestId']}", headers=og_headers())
    assert made.status_code == 200 and made.json()["data"]["alias"] == alias
    # As opsgenie-sdk's get_alert sends it: the "/" percent-encoded, one path segment.
    encoded = f"/v2/alerts/{quote(alias, safe='')}?identifierType=alias"
    got = client.get(encoded, headers=og_headers())
    assert got.status_code == 200, got.text
    assert got.json()["data"]["alias"] == alias and got.json()["data"]["status"] == "open"
    # Sent with a bare "/" but naming its identifierType: still the alert, never a status.
    got = client.get(f"/v2/alerts/{alias}?identifierType=alias", headers=og_headers())
    assert got.status_code == 200 and got.json()["data"]["alias"] == alias
    # A request status is still answered as one.
    assert client.get(f"/v2/alerts/{alias}", headers=og_headers()).status_code == 404
    # An alias of that shape the integration never sent is a 404 naming the alias.
    other = f"/v2/alerts/{quote('requests/none', safe='')}?identifierType=alias"
    missing = client.get(other, headers=og_headers())
    assert missing.status_code == 404 and "requests/none" in missing.json()["message"]


def test_null_priority_responders_and_visible_to_are_absent_like_other_optional_fields(
    client: TestClient, configured: Database, counts: Counts
) -> None:
    # A script's JSON of its optional arguments (None -> null): the defaults, as for alias,
    # tags, details, source, entity, user and note.
    body = {**OG_CREATE, "priority": None, "responders": None, "visibleTo": None}
    r = client.post("/v2/alerts", json=body, headers=og_headers())
    assert r.status_code == 202, r.text
    (alert,) = alerts_in(configured)
    assert alert.labels["priority"] == "P3" and alert.severity_hint == "P3"
    got = client.get(f"/v2/alerts/{alert.id}", headers=og_headers())
    assert got.json()["data"]["priority"] == "P3"
    # A value of the wrong kind is still refused naming the field, nothing written.
    before = counts()
    for field, value in (("priority", "P9"), ("responders", "dba"), ("visibleTo", {})):
        bad = {**OG_CREATE, "alias": "other", field: value}
        r = client.post("/v2/alerts", json=bad, headers=og_headers())
        assert r.status_code == 422 and field in r.json()["errors"], r.text
    assert counts() == before


def test_an_update_names_message_or_description_and_carries_its_text(
    client: TestClient, configured: Database, counts: Counts
) -> None:
    assert client.post("/v2/alerts", json=OG_CREATE, headers=og_headers()).status_code == 202
    url = "/v2/alerts/orders-db-replication-lag/{}?identifierType=alias"
    # What Alertmanager's update_alerts sends: accepted, the alert keeps its text.
    # An empty description is left out (Go's omitempty): {}.
    sent = (("message", {"message": "[FIRING:2] Lag"}), ("description", {"description": "x"}))
    for part, body in (*sent, ("description", {})):
        r = client.put(url.format(part), json=body, headers=og_headers())
        assert r.status_code == 202, r.text
    before = counts()
    # No such Opsgenie call: a 404 in Opsgenie's shape, not a 202 for nothing done.
    r = client.put(url.format("mesage"), json={"message": "x"}, headers=og_headers())
    assert r.status_code == 404 and "mesage" in r.json()["message"], r.text
    # The new text of the wrong kind: a 422 naming it.
    for part, body in (("message", {"message": 5}), ("description", {"description": ["x"]})):
        r = client.put(url.format(part), json=body, headers=og_headers())
        assert r.status_code == 422 and part in r.json()["errors"], r.text
    r = client.put(url.format("message"), json={"message": "x" * 131}, headers=og_headers())
    assert r.status_code == 422 and "message" in r.json()["errors"]
    assert counts() == before
    (alert,) = alerts_in(configured)
    assert alert.summary == OG_CREATE["message"]


def test_a_nul_in_an_identifier_is_a_422_naming_it_in_opsgenies_shape(
    client: TestClient, configured: Database, counts: Counts
) -> None:
    before = counts()
    calls = [
        ("get", "/v2/alerts/a%00b?identifierType=alias", None),
        ("post", "/v2/alerts/a%00b/close?identifierType=alias", {}),
        ("post", "/v2/alerts/a%00b/acknowledge?identifierType=alias", {}),
        ("post", "/v2/alerts/a%00b/notes?identifierType=alias", {"note": "n"}),
        ("put", "/v2/alerts/a%00b/message?identifierType=alias", {"message": "m"}),
    ]
    for method, url, body in calls:
        r = client.request(method, url, json=body, headers=og_headers())
        assert r.status_code == 422, (url, r.text)
        assert "identifier" in r.json()["errors"] and "requestId" in r.json(), (url, r.text)
    assert counts() == before
