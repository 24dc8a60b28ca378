"""A simulation keeps nothing in the process once it has played: inside `warroom serve` the
config page's "Simulate a ladder" runs again and again, and each throw-away database's
compiled config (the stored document, intake's routes) must not stay cached after it."""

from __future__ import annotations

from datetime import UTC, datetime

from warroom.config import service as config_service
from warroom.intake import state as intake_state
from warroom.simulation import service as simulation
from warroom.simulation.schemas import Scenario

SCENARIO = Scenario(
    labels={"alertname": "ProofValidationDown", "severity": "critical"},
    start=datetime(2026, 3, 10, 3, tzinfo=UTC),
    hours=1,
)


def test_the_caches_hold_nothing_of_a_simulation_after_it() -> None:
    doc, problems = simulation.load_config("examples/atlas")
    assert not problems, problems
    simulation.simulate(doc, SCENARIO)  # whatever the process had cached before, plus nothing
    kept = (len(config_service._cache), len(intake_state._cache))
    for _ in range(3):
        played = simulation.simulate(doc, SCENARIO)
        assert any(row.kind == "page" for row in played.rows)
    assert (len(config_service._cache), len(intake_state._cache)) == kept
