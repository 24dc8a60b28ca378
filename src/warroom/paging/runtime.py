"""Escalation at runtime: reactions to incident events and the timers they schedule.

When an incident opens, its service's escalation policy is snapshotted and level 1 is queued
at once; each level's job queues the next. The severity's unresolved ladder gets one timer per
rung. Every timer carries the generation it was planned under; acknowledging, resolving,
reopening or changing severity bumps the generation (and cancels pending timers), so a timer
that still fires finds a newer generation and does nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.catalog.models import Severity
from warroom.clock import Clock
from warroom.engine import service as engine
from warroom.events import DomainEvent, Handler
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.paging import targeting
from warroom.paging.escalation import Policy, Step, ladder, next_step, pending_rungs
from warroom.paging.models import EscalationPolicy, IncidentEscalation
from warroom.paging.pager import ACTOR, PageRequest, page
from warroom.settings import Settings

ESCALATE_KIND = "paging.escalate"
UNRESOLVED_KIND = "paging.unresolved"


def state_of(
    session: Session, incident_id: int, *, lock: bool = False
) -> IncidentEscalation | None:
    query = select(IncidentEscalation).where(IncidentEscalation.incident_id == incident_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)


def policy_for(session: Session, incident: Incident) -> EscalationPolicy | None:
    """The escalation policy of the incident's first service that names one, else the default."""
    return targeting.policy_for(session, incident)


def _severity(session: Session, key: str) -> Severity | None:
    return session.scalar(select(Severity).where(Severity.key == key))


def on_opened(session: Session, clock: Clock, event: DomainEvent) -> None:
    """Snapshot the policy, queue level 1 now and the unresolved ladder's timers."""
    if event.incident_id is None or state_of(session, event.incident_id) is not None:
        return
    incident = incidents.get_incident_by_id(session, event.incident_id)
    severity = _severity(session, incident.severity)
    row = policy_for(session, incident)
    pages = severity is None or severity.page
    snapshot = (
        Policy.from_snapshot({"key": row.key, "repeat": row.repeat, "levels": row.levels})
        if row is not None and pages
        else None
    )
    now = clock.now()
    state = IncidentEscalation(
        incident_id=incident.id,
        policy_key=snapshot.key if snapshot else None,
        policy=snapshot.snapshot() if snapshot else {},
        state="escalating" if snapshot and snapshot.levels else "idle",
        started_at=now,
        updated_at=now,
    )
    session.add(state)
    session.flush()
    if snapshot and snapshot.levels:
        _queue_level(session, clock, state, Step(0, 0, 0, snapshot.levels[0].targets))
    _plan_ladder(session, clock, incident, state, base=incident.opened_at)
    targeting.check_paged(session, clock, incident, snapshot, pages)
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="paging:escalation:planned",
        actor=ACTOR,
        payload={
            "policy": state.policy_key,
            "levels": len(snapshot.levels) if snapshot else 0,
            "unresolved_ladder": state.ladder,
        },
    )


def _queue_level(session: Session, clock: Clock, state: IncidentEscalation, step: Step) -> None:
    run_at = max(clock.now(), state.started_at + timedelta(seconds=step.at_s))
    engine.enqueue(
        session,
        clock,
        ESCALATE_KIND,
        {
            "incident_id": state.incident_id,
            "generation": state.generation,
            "level": step.level,
            "round": step.round,
            "at_s": step.at_s,
        },
        run_at=run_at,
        dedup_key=f"{ESCALATE_KIND}:{state.incident_id}:{state.generation}:{step.round}:{step.level}",
        incident_id=state.incident_id,
    )


def _plan_ladder(
    session: Session, clock: Clock, incident: Incident, state: IncidentEscalation, *, base: datetime
) -> None:
    severity = _severity(session, incident.severity)
    rungs_raw = list(severity.unresolved_escalation or []) if severity is not None else []
    if state.ladder_severity != incident.severity:
        state.ladder_fired = []
    state.ladder = rungs_raw
    state.ladder_severity = incident.severity
    elapsed = (clock.now() - base).total_seconds()
    fired = {int(i) for i in state.ladder_fired}
    for rung, delay in pending_rungs(ladder(rungs_raw), elapsed, fired):
        engine.enqueue(
            session,
            clock,
            UNRESOLVED_KIND,
            {"incident_id": incident.id, "generation": state.ladder_generation, "rung": rung.index},
            run_at=clock.now() + timedelta(seconds=delay),
            dedup_key=f"{UNRESOLVED_KIND}:{incident.id}:{state.ladder_generation}:{rung.index}",
            incident_id=incident.id,
        )


def _stop(
    session: Session, clock: Clock, event: DomainEvent, *, ladder_too: bool, why: str
) -> IncidentEscalation | None:
    if event.incident_id is None:
        return None
    state = state_of(session, event.incident_id, lock=True)
    if state is None:
        return None
    state.generation += 1
    engine.cancel(session, incident_id=state.incident_id, kind_prefix=ESCALATE_KIND, clock=clock)
    if ladder_too:
        state.ladder_generation += 1
        engine.cancel(session, incident_id=state.incident_id, kind_prefix="paging.", clock=clock)
    was = state.state
    if was == "escalating" or ladder_too:
        state.state = why
    state.updated_at = clock.now()
    if was == "escalating":
        timeline.record(
            session,
            clock,
            incident_id=state.incident_id,
            kind="paging:escalation:stopped",
            actor=ACTOR,
            payload={"reason": why, "level": state.level + 1, "round": state.round},
        )
    return state


