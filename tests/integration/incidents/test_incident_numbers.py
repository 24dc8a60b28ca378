"""`INC-n` is accepted wherever an incident number is: API paths and CLI arguments (issue 10)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from warroom.db import Database


@pytest.fixture
def opened(seeded: Database, client: TestClient, admin_headers: dict[str, str]) -> int:
    body = {"title": "Checkout slow", "severity": "SEV2"}
    created = client.post("/api/v1/incidents", json=body, headers=admin_headers)
    assert created.status_code == 201, created.text
    return int(created.json()["number"])


@pytest.mark.parametrize("spelling", ["INC-{n}", "inc-{n}", "Inc-{n}", "{n}"])
def test_every_spelling_of_the_number_names_the_incident_in_api_paths(
    opened: int, client: TestClient, admin_headers: dict[str, str], spelling: str
) -> None:
    ref = spelling.format(n=opened)
    shown = client.get(f"/api/v1/incidents/{ref}", headers=admin_headers)
    assert shown.status_code == 200, shown.text
    assert shown.json()["ref"] == f"INC-{opened}"
    note = client.post(
        f"/api/v1/incidents/{ref}/notes", json={"text": "looking"}, headers=admin_headers
    )
    assert note.status_code == 201, note.text
    assert client.get(f"/api/v1/incidents/{ref}/tasks", headers=admin_headers).status_code == 200
    assert client.get(f"/api/v1/incidents/{ref}/evidence", headers=admin_headers).status_code == 200


@pytest.mark.parametrize("bad", ["INC-", "INC-x", "PR-4", "4a", "INC--4", "INC-0", "99999999999"])
def test_anything_else_is_a_422_naming_the_number(
    opened: int, client: TestClient, admin_headers: dict[str, str], bad: str
) -> None:
    answer = client.get(f"/api/v1/incidents/{bad}", headers=admin_headers)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["field"] == "number"
    # Wrong shapes say what a number looks like; right shapes out of range say the bound.
    if not bad.startswith("INC-0") and bad != "99999999999":
        assert "is not an incident number such as INC-42 or 42" in error["message"]
    # Nothing written by a refused request.
    refused = client.post(
        f"/api/v1/incidents/{bad}/notes", json={"text": "x"}, headers=admin_headers
    )
    assert refused.status_code == 422
    timeline = client.get(f"/api/v1/incidents/{opened}/timeline", headers=admin_headers).json()
    assert all(e["kind"] != "incident:note:added" for e in timeline["items"])


def test_the_openapi_document_says_what_is_accepted(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    [param] = [
        p
        for p in spec["paths"]["/api/v1/incidents/{number}"]["get"]["parameters"]
        if p["in"] == "path"
    ]
    assert param["schema"]["type"] == "string"
    assert param["schema"]["pattern"] == "^(?:[Ii][Nn][Cc]-)?[1-9][0-9]{0,8}$"
    assert "INC-42" in param["description"]


def test_the_cli_takes_inc_n_and_lowercase_everywhere(
    opened: int, cli: Callable[..., Any], seeded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", seeded.url)  # `audit verify` reads the database
    for args in (
        ("audit", "verify", "--incident", f"INC-{opened}"),
        ("incident", "note", f"inc-{opened}", "first look"),
        ("task", "add", f"INC-{opened}", "check the cache"),
        ("hypothesis", "add", f"INC-{opened}", "cache stampede"),
        ("incident", "ack", f"INC-{opened}"),
        ("timeline", f"INC-{opened}"),
        ("evidence", "list", f"INC-{opened}"),
    ):
        result = cli(*args)
        assert result.exit_code == 0, (args, result.output)
    shown = cli("incident", "show", f"INC-{opened}", "--json")
    assert '"status": "acknowledged"' in shown.output
