"""Escalation at runtime: reactions to incident events and the timers they schedule.

When an incident opens, its service's escalation policy is snapshotted and level 1 is queued
at once; each level's job queues the next. The severity's unresolved ladder gets one timer per
rung. Every timer carries the generation it was planned under; acknowledging, resolving,
reopening or changing severity bumps the generation (and cancels pending timers), so a timer
that still fires finds a newer generation and does nothing.

The escalation state row and the paging of the policy's levels are in `levels.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.catalog import service as catalog
from warroom.catalog.models import Severity
from warroom.clock import Clock
from warroom.engine import service as engine
from warroom.engine.models import Job
from warroom.events import DomainEvent, Handler
from warroom.incidents.models import Incident
from warroom.paging import targeting
from warroom.paging.escalation import Policy, Step, already_paged, ladder, pending_rungs
from warroom.paging.levels import ESCALATE_KIND as ESCALATE_KIND
from warroom.paging.levels import first_level, locked, queue_level, say_deactivated, state_of
from warroom.paging.levels import run_escalation as run_escalation
from warroom.paging.models import EscalationPolicy, IncidentEscalation
from warroom.paging.pager import ACTOR, PageRequest, page
from warroom.settings import Settings

UNRESOLVED_KIND = "paging.unresolved"
PLAN_KIND = "paging.plan"
UNRESOLVED_EVENT = "paging:escalation:unresolved"
# The escalation state of an incident planned after a human already acted on it.
_QUIET = {
    "acknowledged": "acknowledged",
    "mitigated": "acknowledged",
    "resolved": "resolved",
    "closed": "resolved",
}


def policy_for(session: Session, incident: Incident) -> EscalationPolicy | None:
    """The escalation policy of the incident's first service that names one, else the default."""
    return targeting.policy_for(session, incident)


def _severity(session: Session, key: str) -> Severity | None:
    return catalog.severities_by_key(session).get(key)


def _enqueue_plan(session: Session, clock: Clock, event: DomainEvent, reason: str) -> None:
    # Planning runs on the engine, not in the transaction that stores the alert: a paging
    # failure is retried there (and visible as a failing job), never a rejected alert. The
    # job is due at once and the engine wakes on this commit.
    if event.incident_id is None:
        return
    engine.enqueue(
        session,
        clock,
        PLAN_KIND,
        {"incident_id": event.incident_id, "reason": reason},
        dedup_key=f"{PLAN_KIND}:{event.incident_id}:{reason}",
        incident_id=event.incident_id,
        # A new incident has no jobs yet: no look-up in the transaction that stores the alert.
        new_key=reason == "opened",
    )


def on_opened(session: Session, clock: Clock, event: DomainEvent) -> None:
    """Queue the paging plan of a new incident (a `paging.plan` job, due now)."""
    _enqueue_plan(session, clock, event, "opened")


def run_plan(
    session: Session,
    clock: Clock,
    settings: Settings,
    payload: dict[str, Any],
    upcoming: Sequence[Job] = (),
) -> None:
    """The `paging.plan` job: plan a new incident, or follow a reopen or a severity change.

    `upcoming`: the jobs of its shared transaction from this one on (`levels.locked`)."""
    incident, state = locked(session, int(payload["incident_id"]), upcoming)  # lock order
    if incident is None:
        return
    if state is None:
        _plan_new(session, clock, settings, incident)
    elif payload.get("reason") == "reopened":
        _replan_reopened(session, clock, incident, state)
    elif payload.get("reason") == "severity":
        _replan_severity(session, clock, incident, state)


def _plan_new(session: Session, clock: Clock, settings: Settings, incident: Incident) -> None:
    """Snapshot the policy, page level 1 (if still triggered) and plan the unresolved ladder.

    Level 1 is due as the incident opens, so it is paged here, in the planning job's own
    transaction (under the same locks), rather than by a second `paging.escalate` job.
    """
    severity = _severity(session, incident.severity)
    row = policy_for(session, incident)
    pages = severity is None or severity.page
    snapshot = (
        Policy.from_snapshot({"key": row.key, "repeat": row.repeat, "levels": row.levels})
        if row is not None and pages
        else None
    )
    escalates = bool(snapshot and snapshot.levels) and incident.status == "triggered"
    unresolved = incident.status not in ("resolved", "closed")
    # The row is inserted once level 1 is paged (or queued), with what that step sets (level,
    # state): one INSERT rather than an INSERT and UPDATEs. It is new and this transaction
    # holds the incident, so nobody else can be waiting for it meanwhile.
    state = IncidentEscalation(
        incident_id=incident.id,
        policy_key=snapshot.key if snapshot else None,
        policy=targeting.policy_snapshot(snapshot, incident.severity) if snapshot else {},
        generation=1,
        ladder_generation=1,
        ladder_severity="",
        ladder=[],
        ladder_fired=[],
        level=0,
        round=0,
        state="escalating" if escalates else _QUIET.get(incident.status, "idle"),
        # Counted from the opening (or reopening), not from when this job ran.
        started_at=incident.reopened_at or incident.opened_at,
        updated_at=clock.now(),
    )
    if unresolved:  # the ladder's fields go in with the row (_plan_ladder finds them set)
        state.ladder = list(severity.unresolved_escalation or []) if severity is not None else []
        state.ladder_severity, state.ladder_fired = incident.severity, []
    if unresolved:
        _plan_ladder(
            session,
            clock,
            incident,
            state,
            base=incident.reopened_at or incident.opened_at,
            severity=severity,
            new=True,
        )
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
            **({} if pages else {"reason": f"{incident.severity} does not page"}),
        },
    )
    reached = False
    if snapshot and escalates:
        reached = first_level(session, clock, settings, incident, state, snapshot)
    engine.add_later(session, state)  # with the chunk's other new states, as it commits
    if not reached:
        targeting.check_paged(session, clock, incident, snapshot, pages)


