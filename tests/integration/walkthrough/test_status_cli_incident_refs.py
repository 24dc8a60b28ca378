"""Every output prints INC-N and the README says `INC-1` and `1` both name an incident, but
`warroom status publish INC-4 ...` was a usage error (the argument was a plain integer)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.statuspage.page import apply, open_incident
from warroom.clock import FakeClock
from warroom.db import Database


def test_publish_and_unpublish_take_inc_n(
    db: Database, clock: FakeClock, client: TestClient, cli: Callable[..., Any]
) -> None:
    apply(db, clock)
    number = open_incident(db, clock, severity="SEV0")
    ref = f"INC-{number}"
    published = cli("status", "publish", ref, "--name", "API down", "--component", "api")
    assert published.exit_code == 0, published.output
    assert f"published {ref}" in published.output
    assert [i["name"] for i in client.get("/status/api/v2/incidents.json").json()["incidents"]] == [
        "API down"
    ]
    unpublished = cli("status", "unpublish", ref.lower())
    assert unpublished.exit_code == 0, unpublished.output
    assert client.get("/status/api/v2/incidents.json").json()["incidents"] == []
