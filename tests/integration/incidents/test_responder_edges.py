"""Responders at the edges of the incidents API: roles given to people who cannot take them,
filters that name nothing, on both databases."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.factories import make_user
from warroom.auth import admin as people
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.principal import Principal

H = dict[str, str]


def _open(client: TestClient, headers: H, **body: Any) -> dict[str, Any]:
    body.setdefault("title", "Publishing halted")
    body.setdefault("severity", "SEV1")
    response = client.post("/api/v1/incidents", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def _deactivate(db: Database, clock: FakeClock, email: str) -> None:
    with db.session() as session:
        admin = make_user(session, clock, "boss@example.com", role="admin")
        user = make_user(session, clock, email)
        me = Principal(user_id=admin.id, email=admin.email, role="admin")
        people.set_active(session, clock, me, user.id, False)


def test_a_deactivated_person_gets_no_role(
    seeded: Database, client: TestClient, responder_headers: H, clock: FakeClock
) -> None:
    """Someone who can no longer sign in cannot command, scribe or speak for an incident:
    the role would show filled while nobody holds it."""
    _deactivate(seeded, clock, "left@example.com")
    _open(client, responder_headers)
    for role in ("incident_commander", "scribe", "communications_lead"):
        refused = client.post(
            "/api/v1/incidents/1/roles",
            json={"role": role, "user_email": "Left@example.com"},
            headers=responder_headers,
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["field"] == "user_email"
        assert "deactivated" in refused.json()["error"]["message"]
    assert client.get("/api/v1/incidents/1/roles", headers=responder_headers).json() == []
    kinds = [
        e["kind"]
        for e in client.get("/api/v1/incidents/1/timeline", headers=responder_headers).json()[
            "items"
        ]
    ]
    assert kinds == ["incident:incident:opened"]


def test_a_deactivated_commander_hands_over_to_someone_active(
    seeded: Database, client: TestClient, responder_headers: H, clock: FakeClock
) -> None:
    """The handover still works around them: their role can be given to someone active."""
    with seeded.session() as session:
        make_user(session, clock, "left@example.com")
        make_user(session, clock, "next@example.com")
    _open(client, responder_headers)
    given = client.post(
        "/api/v1/incidents/1/roles",
        json={"role": "incident_commander", "user_email": "left@example.com"},
        headers=responder_headers,
    )
    assert given.status_code == 200
    _deactivate(seeded, clock, "left@example.com")
    handed = client.post(
        "/api/v1/incidents/1/roles",
        json={"role": "incident_commander", "user_email": "next@example.com"},
        headers=responder_headers,
    )
    assert handed.status_code == 200, handed.text
    assert [r["user_email"] for r in handed.json()] == ["next@example.com"]


def test_an_incident_worked_without_an_acknowledgement_owes_none(
    seeded: Database, client: TestClient, responder_headers: H, clock: FakeClock
) -> None:
    """Mitigated straight from triggered, or resolved then reopened (back to acknowledged)
    before anyone acknowledged: `ack` is refused from there (409), so the acknowledgement can
    no longer be given and must not show as OVERDUE for the rest of the incident."""
    from warroom.cli.incident_screen import due_lines

    for _ in range(3):
        _open(client, responder_headers)  # SEV1: acknowledge within 15 minutes
    assert client.post("/api/v1/incidents/1/mitigate", headers=responder_headers).status_code == 200
    for action in ("resolve", "reopen"):
        assert client.post(f"/api/v1/incidents/2/{action}", headers=responder_headers).is_success
    clock.advance(minutes=20)
    for number, status in ((1, "mitigated"), (2, "acknowledged")):
        shown = client.get(f"/api/v1/incidents/{number}", headers=responder_headers).json()
        assert shown["status"] == status and shown["acknowledged_at"] is None
        assert "ack" not in shown["allowed_actions"]
        assert shown["due"]["acknowledge_overdue"] is False, number
        ack_line = due_lines(shown, clock.now())[0]
        assert "acknowledge" in ack_line and "OVERDUE" not in ack_line, ack_line
    mitigated = client.get("/api/v1/incidents/1", headers=responder_headers).json()
    assert "[green]met[/] at" in due_lines(mitigated, clock.now())[0]  # mitigated in time
    reopened = client.get("/api/v1/incidents/2", headers=responder_headers).json()
    assert "never acknowledged" in due_lines(reopened, clock.now())[0]
    # An incident nobody has touched still owes its acknowledgement.
    waiting = client.get("/api/v1/incidents/3", headers=responder_headers).json()
    assert waiting["due"]["acknowledge_overdue"] is True
    assert "OVERDUE" in due_lines(waiting, clock.now())[0]


def test_a_drill_whose_title_merely_starts_with_drill_letters_says_drill(
    seeded: Database, client: TestClient, responder_headers: H
) -> None:
    """A practice incident says DRILL wherever its title shows: 'Drilling rig telemetry down'
    is no such word, so the marker goes in front, when opened and when renamed."""
    opened = _open(client, responder_headers, title="Drilling rig telemetry down", drill=True)
    assert opened["title"] == "DRILL: Drilling rig telemetry down"
    renamed = client.patch(
        "/api/v1/incidents/1", json={"title": "Drillship offline"}, headers=responder_headers
    )
    assert renamed.json()["title"] == "DRILL: Drillship offline"
    for said, shown in (
        ("DRILL: checkout latency", "DRILL: checkout latency"),
        ("drill:checkout latency", "DRILL: checkout latency"),
        ("Drill-down broken", "DRILL: Drill-down broken"),
        ("Drill checkout", "DRILL: Drill checkout"),
    ):
        assert _open(client, responder_headers, title=said, drill=True)["title"] == shown
    real = _open(client, responder_headers, title="Drilling rig telemetry down")
    assert real["title"] == "Drilling rig telemetry down"


def test_patching_one_impact_field_keeps_the_others(
    seeded: Database, client: TestClient, responder_headers: H
) -> None:
    """PATCH changes what it names: saying the incident is customer-facing must not wipe the
    scope and affected markets written earlier (they came back as defaults)."""
    _open(
        client,
        responder_headers,
        impact={"scope": "EU checkout", "affected": ["DE", "FR"], "data_loss": "no"},
    )
    patched = client.patch(
        "/api/v1/incidents/1", json={"impact": {"customer_facing": True}}, headers=responder_headers
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["impact"] == {
        "customer_facing": True,
        "data_loss": "no",
        "scope": "EU checkout",
        "affected": ["DE", "FR"],
    }
    events = client.get(
        "/api/v1/incidents/1/timeline?kind=incident:details", headers=responder_headers
    ).json()["items"]
    assert events[-1]["payload"]["changed"]["impact"]["scope"] == "EU checkout"
    # A field named with its empty value is changed; nothing else is.
    cleared = client.patch(
        "/api/v1/incidents/1", json={"impact": {"scope": ""}}, headers=responder_headers
    )
    assert cleared.json()["impact"]["scope"] == ""
    assert cleared.json()["impact"]["affected"] == ["DE", "FR"]
    bad = client.patch(
        "/api/v1/incidents/1", json={"impact": {"data_loss": "maybe"}}, headers=responder_headers
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "impact.data_loss"
    shown = client.get("/api/v1/incidents/1", headers=responder_headers).json()
    assert shown["impact"]["data_loss"] == "no" and shown["impact"]["customer_facing"] is True


def test_a_blank_owner_or_assignee_is_nobody(
    seeded: Database, client: TestClient, responder_headers: H
) -> None:
    """'   ' as a hypothesis' owner or a task's assignee is no one, not a blank name shown as
    if someone held it; a name with spaces around it is kept without them."""
    with seeded.session() as session:
        for email in ("ann@example.com", "bob@example.com"):
            make_user(session, FakeClock(), email)
        session.commit()
    _open(client, responder_headers)
    base = "/api/v1/incidents/1"
    made = client.post(
        f"{base}/hypotheses", json={"text": "bad deploy", "owner": "   "}, headers=responder_headers
    )
    assert made.status_code == 201 and made.json()["owner"] is None
    task = client.post(
        f"{base}/tasks", json={"text": "roll back", "assignee": " \t "}, headers=responder_headers
    )
    assert task.status_code == 201 and task.json()["assignee"] is None
    named = client.patch(
        f"{base}/hypotheses/1", json={"owner": "  ann@example.com "}, headers=responder_headers
    )
    assert named.json()["owner"] == "ann@example.com"
    moved = client.patch(
        f"{base}/tasks/1", json={"assignee": " bob@example.com"}, headers=responder_headers
    )
    assert moved.json()["assignee"] == "bob@example.com"


def test_a_viewer_cannot_be_given_a_role_that_acts(
    seeded: Database, client: TestClient, responder_headers: H, clock: FakeClock
) -> None:
    """A viewer can acknowledge nothing, write no note and post no update: as commander,
    scribe, communications or operations lead the role would show filled by someone who can
    do none of it. A viewer may still be a subject-matter expert (and so read a private
    incident)."""
    with seeded.session() as session:
        make_user(session, clock, "exec@example.com", role="viewer")
    _open(client, responder_headers, private=True)
    for role in ("incident_commander", "scribe", "communications_lead", "operations_lead"):
        refused = client.post(
            "/api/v1/incidents/1/roles",
            json={"role": role, "user_email": "exec@example.com"},
            headers=responder_headers,
        )
        assert refused.status_code == 422, refused.text
        assert refused.json()["error"]["field"] == "user_email"
        assert "viewer" in refused.json()["error"]["message"]
    expert = client.post(
        "/api/v1/incidents/1/roles",
        json={"role": "subject_matter_expert", "user_email": "exec@example.com"},
        headers=responder_headers,
    )
    assert expert.status_code == 200, expert.text
    assert [r["role"] for r in expert.json()] == ["subject_matter_expert"]


def test_a_since_at_the_edge_of_the_calendar_is_a_422_or_an_answer(
    seeded: Database, client: TestClient, viewer_headers: H, responder_headers: H
) -> None:
    """Year 1 at +14:00 is before year 1 in UTC: the conversion overflowed into a 500."""
    _open(client, responder_headers)
    for since in ("0001-01-01T00:00:00%2B14:00", "9999-12-31T23:59:59-14:00"):
        answer = client.get(f"/api/v1/incidents?since={since}", headers=viewer_headers)
        assert answer.status_code == 422, answer.text
        assert answer.json()["error"]["field"] == "since"
    for since in ("0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z"):
        answer = client.get(f"/api/v1/incidents?since={since}", headers=viewer_headers)
        assert answer.status_code == 200, answer.text


def test_a_forged_cursor_past_any_integer_is_a_422(
    seeded: Database, client: TestClient, viewer_headers: H, responder_headers: H
) -> None:
    """A cursor is opaque but readable: one edited to hold 10**30 reached the database
    (OverflowError on SQLite, out of range on PostgreSQL) and answered 500."""
    import base64
    import json

    def forged(**position: int) -> str:
        raw = json.dumps(position).encode()
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    _open(client, responder_headers)
    for url in (
        f"/api/v1/incidents?cursor={forged(id=10**30)}",
        f"/api/v1/incidents?cursor={forged(id=-(10**30))}",
        f"/api/v1/incidents?cursor={forged(id=2**31)}",
        f"/api/v1/incidents/1/timeline?cursor={forged(seq=10**30)}",
    ):
        answer = client.get(url, headers=viewer_headers)
        assert answer.status_code == 422, (url, answer.text)
        assert answer.json()["error"]["field"] == "cursor"
    ok = client.get(f"/api/v1/incidents?cursor={forged(id=2**31 - 1)}", headers=viewer_headers)
    assert ok.status_code == 200, ok.text
    assert [i["number"] for i in ok.json()["items"]] == [1]
