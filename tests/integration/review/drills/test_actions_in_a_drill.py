"""A mitigation run during a drill never reaches production: an http action requested on a
drill incident is its dry run (the request shown, nothing sent), while the same action on a
real incident is sent."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.factories import seed_catalog
from tests.integration.actions.conftest import apply_config, request
from tests.integration.actions.test_actions_http_json import NOTE_ACTION
from tests.integration.notify.receivers import http_receiver
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings


def test_an_action_in_a_drill_is_a_dry_run(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    make_token: MakeToken,
    tmp_path: Path,
) -> None:
    alice = {"Authorization": f"Bearer {make_token('responder', email='alice@example.com')}"}
    with http_receiver() as exchange:
        apply_config(db, clock, tmp_path / "config", NOTE_ACTION.format(host=exchange.url))
        with db.session() as session:
            seed_catalog(session)
        numbers = {}
        for drill in (True, False):
            body = {"title": "Exchange trouble", "severity": "SEV2", "drill": drill}
            opened = client.post("/api/v1/incidents", json=body, headers=alice)
            assert opened.status_code == 201, opened.text
            numbers[drill] = opened.json()["number"]

        rehearsed = request(client, alice, numbers[True], "post-note", note="rehearsal")
        assert rehearsed.status_code == 202, rehearsed.text
        assert rehearsed.json()["dry_run"] is True and rehearsed.json()["state"] == "previewed"
        Worker(db, clock, settings, "test").run_once()
        assert exchange.requests == []

        real = request(client, alice, numbers[False], "post-note", note="for real")
        assert real.status_code == 202 and real.json()["dry_run"] is False
        Worker(db, clock, settings, "test").run_once()
        assert len(exchange.requests) == 1
