"""Drills: open a practice incident (marked DRILL everywhere), page who takes part, and play
its scenario's synthetic alerts through the real intake path on the engine, on schedule."""

from __future__ import annotations

import dataclasses
import secrets
from collections.abc import Collection
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.clock import Clock
from warroom.engine import service as engine
from warroom.errors import Invalid, NotFound
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.intake import service as intake
from warroom.intake import state as intake_state
from warroom.intake.models import FIRING, RESOLVED
from warroom.intake.schemas import Batch, NormalisedAlert
from warroom.paging.channels import resolve_channels
from warroom.paging.pager import PageRequest, page
from warroom.paging.people import resolve_targets
from warroom.review.drills.models import Drill
from warroom.review.drills.scenario import Scenario, stored
from warroom.settings import Settings

STEP_KIND = "review.drill.step"
INTEGRATION = "drill"  # the intake integration name of every synthetic alert
ACTOR = "warroom:drills"
CLOSED = ("resolved", "closed")
# Set on the session while `start_drill` opens its incident: the opened-drill reaction stands by.
_STARTING = "warroom.review.drills.starting"


def start_drill(
    session: Session,
    clock: Clock,
    settings: Settings,
    *,
    severity: str,
    actor: str,
    service: str | None = None,
    title: str = "",
    participants: list[str] | None = None,
    scenario: Scenario | None = None,
    schedule: str = "",
    occurrence: str | None = None,
    strict: bool = True,
) -> Drill:
    """Open a drill incident, page its participants and plan its scenario's steps.

    `strict`: participants who mean nobody are refused (a person starting a drill); a
    scheduled start goes ahead and the timeline says nobody was paged."""
    people = list(dict.fromkeys(participants or []))
    if strict and people and not _reachable(session, clock, people):
        raise Invalid(f"nobody to page for {', '.join(people)}", field="participants")
    key = f"drill:{secrets.token_hex(8)}"
    title = title.strip() or (scenario.title if scenario else "") or f"{severity} drill"
    session.info[_STARTING] = True  # this drill's row is written below, not by the reaction
    try:
        incident = incidents.open_incident(
            session,
            clock,
            actor=actor,
            title=title,
            severity=severity,
            services=[service] if service else [],
            drill=True,
            source="drill",
            dedup_group=key,
            summary="A practice incident: respond as to a real one. Nothing is public.",
        )
    finally:
        session.info.pop(_STARTING, None)
    drill = Drill(
        key=key,
        incident_id=incident.id,
        schedule=schedule,
        occurrence=occurrence,
        severity=severity,
        service=service,
        participants=people,
        scenario=stored(scenario) if scenario else {},
        steps_done=[],
        started_at=clock.now(),
        started_by=actor,
    )
    _record_started(session, clock, drill, actor)
    if people:
        context = f"Drill {incident.ref}: you take part in this practice incident."
        request = PageRequest(people, "manual", context, key="drill", actor=actor)
        page(session, clock, settings, incident, request)
    _plan_steps(session, clock, drill, incident.id)
    return drill


def _record_started(session: Session, clock: Clock, drill: Drill, actor: str) -> None:
    session.add(drill)
    session.flush()
    timeline.record(
        session,
        clock,
        incident_id=drill.incident_id,
        kind="review:drill:started",
        actor=actor,
        payload={
            "drill_id": drill.id,
            "schedule": drill.schedule or None,
            "participants": list(drill.participants),
            "steps": len(drill.scenario.get("steps", [])),
        },
    )


def record_opened(
    session: Session,
    clock: Clock,
    incident_id: int,
    *,
    severity: str,
    service: str | None,
    actor: str,
) -> Drill | None:
    """A drill incident opened another way (`warroom incident open --drill`, the API's
    `drill: true`) is a drill as if started by hand: its row (no participants, no scenario) and
    `review:drill:started`, so it is listed and reported with the others. Once per incident;
    nothing for the incident `start_drill` is opening (it writes its own)."""
    if session.info.get(_STARTING):
        return None
    if session.scalar(select(Drill.id).where(Drill.incident_id == incident_id)) is not None:
        return None
    drill = Drill(
        key=f"drill:{secrets.token_hex(8)}",
        incident_id=incident_id,
        schedule="",
        occurrence=None,
        severity=severity,
        service=service,
        participants=[],
        scenario={},
        steps_done=[],
        started_at=clock.now(),
        started_by=actor,
    )
    _record_started(session, clock, drill, actor)
    return drill


def _plan_steps(session: Session, clock: Clock, drill: Drill, incident_id: int) -> None:
    """One engine job per distinct offset; each plays whatever steps are due when it runs."""
    for at_s in sorted({int(s["at_s"]) for s in drill.scenario.get("steps", [])}):
        engine.enqueue(
            session,
            clock,
            STEP_KIND,
            {"drill_id": drill.id},
            run_at=drill.started_at + timedelta(seconds=at_s),
            dedup_key=f"{STEP_KIND}:{drill.id}:{at_s}",
            incident_id=incident_id,
        )