def on_acknowledged(session: Session, clock: Clock, event: DomainEvent) -> None:
    """Acknowledging (or mitigating) stops acknowledgement escalation; the ladder goes on."""
    _stop(session, clock, event, ladder_too=False, why="acknowledged")


def on_resolved(session: Session, clock: Clock, event: DomainEvent) -> None:
    """Resolving or closing stops every page and timer of the incident."""
    _stop(session, clock, event, ladder_too=True, why="resolved")


def on_reopened(session: Session, clock: Clock, event: DomainEvent) -> None:
    """A reopened incident is unresolved again: restart the ladder from now."""
    state = _stop(session, clock, event, ladder_too=True, why="acknowledged")
    if state is None:
        return
    incident = incidents.get_incident_by_id(session, state.incident_id)
    state.ladder_fired = []
    state.ladder_severity = ""
    _plan_ladder(session, clock, incident, state, base=clock.now())


def on_severity(session: Session, clock: Clock, event: DomainEvent) -> None:
    """A new severity brings its own ladder, counted from when the incident became unresolved."""
    if event.incident_id is None:
        return
    state = state_of(session, event.incident_id, lock=True)
    incident = incidents.get_incident_by_id(session, event.incident_id)
    if state is None or incident.status in ("resolved", "closed"):
        return
    state.ladder_generation += 1
    engine.cancel(session, incident_id=incident.id, kind_prefix=UNRESOLVED_KIND, clock=clock)
    base = incident.reopened_at or incident.opened_at
    _plan_ladder(session, clock, incident, state, base=base)
    state.updated_at = clock.now()
    targeting.follow_severity(session, clock, incident, state)


def run_escalation(
    session: Session, clock: Clock, settings: Settings, payload: dict[str, Any]
) -> None:
    """A level is due: page its targets (if still current) and queue the next level."""
    # Lock order: the incident row first (on SQLite: the write lock, before any read), then
    # its escalation state; an acknowledgement takes them in the same order.
    incident = incidents.lock_by_id(session, int(payload["incident_id"]))
    if incident is None or incident.status != "triggered":
        return
    state = state_of(session, incident.id, lock=True)
    if state is None or state.generation != payload["generation"] or state.state != "escalating":
        return
    policy = Policy.from_snapshot(state.policy)
    level, round_ = int(payload["level"]), int(payload["round"])
    step = Step(int(payload["at_s"]), level, round_, policy.levels[level].targets)
    state.level, state.round, state.updated_at = level, round_, clock.now()
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="paging:escalation:triggered",
        actor=ACTOR,
        payload={
            "policy": policy.key,
            "level": level + 1,
            "round": round_,
            "targets": list(step.targets),
        },
    )
    context = (
        f"{incident.ref} needs an acknowledgement: level {level + 1} of escalation policy "
        f"{policy.key!r}" + (f" (repeat {round_})" if round_ else "") + "."
    )
    page(
        session,
        clock,
        settings,
        incident,
        PageRequest(list(step.targets), "escalation", context, state.generation),
    )
    _after_level(session, clock, state, policy, step)


def _after_level(
    session: Session, clock: Clock, state: IncidentEscalation, policy: Policy, step: Step
) -> None:
    following = next_step(policy, step)
    if following is not None:
        _queue_level(session, clock, state, following)
        return
    state.state = "exhausted"
    timeline.record(
        session,
        clock,
        incident_id=state.incident_id,
        kind="paging:escalation:exhausted",
        actor=ACTOR,
        payload={"policy": policy.key, "repeat": policy.repeat},
    )


def run_unresolved(
    session: Session, clock: Clock, settings: Settings, payload: dict[str, Any]
) -> None:
    """A rung of the unresolved ladder is due: page its targets unless resolved meanwhile."""
    incident = incidents.lock_by_id(session, int(payload["incident_id"]))  # lock order
    if incident is None:
        return
    state = state_of(session, incident.id, lock=True)
    if state is None or state.ladder_generation != payload["generation"]:
        return
    rung_index = int(payload["rung"])
    if incident.status in ("resolved", "closed") or rung_index in state.ladder_fired:
        return
    rung = next((r for r in ladder(state.ladder) if r.index == rung_index), None)
    if rung is None:
        return
    state.ladder_fired = [*state.ladder_fired, rung_index]
    minutes = rung.after_s // 60
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="paging:escalation:unresolved",
        actor=ACTOR,
        payload={
            "severity": state.ladder_severity,
            "after_s": rung.after_s,
            "targets": list(rung.targets),
        },
    )
    context = (
        f"{incident.ref} ({incident.severity}) has been unresolved for {minutes} minutes; "
        "you are being escalated to as the severity's process requires."
    )
    page(session, clock, settings, incident, PageRequest(list(rung.targets), "unresolved", context))


# The incident events paging reacts to; the composition root (warroom.wiring) subscribes them.
SUBSCRIPTIONS: tuple[tuple[str, Handler], ...] = (
    ("incident:incident:opened", on_opened),
    ("incident:status:acknowledged", on_acknowledged),
    ("incident:status:mitigated", on_acknowledged),
    ("incident:status:resolved", on_resolved),
    ("incident:status:closed", on_resolved),
    ("incident:status:reopened", on_reopened),
    ("incident:severity:*", on_severity),
)
