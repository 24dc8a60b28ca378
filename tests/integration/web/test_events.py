"""Live updates over Server-Sent Events (issue 13): /ui/events for the dashboard and a timeline.

The stream polls the database every `events.POLL_SECONDS`; the tests lower it and read a
bounded number of lines, making their change once the stream has said `ready`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import make_incident
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.web import events

MAX_LINES = 400


@pytest.fixture(autouse=True)
def fast_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "POLL_SECONDS", 0.02)


def _events(lines: Iterator[str]) -> Iterator[tuple[str, dict[str, str]]]:
    """(event name, fields) of each message of an SSE stream, reading at most MAX_LINES lines."""
    fields: dict[str, str] = {}
    for n, line in enumerate(lines):
        assert n < MAX_LINES, "the stream never sent the expected event"
        if not line.strip():
            if "event" in fields:
                yield fields["event"], fields
            fields = {}
            continue
        name, _, value = line.partition(":")
        fields[name] = value.strip()


def _wait_for(stream: Iterator[tuple[str, dict[str, str]]], name: str) -> dict[str, str]:
    for event, fields in stream:
        if event == name:
            return fields
    raise AssertionError(f"the stream ended before {name!r}")


def test_the_dashboard_stream_announces_a_new_incident(
    client: TestClient, ui_login: Callable[..., Any], db: Database, clock: FakeClock
) -> None:
    ui_login(client, "viewer")
    with client.stream("GET", "/ui/events") as answer:
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/event-stream")
        stream = _events(answer.iter_lines())
        ready = _wait_for(stream, "ready")
        with db.session() as session:
            make_incident(session, clock, title="Checkout down", severity="SEV1")
        change = _wait_for(stream, "incidents")
    assert json.loads(change["data"]) == {"open": 1}
    assert change["id"] != ready["id"]


def test_a_reconnecting_browser_hears_what_changed_while_away(
    client: TestClient, ui_login: Callable[..., Any], db: Database, clock: FakeClock
) -> None:
    ui_login(client, "viewer")
    with client.stream("GET", "/ui/events") as answer:
        seen = _wait_for(_events(answer.iter_lines()), "ready")["id"]
    with db.session() as session:
        make_incident(session, clock, title="Checkout down", severity="SEV1")
    with client.stream("GET", "/ui/events", headers={"Last-Event-ID": seen}) as answer:
        first = next(_events(answer.iter_lines()))
    assert first[0] == "incidents"


def test_the_timeline_stream_sends_new_events(
    client: TestClient, ui_login: Callable[..., Any], db: Database, clock: FakeClock
) -> None:
    with db.session() as session:
        number = make_incident(session, clock, title="Checkout down", severity="SEV1").number
    ui_login(client, "viewer")
    with client.stream("GET", f"/ui/events?incident={number}") as answer:
        stream = _events(answer.iter_lines())
        ready = json.loads(_wait_for(stream, "ready")["data"])
        with db.session() as session:
            incident = incidents.get_incident(session, number)
            incidents.add_note(session, clock, incident, actor="a@example.com", text="Rolled back")
        fields = _wait_for(stream, "timeline")
    data = json.loads(fields["data"])
    assert data["incident"] == number and data["last_seq"] > ready["last_seq"]
    assert fields["id"] == str(data["last_seq"])
    kinds = [e["kind"] for e in data["events"]]
    assert "incident:note:added" in kinds
    assert all(e["seq"] > ready["last_seq"] for e in data["events"])


def test_a_reconnecting_timeline_stream_resumes_after_what_the_browser_heard(
    client: TestClient, ui_login: Callable[..., Any], db: Database, clock: FakeClock
) -> None:
    """The browser reconnects to the page's URL (its stale `after=`) with Last-Event-ID: only
    the events after the Last-Event-ID come, not again those it had already."""
    with db.session() as session:
        incident = make_incident(session, clock, title="Checkout down", severity="SEV1")
        number = incident.number
        for text in ("first", "second"):
            incidents.add_note(session, clock, incident, actor="a@example.com", text=text)
    ui_login(client, "viewer")
    url = f"/ui/events?incident={number}&after=1"  # as rendered, before the two notes
    with client.stream("GET", url) as answer:
        heard = json.loads(_wait_for(_events(answer.iter_lines()), "timeline")["data"])
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.add_note(session, clock, incident, actor="a@example.com", text="third")
    resumed = {"Last-Event-ID": str(heard["last_seq"])}
    with client.stream("GET", url, headers=resumed) as answer:
        stream = _events(answer.iter_lines())
        assert json.loads(_wait_for(stream, "ready")["data"])["last_seq"] == heard["last_seq"]
        data = json.loads(_wait_for(stream, "timeline")["data"])
    assert all(e["seq"] > heard["last_seq"] for e in data["events"])
    assert [e["kind"] for e in data["events"]] == ["incident:note:added"]


def test_a_private_incident_stream_is_refused_to_non_members(
    client: TestClient, ui_login: Callable[..., Any], db: Database, clock: FakeClock
) -> None:
    with db.session() as session:
        number = make_incident(
            session, clock, title="Secret", private=True, actor="boss@example.com"
        ).number
    ui_login(client, "responder")
    answer = client.get(f"/ui/events?incident={number}")
    assert answer.status_code == 404 and "Secret" not in answer.text  # as a missing one
    assert client.get("/ui/events?incident=999").status_code == 404


def test_the_stream_ends_when_the_session_does(
    client: TestClient, ui_login: Callable[..., Any], db: Database
) -> None:
    user = ui_login(client, "viewer")
    with client.stream("GET", "/ui/events") as answer:
        stream = _events(answer.iter_lines())
        _wait_for(stream, "ready")
        from warroom.auth import service as auth_service

        with db.session() as session:
            auth_service.get_user_by_email(session, user.email).active = False
        _wait_for(stream, "signed-out")


def test_a_last_event_id_past_any_sequence_number_is_ignored(
    client: TestClient, ui_login: Callable[..., Any], db: Database, clock: FakeClock
) -> None:
    """A Last-Event-ID no sequence number can reach (20 digits) broke the stream on PostgreSQL
    (integer out of range, the connection dropped); it is not one the stream sent: ignored."""
    with db.session() as session:
        number = make_incident(session, clock, title="Checkout down", severity="SEV1").number
    ui_login(client, "viewer")
    forged = {"Last-Event-ID": "99999999999999999999"}
    with client.stream("GET", f"/ui/events?incident={number}&after=1", headers=forged) as answer:
        assert answer.status_code == 200
        ready = json.loads(_wait_for(_events(answer.iter_lines()), "ready")["data"])
    assert ready["last_seq"] == 1
