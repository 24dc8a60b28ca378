"""A task's assignee and a hypothesis' owner are people warroom knows who can do the work
(both databases): a typo, a deactivated person, a viewer or a non-member of a private incident
is a 422 naming the field, and nothing is written."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from warroom.auth import service as auth_service
from warroom.clock import FakeClock
from warroom.db import Database

H = dict[str, str]
BASE = "/api/v1/incidents/1"


@pytest.fixture
def people(seeded: Database, clock: FakeClock, make_token: MakeToken) -> None:
    make_token("responder", email="ana@example.com")
    make_token("viewer", email="vic@example.com")
    make_token("responder", email="gone@example.com")
    with seeded.session() as session:
        auth_service.get_user_by_email(session, "gone@example.com").active = False
        session.commit()


def _open(client: TestClient, headers: H, private: bool = False) -> None:
    body = {"title": "Checkout fails", "severity": "SEV2", "private": private}
    assert client.post("/api/v1/incidents", json=body, headers=headers).status_code == 201


@pytest.mark.parametrize(
    ("who", "says"),
    [
        ("ann@exmaple.com", "no user with e-mail 'ann@exmaple.com'"),
        ("jane", "no user with e-mail 'jane'"),
        ("gone@example.com", "gone@example.com is deactivated"),
        ("vic@example.com", "vic@example.com is a viewer and could not change"),
    ],
)
def test_work_goes_only_to_someone_who_can_do_it(
    people: None, client: TestClient, responder_headers: H, who: str, says: str
) -> None:
    _open(client, responder_headers)
    for path, field, body in (
        ("/tasks", "assignee", {"text": "Roll back v42", "assignee": who}),
        ("/hypotheses", "owner", {"text": "Bad deploy", "owner": who}),
    ):
        refused = client.post(f"{BASE}{path}", json=body, headers=responder_headers)
        assert refused.status_code == 422, refused.text
        error = refused.json()["error"]
        assert error["field"] == field and says in error["message"]
        assert client.get(f"{BASE}{path}", headers=responder_headers).json() == []
    client.post(f"{BASE}/tasks", json={"text": "Roll back"}, headers=responder_headers)
    moved = client.patch(f"{BASE}/tasks/1", json={"assignee": who}, headers=responder_headers)
    assert moved.status_code == 422 and moved.json()["error"]["field"] == "assignee"
    client.post(f"{BASE}/hypotheses", json={"text": "Bad deploy"}, headers=responder_headers)
    owned = client.patch(f"{BASE}/hypotheses/1", json={"owner": who}, headers=responder_headers)
    assert owned.status_code == 422 and owned.json()["error"]["field"] == "owner"


def test_a_known_responder_is_kept_as_their_account_spells_them(
    people: None, client: TestClient, responder_headers: H
) -> None:
    _open(client, responder_headers)
    task = client.post(
        f"{BASE}/tasks",
        json={"text": "Roll back", "assignee": " Ana@Example.com "},
        headers=responder_headers,
    )
    assert task.status_code == 201 and task.json()["assignee"] == "ana@example.com"
    client.post(f"{BASE}/hypotheses", json={"text": "Bad deploy"}, headers=responder_headers)
    hunch = client.patch(
        f"{BASE}/hypotheses/1",
        json={"owner": "ANA@example.com"},
        headers=responder_headers,
    )
    assert hunch.status_code == 200 and hunch.json()["owner"] == "ana@example.com"


def test_a_private_incidents_work_goes_to_its_members(
    people: None, client: TestClient, responder_headers: H
) -> None:
    _open(client, responder_headers, private=True)
    refused = client.post(
        f"{BASE}/tasks",
        json={"text": "Rotate the key", "assignee": "ana@example.com"},
        headers=responder_headers,
    )
    assert refused.status_code == 422, refused.text
    assert (
        "INC-1 is private and ana@example.com is no member of it"
        in (refused.json()["error"]["message"])
    )
    client.post(
        f"{BASE}/roles",
        json={"role": "on_call_engineer", "user_email": "ana@example.com"},
        headers=responder_headers,
    )
    given = client.post(
        f"{BASE}/tasks",
        json={"text": "Rotate the key", "assignee": "ana@example.com"},
        headers=responder_headers,
    )
    assert given.status_code == 201 and given.json()["assignee"] == "ana@example.com"
