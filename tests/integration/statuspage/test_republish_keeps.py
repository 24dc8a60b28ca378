"""Publishing an incident again changes what it names and keeps the rest.

On a real serve (examples/oracle) `warroom status publish 3 --name "Realtime feed delayed"`,
run to fix a typo in the public name, also took the incident's component off (Realtime went
back to operational while the incident was unresolved) and removed the message given at
publication, which subscribers had already been mailed, from the page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.statuspage.page import apply, open_incident
from warroom.clock import FakeClock
from warroom.db import Database

V2 = "/status/api/v2"


def _shown(client: TestClient) -> tuple[str, list[str], list[str], str]:
    """The unresolved incident's name, components, update bodies, and api's status."""
    [item] = client.get(f"{V2}/incidents/unresolved.json").json()["incidents"]
    statuses = {c["id"]: c["status"] for c in client.get(f"{V2}/components.json").json()[
        "components"]}  # fmt: skip
    bodies = [u["body"] for u in item["incident_updates"]]
    return item["name"], [c["id"] for c in item["components"]], bodies, statuses["api"]


def test_publishing_again_with_a_name_only_keeps_components_and_message(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    apply(db, clock)
    number = open_incident(db, clock)
    first = {"number": number, "name": "Checkout slwo", "components": ["api"],
             "message": "We are looking into it."}  # fmt: skip
    url = "/api/v1/status/incidents"
    assert client.post(url, json=first, headers=admin_headers).status_code == 201
    again = {"number": number, "name": "Checkout slow"}
    assert client.post(url, json=again, headers=admin_headers).status_code == 201
    assert _shown(client) == (
        "Checkout slow",
        ["api"],
        ["We are looking into it."],
        "partial_outage",
    )
    # What is named changes: other components, another message, none at all.
    body = {"number": number, "name": "Checkout slow", "components": ["web"], "message": "New."}
    assert client.post(url, json=body, headers=admin_headers).status_code == 201
    assert _shown(client) == ("Checkout slow", ["web"], ["New."], "operational")
    body = {"number": number, "name": "Checkout slow", "components": []}
    assert client.post(url, json=body, headers=admin_headers).status_code == 201
    assert _shown(client)[1] == []


def test_the_cli_renames_without_losing_the_rest(
    db: Database, clock: FakeClock, client: TestClient, cli: Callable[..., Any]
) -> None:
    apply(db, clock)
    number = str(open_incident(db, clock))
    result = cli("status", "publish", number, "--name", "Checkout slwo", "--component", "api",
                 "--message", "We are looking into it.")  # fmt: skip
    assert result.exit_code == 0, result.output
    result = cli("status", "publish", number, "--name", "Checkout slow")
    assert result.exit_code == 0, result.output
    assert _shown(client) == (
        "Checkout slow",
        ["api"],
        ["We are looking into it."],
        "partial_outage",
    )