def _reachable(session: Session, clock: Clock, targets: list[str]) -> bool:
    return bool(
        resolve_targets(session, targets, clock.now()) or resolve_channels(session, targets)
    )


def get_drill(session: Session, drill_id: int) -> Drill:
    """The drill with this id, or NotFound."""
    drill = session.get(Drill, drill_id)
    if drill is None:
        raise NotFound(f"no drill {drill_id}", field="id")
    return drill


def list_drills(
    session: Session, limit: int = 100, hidden: Collection[int] = frozenset()
) -> list[tuple[Drill, Incident]]:
    """Drills newest first, each with its incident; `hidden` (private incidents the reader is
    no member of) are left out."""
    query = (
        select(Drill, Incident)
        .join(Incident, Incident.id == Drill.incident_id)
        .order_by(Drill.id.desc())
        .limit(max(1, min(limit, 1000)))
    )
    if hidden:
        query = query.where(Incident.id.not_in(hidden))
    return [(d, i) for d, i in session.execute(query).all()]


def started_for(session: Session, occurrence: str) -> Drill | None:
    """The drill a schedule started for this due time, if any."""
    return session.scalar(select(Drill).where(Drill.occurrence == occurrence))


def play_due_steps(session: Session, clock: Clock, drill_id: int) -> int:
    """Play every scenario step that is due and not yet played, in file order; how many."""
    drill = get_drill(session, drill_id)
    incident = incidents.get_incident_by_id(session, drill.incident_id)
    steps: list[dict[str, Any]] = list(drill.scenario.get("steps", []))
    done = {int(n) for n in drill.steps_done}
    elapsed = (clock.now() - drill.started_at).total_seconds()
    due = [n for n, s in enumerate(steps) if n not in done and int(s["at_s"]) <= elapsed]
    if not due:
        return 0
    play = due
    if incident.status in CLOSED:
        # The responders ended the drill early: nothing fires any more, but an alert the drill
        # fired still resolves when its step comes, so none stays firing in the alert list.
        play = [n for n in due if _resolves_firing(session, drill, steps[n])]
        skipped = [n for n in due if n not in play]
        if skipped:
            timeline.record(
                session,
                clock,
                incident_id=incident.id,
                kind="review:drill:skipped",
                actor=ACTOR,
                payload={
                    "drill_id": drill.id,
                    "steps": skipped,
                    "why": f"{incident.ref} is {incident.status}",
                },
            )
    if play:
        cfg = intake_state.current(session)
        for n in play:
            _play(session, clock, cfg, drill, incident, n, steps[n])
    drill.steps_done = sorted(done | set(due))
    session.flush()
    return len(due)


def _fingerprint(drill: Drill, name: str) -> str:
    return f"{drill.key}:{name}"


def _resolves_firing(session: Session, drill: Drill, step: dict[str, Any]) -> bool:
    """Whether the step resolves an alert of the drill that is still open (fired, unresolved)."""
    name = step["resolve"]
    if name is None:
        return False
    found = intake.list_alerts(
        session,
        status="open",
        integration=INTEGRATION,
        fingerprint=_fingerprint(drill, str(name)),
        limit=1,
    )
    return bool(found)


def _play(
    session: Session,
    clock: Clock,
    cfg: intake_state.IntakeConfig,
    drill: Drill,
    incident: Incident,
    n: int,
    step: dict[str, Any],
) -> None:
    """One step: its synthetic alert fires or resolves through intake, joining the drill."""
    name = str(step["fire"] or step["resolve"])
    firing = step["fire"] is not None
    labels = {**step["labels"], "drill": incident.ref}
    labels.setdefault("alertname", name)
    if drill.service:
        labels.setdefault("service", drill.service)
    alert = NormalisedAlert(
        fingerprint=_fingerprint(drill, name),
        status=FIRING if firing else RESOLVED,
        labels=labels,
        annotations=dict(step["annotations"]),
        summary=f"DRILL: {step['summary'] or name}",
        severity_hint=drill.severity,
    )
    batch = Batch(source=INTEGRATION, alerts=[alert], drill=drill.key)
    # A scripted Watchdog alert pings no heartbeat: a rehearsal must not keep a dead
    # Alertmanager looking alive.
    rehearsal = dataclasses.replace(cfg, watchdogs={})
    result = intake.ingest(session, clock, rehearsal, INTEGRATION, batch)
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="review:drill:fired" if firing else "review:drill:resolved",
        actor=ACTOR,
        payload={"drill_id": drill.id, "step": n, "alert": name, "alert_ids": result.alert_ids},
    )
