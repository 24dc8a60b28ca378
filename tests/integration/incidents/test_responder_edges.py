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