def _plan_ladder(
    session: Session,
    clock: Clock,
    incident: Incident,
    state: IncidentEscalation,
    *,
    base: datetime,
    severity: Severity | None = None,
    new: bool = False,
) -> None:
    """Queue the rungs of the ladder still to come. `new`: the incident's first plan (it had no
    escalation state), so no timer of it can be pending: queued without a look-up each, and
    inserted with the transaction's other jobs."""
    severity = severity or _severity(session, incident.severity)
    rungs_raw = list(severity.unresolved_escalation or []) if severity is not None else []
    if state.ladder_severity != incident.severity:
        state.ladder_fired = _already_paged(session, incident, rungs_raw, since=base)
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
            new_key=new,
        )


def _already_paged(
    session: Session, incident: Incident, rungs_raw: list[Any], *, since: datetime
) -> list[int]:
    """The rungs of a new ladder that already paged since the incident became unresolved.

    Read from the timeline (`paging:escalation:unresolved`, whatever severity the rung fired
    under), so lowering and raising the severity back does not page a fired rung again.
    """
    events = timeline.events_since(session, incident_id=incident.id, kinds=[UNRESOLVED_EVENT])
    paged = [
        (int(e.payload["after_s"]), list(e.payload["targets"]))
        for e in events
        if e.occurred_at >= since
    ]
    return already_paged(ladder(rungs_raw), paged)


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
    """A reopened incident is unresolved again: stop old timers now, restart the ladder on the
    engine (`paging.plan`)."""
    _stop(session, clock, event, ladder_too=True, why="acknowledged")
    _enqueue_plan(session, clock, event, "reopened")


def _replan_reopened(
    session: Session, clock: Clock, incident: Incident, state: IncidentEscalation
) -> None:
    if incident.status in ("resolved", "closed"):
        return
    state.ladder_fired = []
    state.ladder_severity = ""
    _plan_ladder(session, clock, incident, state, base=incident.reopened_at or clock.now())
    policy = Policy.from_snapshot(state.policy) if state.policy_key else None
    if incident.status == "triggered" and policy is not None and policy.levels:
        # Reopened by an alert that fired again (intake's refire): nobody works it, so it
        # pages from level 1 as a new incident would, counted from the reopening.
        state.state, state.level, state.round = "escalating", 0, 0
        state.started_at = incident.reopened_at or clock.now()
        queue_level(session, clock, state, Step(0, 0, 0, policy.levels[0].targets))


def on_severity(session: Session, clock: Clock, event: DomainEvent) -> None:
    """A new severity brings its own ladder: planned on the engine (`paging.plan`)."""
    _enqueue_plan(session, clock, event, "severity")


def _replan_severity(
    session: Session, clock: Clock, incident: Incident, state: IncidentEscalation
) -> None:
    """The ladder of the current severity, counted from when the incident became unresolved."""
    if incident.status in ("resolved", "closed"):
        return
    state.ladder_generation += 1
    engine.cancel(session, incident_id=incident.id, kind_prefix=UNRESOLVED_KIND, clock=clock)
    base = incident.reopened_at or incident.opened_at
    previous = state.ladder_severity
    _plan_ladder(session, clock, incident, state, base=base)
    state.updated_at = clock.now()
    targeting.follow_severity(session, clock, incident, state, previous)


def run_unresolved(
    session: Session,
    clock: Clock,
    settings: Settings,
    payload: dict[str, Any],
    upcoming: Sequence[Job] = (),
) -> None:
    """A rung of the unresolved ladder is due: page its targets unless resolved meanwhile."""
    incident, state = locked(session, int(payload["incident_id"]), upcoming)  # lock order
    if incident is None:
        return
    if state is None or state.ladder_generation != payload["generation"]:
        return
    rung_index = int(payload["rung"])
    if incident.status in ("resolved", "closed") or rung_index in state.ladder_fired:
        return
    rung = next((r for r in ladder(state.ladder) if r.index == rung_index), None)
    if rung is None:
        return
    state.ladder_fired = [*state.ladder_fired, rung_index]
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind=UNRESOLVED_EVENT,
        actor=ACTOR,
        payload={
            "severity": state.ladder_severity,
            "after_s": rung.after_s,
            "targets": list(rung.targets),
        },
    )
    where = {"severity": state.ladder_severity, "after_s": rung.after_s}
    say_deactivated(session, clock, incident, list(rung.targets), where)
    request = PageRequest(
        list(rung.targets),
        "unresolved",
        unresolved_context(incident, rung.after_s),
        key=f"rung:{state.ladder_generation}:{rung_index}",
    )
    page(session, clock, settings, incident, request)


def unresolved_context(incident: Incident, after_s: int) -> str:
    """The first paragraph of a ladder page; a rung at 0s pages as the incident opens."""
    if after_s <= 0:
        return (
            f"{incident.ref} ({incident.severity}) has opened; the severity's process pages "
            "you at once."
        )
    minutes = after_s // 60
    span = f"{minutes} minute{'s' if minutes != 1 else ''}" if minutes else f"{after_s} seconds"
    return (
        f"{incident.ref} ({incident.severity}) has been unresolved for {span}; "
        "you are being escalated to as the severity's process requires."
    )


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
