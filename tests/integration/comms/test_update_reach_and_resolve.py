"""An update says whom it reached (and warns when nobody); a `resolved` update resolves."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.integration.comms.org import apply, org
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents

HOOK = "127.0.0.1:9"


def _open(db: Database, clock: FakeClock, severity: str, services: list[str]) -> int:
    with db.session() as session:
        return incidents.open_incident(
            session, clock, actor="t", title="Checkout down", severity=severity, services=services
        ).number


def _kinds(db: Database, number: int) -> list[tuple[str, dict[str, Any]]]:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        rows, _ = timeline.timeline_rows(session, incident_id=incident.id, limit=200)
        return [(r.kind, dict(r.payload)) for r in rows]


def test_update_answer_names_the_channels_it_reached(
    db: Database, clock: FakeClock, client: TestClient, responder_headers: dict[str, str]
) -> None:
    apply(db, clock, org(HOOK))
    number = _open(db, clock, "P0", ["api"])
    body = {"state": "identified", "internal": "Bad deploy"}
    answer = client.post(
        f"/api/v1/incidents/{number}/updates", json=body, headers=responder_headers
    )
    assert answer.status_code == 201, answer.text
    assert sorted(answer.json()["reached"]) == ["channel:core-room", "channel:p0-room"]
    assert answer.json()["warning"] is None
    assert "comms:reach:nobody" not in [k for k, _ in _kinds(db, number)]


def test_update_that_reaches_nobody_warns_and_is_on_the_timeline(
    db: Database, clock: FakeClock, client: TestClient, responder_headers: dict[str, str], cli: Any
) -> None:
    apply(db, clock, org(HOOK))
    number = _open(db, clock, "P2", ["web"])  # no severity channel, a service without team
    body = {"state": "identified", "internal": "Bad deploy"}
    answer = client.post(
        f"/api/v1/incidents/{number}/updates", json=body, headers=responder_headers
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["reached"] == []
    assert "reached nobody" in answer.json()["warning"]
    unreached = [p for k, p in _kinds(db, number) if k == "comms:reach:nobody"]
    assert unreached and unreached[0]["update_id"] == answer.json()["id"]
    listed = client.get(f"/api/v1/incidents/{number}/updates", headers=responder_headers).json()
    assert "reached nobody" in listed["updates"][0]["warning"]
    result = cli("update", str(number), "--state", "monitoring", "--internal", "Watching")
    assert result.exit_code == 0, result.output
    assert "reached 0 channel(s)/people: nobody" in result.output
    assert "WARNING: this internal update reached nobody" in result.output


def test_resolved_update_resolves_the_incident_and_plans_no_next_update(
    db: Database, clock: FakeClock, cli: Any, client: TestClient, admin_headers: dict[str, str]
) -> None:
    apply(db, clock, org(HOOK))
    number = _open(db, clock, "P0", ["api"])
    result = cli("update", str(number), "--state", "resolved", "--internal", "Rolled back",
                 "--public", "The issue is fixed.", "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    listed = client.get(f"/api/v1/incidents/{number}/updates", headers=admin_headers).json()
    assert listed["updates"][0]["next_update_at"] is None
    assert all(c["due_at"] is None for c in listed["cadence"])
    incident = client.get(f"/api/v1/incidents/{number}", headers=admin_headers).json()
    assert incident["status"] == "resolved"
    # The guard of active mitigations sees a person's resolve (force false unless asked).
    resolved = [p for k, p in _kinds(db, number) if k == "incident:status:resolved"]
    assert resolved and resolved[0]["force"] is False


def test_cli_says_no_next_update_after_a_resolved_one(
    db: Database, clock: FakeClock, cli: Any
) -> None:
    apply(db, clock, org(HOOK))
    number = _open(db, clock, "P0", ["api"])
    result = cli("update", str(number), "--state", "resolved", "--internal", "Rolled back")
    assert result.exit_code == 0, result.output
    assert "incident resolved; no next update planned" in result.output
    assert "next update due" not in result.output


def test_public_text_of_an_incident_not_on_the_status_page_draws_a_note(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str], cli: Any
) -> None:
    """Public text is kept for an incident nobody published: the answer says that no reader
    sees it yet and how to publish; once published, public text draws no note."""
    apply(db, clock, org(HOOK))
    number = _open(db, clock, "P0", ["api"])
    path = f"/api/v1/incidents/{number}/updates"
    public = {"state": "identified", "internal": "Bad deploy", "public": "We found the cause."}
    answer = client.post(path, json=public, headers=admin_headers)
    assert answer.status_code == 201, answer.text
    note = answer.json()["public_note"]
    assert note.startswith(f"INC-{number} is not on the public status page")
    assert f"warroom status publish {number} --name" in note
    internal_only = {"state": "identified", "internal": "Rolling back"}
    quiet = client.post(path, json=internal_only, headers=admin_headers)
    assert quiet.json()["public_note"] is None
    result = cli("update", str(number), "--state", "monitoring", "--internal", "Watching",
                 "--public", "A fix is rolling out.")  # fmt: skip
    assert result.exit_code == 0, result.output
    assert f"NOTE: INC-{number} is not on the public status page" in result.output

    published = {"number": number, "name": "Checkout errors", "components": []}
    assert client.post("/api/v1/status/incidents", json=published,
                       headers=admin_headers).status_code == 201  # fmt: skip
    assert client.post(path, json=public, headers=admin_headers).json()["public_note"] is None
    shown = client.get("/status/api/v2/incidents/unresolved.json").json()["incidents"]
    bodies = [u["body"] for u in shown[0]["incident_updates"]]
    assert any("We found the cause." in body for body in bodies)  # kept, and shown from now
