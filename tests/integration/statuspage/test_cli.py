"""`warroom status ...` against the in-process app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.statuspage.page import apply, open_incident
from warroom.clock import FakeClock
from warroom.db import Database

V2 = "/status/api/v2"


def _statuses(client: TestClient) -> dict[str, str]:
    return {c["id"]: c["status"] for c in client.get(f"{V2}/components.json").json()["components"]}


def test_component_set_publish_and_unpublish(
    db: Database, clock: FakeClock, client: TestClient, cli: Callable[..., Any]
) -> None:
    apply(db, clock)
    result = cli("status", "component", "set", "web", "partial_outage")
    assert result.exit_code == 0, result.output
    assert _statuses(client)["web"] == "partial_outage"
    refused = cli("status", "component", "set", "web", "on_fire")
    assert refused.exit_code != 0 and "status" in refused.output
    assert cli("status", "component", "set", "web", "auto").exit_code == 0
    assert _statuses(client)["web"] == "operational"
    listing = cli("status", "component", "list")
    assert "Public API" in listing.output and "Core" in listing.output

    number = open_incident(db, clock, severity="SEV0")
    published = cli("status", "publish", str(number), "--name", "API down", "--component", "api")
    assert published.exit_code == 0, published.output
    assert _statuses(client)["api"] == "major_outage"
    assert cli("status", "unpublish", str(number)).exit_code == 0
    assert _statuses(client)["api"] == "operational"
    assert client.get(f"{V2}/incidents.json").json()["incidents"] == []
