"""GET /api/v1/audit/verify?incident= took only a bare number: ?incident=INC-1, as every output
prints it and as the CLI's --incident and every incident path take it, was a 422 'unable to
parse string as an integer'; and an unknown number's 404 named field 'number', which the
route does not have. INC-N is now taken, and the refusals name 'incident'."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.factories import make_incident
from warroom.clock import FakeClock
from warroom.db import Database


def test_the_incident_is_named_as_everywhere_else(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    with db.session() as session:
        make_incident(session, clock)
    for value in ("INC-1", "inc-1", "1"):
        got = client.get(f"/api/v1/audit/verify?incident={value}", headers=admin_headers)
        assert got.status_code == 200, got.text
        assert got.json()["ok"] is True and got.json()["chains"] == 1
    missing = client.get("/api/v1/audit/verify?incident=INC-99", headers=admin_headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["field"] == "incident"
    assert missing.json()["error"]["message"].startswith("no incident INC-99")
    bad = client.get("/api/v1/audit/verify?incident=abc", headers=admin_headers)
    assert bad.status_code == 422
    assert bad.json()["error"]["field"] == "incident"
    assert "is not an incident number such as INC-42 or 42" in bad.json()["error"]["message"]
    everything = client.get("/api/v1/audit/verify", headers=admin_headers)
    assert everything.status_code == 200 and everything.json()["ok"] is True
