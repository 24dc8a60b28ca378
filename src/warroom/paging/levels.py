"""Acknowledgement escalation at runtime: the escalation state row of an incident, and its
policy's levels paged one after another (`paging.escalate` jobs), each queueing the next until
someone acknowledges or the policy is exhausted.

The reactions to incident events and the unresolved ladder are in `runtime.py`, which
re-exports what other modules take from it.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.clock import Clock
from warroom.engine import service as engine
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.paging.escalation import Policy, Step, next_step
from warroom.paging.models import IncidentEscalation
from warroom.paging.pager import ACTOR, PageRequest, page
from warroom.settings import Settings

ESCALATE_KIND = "paging.escalate"


def state_of(
    session: Session, incident_id: int, *, lock: bool = False
) -> IncidentEscalation | None:
    query = select(IncidentEscalation).where(IncidentEscalation.incident_id == incident_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)


def first_level(
    session: Session,
    clock: Clock,
    settings: Settings,
    incident: Incident,
    state: IncidentEscalation,
    policy: Policy,
) -> bool:
    """Page level 1 now, or queue it; True when it paged somebody."""
    step = Step(0, 0, 0, policy.levels[0].targets)
    if state.started_at + timedelta(seconds=step.at_s) > clock.now():
        queue_level(session, clock, state, step)
        return False
    return escalate_step(session, clock, settings, incident, state, policy, step)


def queue_level(session: Session, clock: Clock, state: IncidentEscalation, step: Step) -> None:
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
    escalate_step(session, clock, settings, incident, state, policy, step)


def escalate_step(
    session: Session,
    clock: Clock,
    settings: Settings,
    incident: Incident,
    state: IncidentEscalation,
    policy: Policy,
    step: Step,
) -> bool:
    """Page one level of a round and queue what follows; True when it paged somebody."""
    level, round_ = step.level, step.round
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
    request = PageRequest(
        list(step.targets),
        "escalation",
        context,
        state.generation,
        key=f"{state.generation}:{round_}:{level}",
    )
    made = page(session, clock, settings, incident, request)
    _after_level(session, clock, state, policy, step)
    return bool(made)


def _after_level(
    session: Session, clock: Clock, state: IncidentEscalation, policy: Policy, step: Step
) -> None:
    following = next_step(policy, step)
    if following is not None:
        queue_level(session, clock, state, following)
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
