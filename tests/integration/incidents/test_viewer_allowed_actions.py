"""A viewer is offered no lifecycle actions: `allowed_actions` in the incident's detail and in
the list are what the caller may do, so `incident show` says no "Next: ack, ..." to a viewer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from warroom.cli import client as cli_client
from warroom.db import Database


def _open(client: TestClient, headers: dict[str, str]) -> None:
    body = {"title": "checkout 500s", "severity": "SEV1"}
    r = client.post("/api/v1/incidents", json=body, headers=headers)
    assert r.status_code == 201, r.text


@pytest.fixture
def opened(client: TestClient, seeded: Database, responder_headers: dict[str, str]) -> None:
    _open(client, responder_headers)


def test_a_viewer_is_offered_no_actions(
    client: TestClient, opened: None, viewer_headers: dict[str, str]
) -> None:
    one = client.get("/api/v1/incidents/1", headers=viewer_headers)
    assert one.status_code == 200, one.text
    assert one.json()["allowed_actions"] == []
    listed = client.get("/api/v1/incidents", headers=viewer_headers)
    assert listed.status_code == 200, listed.text
    assert [i["allowed_actions"] for i in listed.json()["items"]] == [[]]


def test_a_responder_is_offered_the_lifecycle_actions(
    client: TestClient, opened: None, responder_headers: dict[str, str]
) -> None:
    one = client.get("/api/v1/incidents/1", headers=responder_headers)
    assert one.json()["allowed_actions"] == ["ack", "mitigate", "resolve"]
    listed = client.get("/api/v1/incidents", headers=responder_headers)
    assert [i["allowed_actions"] for i in listed.json()["items"]] == [
        ["ack", "mitigate", "resolve"]
    ]


def test_incident_show_tells_a_viewer_no_next_actions(
    db: Database,
    client: TestClient,
    opened: None,
    cli: Callable[..., Any],
    viewer_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)
    monkeypatch.setenv("COLUMNS", "200")

    def as_viewer() -> cli_client.ApiClient:
        client.headers.update(viewer_headers)
        return cli_client.ApiClient(client)

    monkeypatch.setattr(cli_client, "client_factory", as_viewer)
    result = cli("incident", "show", "1")
    assert result.exit_code == 0, result.output
    assert "checkout 500s" in result.output
    assert "Next:" not in result.output, result.output  # neither the actions nor "none (closed)"
