"""A private incident pages its service's on-call like any other; the person who answers the
page (its Acknowledge link) could then not read the incident they had just taken on: refused on
the API and the web page, since only members may. Answering a private incident's page makes
the person a member (`on_call_engineer`); nobody else gains anything."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.paging.world import apply, sender  # noqa: F401  (the sender fixture)
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.notify import senders
from warroom.settings import Settings


def test_answering_a_private_incidents_page_lets_the_on_call_read_it(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    make_token: MakeToken,
    sender: senders.FakeSender,  # noqa: F811
) -> None:
    apply(db, clock)
    lead = {"Authorization": f"Bearer {make_token('responder', email='sec@atlas.test')}"}
    body = {"title": "Signing keys leaked", "severity": "P0", "services": ["api"], "private": True}
    answer = client.post("/api/v1/incidents", json=body, headers=lead)
    assert answer.status_code == 201, answer.text
    number = answer.json()["number"]
    oncall = {"Authorization": f"Bearer {make_token('responder', email='oncall1@atlas.test')}"}
    other = {"Authorization": f"Bearer {make_token('responder', email='oncall2@atlas.test')}"}
    assert client.get(f"/api/v1/incidents/{number}", headers=oncall).status_code == 404

    Worker(db, clock, settings, "private-page").run_once()
    [page] = [m for m in sender.sent if "oncall1-push" in m.url]
    base = settings.public_url.rstrip("/")
    [ack] = re.findall(r"Acknowledge: (https?://\S+)", page.body)
    assert client.post(ack[len(base) :]).status_code == 200

    shown = client.get(f"/api/v1/incidents/{number}", headers=oncall)
    assert shown.status_code == 200, shown.text
    assert shown.json()["status"] == "acknowledged"
    roles = client.get(f"/api/v1/incidents/{number}/roles", headers=oncall).json()
    assert {(r["role"], r["user_email"]) for r in roles} >= {
        ("on_call_engineer", "oncall1@atlas.test")
    }
    assert client.get(f"/api/v1/incidents/{number}", headers=other).status_code == 404
