"""An Opsgenie note is masked like the rest of the alert before it reaches the timeline.

A create's message, description, details, tags and source have their credentials masked
before anything is stored or shown (docs/intake.md §5), but the `note` (and the `source`, and
the `user`) of a create, close, acknowledge or add note went onto the incident's timeline
(`intake:alert:noted`), which every viewer of the incident reads, as sent: `db password=...`
or a source link with its user's password. They are now masked the same way (and a
secret-named detail's value where the note repeats it). Both databases, through the real API.
"""

from __future__ import annotations

import copy

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.intake.conftest import OG_CREATE, og_headers

SECRETS = ("hunter2secret", "srcpw-77aa", "det-secret-4242", "Zm9vOmJhcjEyMzQ1Njc4")


def test_notes_reach_the_timeline_with_their_credentials_masked(
    client: TestClient, configured: object, make_token: MakeToken
) -> None:
    viewer = {"Authorization": f"Bearer {make_token('viewer', email='vic@example.com')}"}
    body = copy.deepcopy(OG_CREATE)
    body["details"] = {**body["details"], "db_password": "det-secret-4242"}
    body["note"] = "failing over; db password=hunter2secret, det-secret-4242 rotated"
    body["user"] = "ops Authorization: Basic Zm9vOmJhcjEyMzQ1Njc4"
    body["source"] = "https://admin:srcpw-77aa@alertmanager.example.com/#/alerts"
    created = client.post("/v2/alerts", json=body, headers=og_headers())
    assert created.status_code == 202, created.text
    alias = body["alias"]
    note = {"note": "still lagging, token=hunter2secret", "user": "ops", "source": body["source"]}
    noted = client.post(f"/v2/alerts/{alias}/notes?identifierType=alias", json=note,
                        headers=og_headers())  # fmt: skip
    assert noted.status_code == 202, noted.text

    incidents = client.get("/api/v1/incidents", headers=viewer).json()["items"]
    (incident,) = [i for i in incidents if i["source"] == "opsgenie"]
    answer = client.get(f"/api/v1/incidents/{incident['number']}/timeline", headers=viewer)
    assert answer.status_code == 200, answer.text
    events = [e for e in answer.json()["items"] if e["kind"] == "intake:alert:noted"]
    assert [e["payload"]["action"] for e in events] == ["Create", "AddNote"]
    for secret in SECRETS:
        assert secret not in answer.text, secret
    first, second = (e["payload"] for e in events)
    assert first["note"] == "failing over; db password=***, *** rotated"
    assert first["source"] == "https://admin:***@alertmanager.example.com/#/alerts"
    assert second["note"] == "still lagging, token=***"
