"""An admin API token must not be a remote shell. Walking the new surfaces as an attacker: three
requests (apply a config declaring `argv: [sh, -c, ...]` with `reversible: false`, open an
incident, run the action) ran a command of the caller's choosing on the server, though config
sent through the API may not even read a file there. Actions are now declared only by config
applied on the server (`warroom config apply DIR`); through the API the running ones may be
kept as they are or removed, never added or changed."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.paging.world import apply
from warroom.clock import FakeClock
from warroom.db import Database

BASE = """\
severities:
  - {key: SEV1, name: Major}
"""
ECHO = """\
actions:
  - id: note-it
    title: Write a note
    kind: command
    argv: [echo, "{{ incident.ref }}"]
    reversible: false
"""
SHELL = """\
actions:
  - id: backdoor
    title: Anything
    kind: command
    argv: [sh, -c, "id > /tmp/owned"]
    reversible: false
"""


def _upload(client: TestClient, headers: dict[str, str], text: str, dry_run: bool = False) -> int:
    body = {"files": {"org.yaml": text}, "dry_run": dry_run}
    answer = client.post("/api/v1/config/apply", json=body, headers=headers)
    if answer.status_code == 422:
        error = answer.json()["error"]
        assert error["field"] == "files"
        assert "warroom config apply" in error["message"]
    return answer.status_code


def _actions(client: TestClient, headers: dict[str, str]) -> list[str]:
    return [a["id"] for a in client.get("/api/v1/actions", headers=headers).json()]


def test_a_new_command_cannot_be_declared_through_the_api(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    assert _upload(client, admin_headers, BASE + SHELL, dry_run=True) == 422
    assert _upload(client, admin_headers, BASE + SHELL) == 422
    assert _actions(client, admin_headers) == []
    assert client.get("/api/v1/config", headers=admin_headers).json()["revision"] is None


def test_actions_applied_on_the_server_may_be_kept_or_removed_but_not_changed(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    apply(db, clock, BASE + ECHO)
    assert _actions(client, admin_headers) == ["note-it"]
    assert _upload(client, admin_headers, BASE + ECHO + "  # kept as it is\n") == 200
    changed = ECHO.replace('[echo, "{{ incident.ref }}"]', "[sh, -c, id]")
    assert _upload(client, admin_headers, BASE + changed) == 422
    assert _upload(client, admin_headers, BASE + ECHO + SHELL.replace("actions:\n", "")) == 422
    assert _actions(client, admin_headers) == ["note-it"]
    assert _upload(client, admin_headers, BASE) == 200
    assert _actions(client, admin_headers) == []


HALT = """\
actions:
  - id: halt
    title: Halt trading
    kind: http
    http: {method: POST, url: "https://admin.exchange.test/trading/halt"}
    reversible: false
"""


def test_an_http_action_cannot_be_redirected_behind_its_masked_url(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    # GET /config shows the URL as https://admin.exchange.test/… so "kept as it is" cannot be
    # checked: a new path on the same host would pass for the running action.
    apply(db, clock, BASE + HALT)
    moved = HALT.replace("/trading/halt", "/accounts/delete-all")
    assert _upload(client, admin_headers, BASE + moved) == 422
    assert _upload(client, admin_headers, BASE + HALT) == 422
    assert _upload(client, admin_headers, BASE) == 200
    assert _actions(client, admin_headers) == []
