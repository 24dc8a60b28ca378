"""Play an incident through the real code on a fake clock, in a throw-away database.

`simulate(doc, scenario)` applies a checked config document to a fresh SQLite database in a
temporary directory, opens the scenario's incident (through intake's routing when alert labels
are given), and lets the real engine worker run every job as the fake clock jumps from one due
time (or responder action) to the next. A recording sender of its own takes every notification:
nothing is sent. What happened is then read back from the incident's timeline and the notify
outbox (`warroom.simulation.playback`).

The playback's worker runs every job, deliveries too, on the calling thread, inside
`senders.sending_through(recorder)`. The process's sender is never replaced: the real engine of
a `warroom serve` that plays a simulation (the config page's "Simulate a ladder") keeps
sending its real pages meanwhile, and simulations on several threads each record their own.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

import warroom.models  # noqa: F401  (every table, so the throw-away schema is complete)
from warroom import wiring
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.config.document import ConfigDocument
from warroom.db import Base, Database
from warroom.engine import service as engine
from warroom.engine.options import EngineOptions
from warroom.engine.worker import Worker
from warroom.errors import Invalid
from warroom.incidents import service as incidents
from warroom.intake import state as intake_state
from warroom.metrics import uncounted
from warroom.notify import senders
from warroom.settings import Settings
from warroom.simulation import checks, playback
from warroom.simulation.schemas import Scenario, SimulationResult

ACTOR = "warroom:simulation"
# A runaway playback (a job that keeps re-queueing itself at once) stops here.
MAX_PASSES = 20_000
# The playback's worker runs every job on the calling thread (no delivery pool).
_OPTIONS = EngineOptions(concurrent_kinds="")


@dataclass
class RecordingSender:
    """Takes every message and says it was delivered; never calls out."""

    sent: list[senders.Outgoing]

    def send(self, message: senders.Outgoing) -> senders.SendResult:
        self.sent.append(message)
        return senders.SendResult(True, "simulated: recorded, not sent")


@dataclass
class _Play:
    db: Database
    clock: FakeClock
    worker: Worker
    scenario: Scenario
    number: int
    route: str | None = None


def load_config(path: Path | str) -> tuple[ConfigDocument, list[str]]:
    """Load and check a config directory; returns the document and its problems as lines."""
    wiring.install()  # the config sections must be known before the files are read
    doc, problems = config_service.load_directory(path)
    return doc, problems.lines()


def simulate(doc: ConfigDocument, scenario: Scenario) -> SimulationResult:
    """Play `scenario` against the config `doc`; nothing is written outside a temporary dir."""
    wiring.install()
    checks.check_times(scenario)
    start = scenario.start
    if start.tzinfo is None:
        raise Invalid("the start time needs a time zone", field="start")
    # The moment it means, as its zone shows that moment: a wall time the clocks skip (01:30
    # on a spring-forward night) is shown as the local time it falls on (02:30), as every row.
    scenario = scenario.model_copy(update={"start": start.astimezone(UTC).astimezone(start.tzinfo)})
    with (
        uncounted(),  # its alerts and deliveries are not the process's: /metrics never sees them
        senders.sending_through(RecordingSender([])),
        tempfile.TemporaryDirectory(prefix="warroom-simulate-") as tmp,
    ):
        return _run(doc, scenario, Path(tmp))


def _run(doc: ConfigDocument, scenario: Scenario, tmp: Path) -> SimulationResult:
    db = Database(f"sqlite:///{tmp}/simulation.db")
    try:
        Base.metadata.create_all(db.engine)
        settings = Settings(database_url=db.url, secret_key="simulation", data_dir=tmp)
        clock = FakeClock(scenario.start.astimezone(UTC))
        with db.session() as session:
            config_service.apply_document(session, clock, doc, actor=ACTOR)
            _quiet(session, clock)
        # No pooled kinds: deliveries run on this thread, the one that records them.
        worker = Worker(db, clock, settings, "simulation", options=_OPTIONS)
        play = _Play(db, clock, worker, scenario, 0)
        with db.session() as session:
            checks.check_scenario(session, scenario)
            play.number, play.route = _open(session, clock, scenario)
        _play(play)
        with db.session() as session:
            return playback.result(session, clock, scenario, play.number, play.route)
    finally:
        # The process keeps serving: nothing of this throw-away database stays cached.
        config_service.forget_database(db.engine)
        intake_state.forget_database(db.engine)
        db.dispose()


def _quiet(session: Session, clock: FakeClock) -> None:
    """Cancel what applying the config queued (heartbeat checks, hand-off notices): the
    playback shows only the incident."""
    for kind in {job.kind for job in engine.list_jobs(session, state="pending", limit=1000)}:
        engine.cancel(session, kind_prefix=kind, clock=clock)


def _open(session: Session, clock: FakeClock, scenario: Scenario) -> tuple[int, str | None]:
    """Open the incident: by hand (severity, service) or as an alert through intake's routing."""
    if not scenario.labels:
        assert scenario.severity is not None  # checked: a severity or labels
        incident = incidents.open_incident(
            session,
            clock,
            actor=ACTOR,
            title=scenario.title,
            severity=scenario.severity,
            services=[scenario.service] if scenario.service else [],
        )
        session.flush()
        return incident.number, None
    return _open_from_alert(session, clock, scenario)


