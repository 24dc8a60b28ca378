"""A task's assignee or a hypothesis' owner who can no longer do the work (made a viewer,
deactivated, or taken off the roles of a private incident) stays named, as who was on it, and
is flagged with why, so that the commander hands the work on: the API's
`assignee_cannot_work` / `owner_cannot_work`, `warroom task list`, `warroom hypothesis list`
and `warroom incident show`. Both databases, the real CLI against the in-process app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from warroom.auth import service as auth_service
from warroom.db import Database

H = dict[str, str]
BASE = "/api/v1/incidents/1"


def _cannot(client: TestClient, headers: H) -> tuple[list[Any], list[Any]]:
    tasks = client.get(f"{BASE}/tasks", headers=headers).json()
    hypotheses = client.get(f"{BASE}/hypotheses", headers=headers).json()
    return (
        [(t["assignee"], t["assignee_cannot_work"]) for t in tasks],
        [(h["owner"], h["owner_cannot_work"]) for h in hypotheses],
    )


def test_work_of_someone_who_can_no_longer_do_it_is_flagged(
    seeded: Database,
    client: TestClient,
    make_token: MakeToken,
    admin_headers: H,
    cli: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "200")
    make_token("responder", email="bob@example.com")
    make_token("responder", email="cat@example.com")
    body = {"title": "Key leaked", "severity": "SEV2", "private": True}
    assert client.post("/api/v1/incidents", json=body, headers=admin_headers).status_code == 201
    for who in ("bob@example.com", "cat@example.com"):
        role = {"role": "subject_matter_expert", "user_email": who}
        assert client.post(f"{BASE}/roles", json=role, headers=admin_headers).status_code == 200
        task = {"text": f"Rotate keys ({who})", "assignee": who}
        assert client.post(f"{BASE}/tasks", json=task, headers=admin_headers).status_code == 201
        idea = {"text": f"Leaked by CI ({who})", "owner": who}
        assert (
            client.post(f"{BASE}/hypotheses", json=idea, headers=admin_headers).status_code == 201
        )
    assert _cannot(client, admin_headers) == (
        [("bob@example.com", None), ("cat@example.com", None)],
        [("bob@example.com", None), ("cat@example.com", None)],
    )

    # Bob leaves the private incident's roles; Cat is made a viewer.
    gone = client.delete(
        f"{BASE}/roles/subject_matter_expert/bob@example.com", headers=admin_headers
    )
    assert gone.status_code == 200, gone.text
    with seeded.session() as session:
        auth_service.get_user_by_email(session, "cat@example.com").role = "viewer"
    bob = "no longer a member of private INC-1"
    assert _cannot(client, admin_headers) == (
        [("bob@example.com", bob), ("cat@example.com", "now a viewer")],
        [("bob@example.com", bob), ("cat@example.com", "now a viewer")],
    )
    tasks = cli("task", "list", "1")
    assert tasks.exit_code == 0, tasks.output
    assert f"bob@example.com ({bob}: hand it on)" in tasks.output, tasks.output
    assert "cat@example.com (now a viewer: hand it on)" in tasks.output
    ideas = cli("hypothesis", "list", "1")
    assert f"bob@example.com ({bob}: hand it on)" in ideas.output, ideas.output
    shown = cli("incident", "show", "1")
    assert shown.exit_code == 0, shown.output
    assert f"@bob@example.com ({bob})" in shown.output, shown.output
    assert f"bob@example.com ({bob})" in shown.output.split("Tasks")[0]

    # Finished work is not flagged: nothing is left to hand on.
    done = client.patch(f"{BASE}/tasks/1", json={"done": True}, headers=admin_headers)
    assert done.status_code == 200 and done.json()["assignee_cannot_work"] is None
    ruled = client.patch(
        f"{BASE}/hypotheses/1", json={"status": "ruled_out"}, headers=admin_headers
    )
    assert ruled.status_code == 200 and ruled.json()["owner_cannot_work"] is None
    moved = client.patch(
        f"{BASE}/tasks/2", json={"assignee": "admin@example.com"}, headers=admin_headers
    )
    assert moved.status_code == 200 and moved.json()["assignee_cannot_work"] is None
