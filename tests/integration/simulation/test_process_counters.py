"""A simulation moves none of the process's /metrics counters: played inside `warroom serve`
(the config page's "Simulate a ladder"), its synthetic alert, its recorded (never sent)
notifications, a ladder that pages nobody and a postmortem left overdue are not counted as the
real ones are; a real delivery on another thread while it plays still is."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from prometheus_client import REGISTRY

from warroom import wiring
from warroom.config import service as config_service
from warroom.metrics import NOTIFICATION_ATTEMPTS
from warroom.simulation import service as simulation
from warroom.simulation.schemas import Scenario

START = datetime(2026, 3, 10, 3, tzinfo=UTC)
BARE = "severities:\n  - {key: P1, name: High}\n"


def _counters() -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in REGISTRY.collect()
        if family.name.startswith("warroom_")
        for s in family.samples
        if s.name.endswith("_total")
    }


def test_a_simulation_moves_no_process_counter() -> None:
    wiring.install()
    doc, problems = config_service.load_directory("examples/atlas")
    assert not problems.lines(), problems.lines()
    before = _counters()
    # An alert through intake, pages by e-mail and chat, resolved, its postmortem (due in
    # 48 h) left overdue within the window.
    played = simulation.simulate(doc, Scenario(
        labels={"alertname": "ProofValidationDown", "severity": "critical"}, start=START,
        resolve_after=timedelta(hours=1), hours=60,
    ))  # fmt: skip
    assert any(row.kind == "page" for row in played.rows)
    # A paging severity with no escalation policy: nobody paged.
    bare, problems = config_service.load_files({"org.yaml": BARE})
    assert not problems.lines(), problems.lines()
    unpaged = simulation.simulate(bare, Scenario(severity="P1", start=START, hours=1))
    assert [row.kind for row in unpaged.rows] == ["unpaged"], unpaged.rows
    after = _counters()
    assert {k: v - before.get(k, 0) for k, v in after.items() if v != before.get(k, 0)} == {}

    real = threading.Thread(target=NOTIFICATION_ATTEMPTS.labels(scheme="json", result="ok").inc)
    real.start()
    real.join()
    key = ("warroom_notification_attempts_total", (("result", "ok"), ("scheme", "json")))
    assert _counters()[key] == before.get(key, 0) + 1