def _open_from_alert(
    session: Session, clock: FakeClock, scenario: Scenario
) -> tuple[int, str | None]:
    from warroom.intake import generic, state
    from warroom.intake import service as intake

    labels = dict(scenario.labels)
    if scenario.service and "service" not in labels:
        labels["service"] = scenario.service
    body: dict[str, Any] = {"title": scenario.title, "labels": labels}
    if scenario.severity:
        body["severity"] = scenario.severity
    cfg = state.current(session)
    integration = scenario.integration or "api"
    route = intake.explain_route(session, clock, cfg, labels, integration)
    result = intake.ingest(session, clock, cfg, integration, generic.parse(body))
    if not result.incidents:
        why = route.get("suppressed_by") or "its route does not open incidents"
        raise Invalid(f"an alert with these labels opens no incident: {why}", field="labels")
    session.flush()
    return result.incidents[0], route.get("route")


def _actions(scenario: Scenario) -> list[tuple[datetime, str]]:
    start = scenario.start.astimezone(UTC)
    planned = [
        (scenario.ack_after, "ack"),
        (scenario.mitigate_after, "mitigate"),
        (scenario.resolve_after, "resolve"),
    ]
    return sorted((start + after, verb) for after, verb in planned if after is not None)


def _play(play: _Play) -> None:
    """Jump the clock from one due job or action to the next and run what is due."""
    end = play.scenario.start.astimezone(UTC) + timedelta(hours=play.scenario.hours)
    actions = _actions(play.scenario)
    play.worker.run_once()
    for _ in range(MAX_PASSES):
        with play.db.session() as session:
            due = engine.next_due(session)
        moments = [t for t in (due, actions[0][0] if actions else None) if t is not None]
        if not moments or min(moments) > end:
            break
        play.clock.set(max(min(moments), play.clock.now()))
        while actions and actions[0][0] <= play.clock.now():
            _act(play, actions.pop(0)[1])
        play.worker.run_once()
    play.clock.set(max(end, play.clock.now()))


def _act(play: _Play, verb: str) -> None:
    with play.db.session() as session:
        incident = incidents.get_incident(session, play.number)
        actor = play.scenario.ack_by or playback.first_paged(session, incident.id) or ACTOR
        if verb == "ack":
            incidents.acknowledge(session, play.clock, incident, actor=actor)
        elif verb == "mitigate":
            incidents.mitigate(session, play.clock, incident, actor=actor)
        else:
            incidents.resolve(session, play.clock, incident, actor=actor)
