"""`warroom alerts --incident INC-N`: the incident is named by its number or ref, as everywhere
else in the CLI, not by its database id (here the two differ)."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.dialects.sqlite import insert as lite_insert

from tests.integration.intake.conftest import AM_FIRING, am_headers
from warroom.db import Database
from warroom.incidents.models import Counter

FIRST_NUMBER = 41


def _numbers_start_after(db: Database, last: int) -> None:
    """The next incident is number `last + 1`, while its database id starts at 1."""
    with db.session() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(
                text("SELECT setval(pg_get_serial_sequence('incidents', 'number'), :n)"),
                {"n": last},
            )
        else:
            session.execute(lite_insert(Counter).values(name="incident", value=last))


def _fire(client: TestClient, alertname: str, fingerprints: tuple[str, str]) -> int:
    body = copy.deepcopy(AM_FIRING)
    for alert, fp in zip(body["alerts"], fingerprints, strict=True):
        alert["labels"]["alertname"] = alertname
        alert["fingerprint"] = fp
    r = client.post("/api/v1/intake/alertmanager", json=body, headers=am_headers())
    assert r.status_code == 202, r.text
    (number,) = r.json()["incidents"]
    return int(number)


def _fingerprints(result: Any) -> set[str]:
    assert result.exit_code == 0, result.output
    return {row["fingerprint"] for row in json.loads(result.output)}


def test_alerts_of_an_incident_named_by_number_or_ref(
    cli: Callable[..., Any],
    client: TestClient,
    configured: Database,
    admin_headers: dict[str, str],
) -> None:
    _numbers_start_after(configured, FIRST_NUMBER - 1)
    errors = _fire(client, "HighErrorRate", ("aaaa000000000001", "aaaa000000000002"))
    latency = _fire(client, "HighLatency", ("bbbb000000000001", "bbbb000000000002"))
    assert (errors, latency) == (FIRST_NUMBER, FIRST_NUMBER + 1)
    shown = {
        n: client.get(f"/api/v1/incidents/{n}", headers=admin_headers) for n in (errors, latency)
    }
    ids = {n: int(r.json()["id"]) for n, r in shown.items()}
    assert ids[errors] != errors and ids[latency] != latency  # ids and numbers differ

    by_ref = cli("alerts", "--incident", f"INC-{errors}", "--json")
    assert _fingerprints(by_ref) == {"aaaa000000000001", "aaaa000000000002"}
    by_number = cli("alerts", "--incident", str(latency), "--json")
    assert _fingerprints(by_number) == {"bbbb000000000001", "bbbb000000000002"}
    assert f"INC-{latency}" in cli("alerts", "--incident", f"inc-{latency}").output

    # The old option, by database id, still works (hidden, deprecated).
    by_id = cli("alerts", "--incident-id", str(ids[errors]), "--json")
    assert _fingerprints(by_id) == {"aaaa000000000001", "aaaa000000000002"}
    assert "--incident-id" not in cli("alerts", "--help").output


def test_alerts_of_an_unknown_or_malformed_incident(
    cli: Callable[..., Any], client: TestClient, configured: Database
) -> None:
    missing = cli("alerts", "--incident", "INC-999")
    assert missing.exit_code != 0
    assert "999" in missing.output
    malformed = cli("alerts", "--incident", "checkout")
    assert malformed.exit_code == 2
    assert "INC-42 or 42" in malformed.output


def test_notifications_of_an_incident_named_by_number(
    cli: Callable[..., Any],
    client: TestClient,
    configured: Database,
    admin_headers: dict[str, str],
    clock: Any,
) -> None:
    from warroom.notify import service as notify

    _numbers_start_after(configured, FIRST_NUMBER - 1)
    errors = _fire(client, "HighErrorRate", ("cccc000000000001", "cccc000000000002"))
    latency = _fire(client, "HighLatency", ("dddd000000000001", "dddd000000000002"))
    ids = {
        n: int(client.get(f"/api/v1/incidents/{n}", headers=admin_headers).json()["id"])
        for n in (errors, latency)
    }
    with configured.session() as session:
        for number, incident_id in ids.items():
            notify.queue_message(
                session, clock, url="json://127.0.0.1:9/hook", title=f"INC-{number}", body="b",
                incident_id=incident_id, user_id=None, idempotency_key=f"cli-test:{number}",
                purpose="test",
            )  # fmt: skip
        session.commit()
    listed = cli("notifications", "list", "--incident", f"INC-{errors}", "--json")
    assert listed.exit_code == 0, listed.output
    assert {row["incident_id"] for row in json.loads(listed.output)} == {ids[errors]}
    assert cli("notifications", "list", "--incident", "INC-999").exit_code != 0
    old = cli("notifications", "list", "--incident-id", str(ids[latency]), "--json")
    assert {row["incident_id"] for row in json.loads(old.output)} == {ids[latency]}
    assert "--incident-id" not in cli("notifications", "list", "--help").output
