"""A simulation plays in the same process as the real engine (`warroom serve`, the config
page's "Simulate a ladder"): its recording sender must take only its own notifications. A
real page due while a simulation plays leaves for real, and the simulation sees the same."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from tests.integration.notify.receivers import http_receiver
from tests.integration.paging.world import ORG
from warroom import wiring
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.notify import senders
from warroom.notify import service as notify
from warroom.notify.models import SENT, Message
from warroom.settings import Settings
from warroom.simulation import service as simulation
from warroom.simulation.schemas import Scenario, SimulationResult

SCENARIO = Scenario(start=datetime(2026, 1, 1, 12, tzinfo=UTC), severity="P0", service="api")
WAIT_S = 30  # a bound on waiting for the other thread, never an ordering


@pytest.fixture(autouse=True)
def real_sender() -> Iterator[None]:
    senders.set_sender(None)  # the process's real senders
    yield
    senders.set_sender(None)


def _play() -> SimulationResult:
    wiring.install()
    doc, problems = config_service.load_files({"org.yaml": ORG})
    assert not problems.lines(), problems.lines()
    return simulation.simulate(doc, SCENARIO)


def test_a_real_page_leaves_while_a_simulation_plays(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alone = _play()
    assert any(row.kind == "page" for row in alone.rows)
    # The simulation's first notification holds its playback until the real page is out.
    recording, real_page_done = threading.Event(), threading.Event()
    record = simulation.RecordingSender.send

    def held(self: simulation.RecordingSender, message: senders.Outgoing) -> senders.SendResult:
        if not recording.is_set():
            recording.set()
            real_page_done.wait(WAIT_S)
        return record(self, message)

    monkeypatch.setattr(simulation.RecordingSender, "send", held)
    played: list[SimulationResult] = []
    player = threading.Thread(target=lambda: played.append(_play()))
    with http_receiver() as receiver:
        player.start()
        try:
            assert recording.wait(WAIT_S), "the simulation never sent"
            with db.session() as session:
                message_id = notify.queue_message(
                    session,
                    clock,
                    url=f"json://{receiver.url}/page",
                    title="REAL PAGE",
                    body="checkout is down",
                    incident_id=None,
                    user_id=None,
                    idempotency_key="real:1",
                    purpose="page",
                ).id
            Worker(db, clock, settings, "real").run_once()
        finally:
            real_page_done.set()
            player.join(WAIT_S)
        [request] = receiver.to("/page")
    assert b"REAL PAGE" in request.body
    with db.session() as session:
        message = session.get(Message, message_id)
        assert message is not None
        assert message.state == SENT
        assert "simulated" not in (message.provider_answer or "")
    assert played == [alone]  # the simulation saw what it sees alone
