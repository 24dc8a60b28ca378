"""Acknowledgement escalation at runtime: the escalation state row of an incident, and its
policy's levels paged one after another (`paging.escalate` jobs), each queueing the next until
someone acknowledges or the policy is exhausted.

The reactions to incident events and the unresolved ladder are in `runtime.py`, which
re-exports what other modules take from it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session, selectinload

from warroom.audit import service as timeline
from warroom.clock import Clock
from warroom.config.document import Plan, PlanEntry
from warroom.engine import service as engine
from warroom.engine.models import Job
from warroom.incidents import service as incidents
from warroom.incidents.lifecycle import OPEN_STATUSES
from warroom.incidents.models import Incident
from warroom.paging.escalation import Policy, Step, ladder, next_step, parse_target
from warroom.paging.escalation import plan as all_steps
from warroom.paging.models import IncidentEscalation
from warroom.paging.pager import ACTOR, PageRequest, page
from warroom.paging.people import covering_overrides, deactivated_targets
from warroom.settings import Settings

ESCALATE_KIND = "paging.escalate"
# The kinds of object an apply deactivates that a running escalation's snapshot can name.
NAMED_KINDS = ("user", "schedule", "channel")


# Built once: every paging job reads (and locks) its incident's state.
_STATE = select(IncidentEscalation).where(
    IncidentEscalation.incident_id == bindparam("incident_id")
)
_STATE_LOCKED = _STATE.with_for_update().execution_options(populate_existing=True)


def state_of(
    session: Session, incident_id: int, *, lock: bool = False
) -> IncidentEscalation | None:
    return session.scalar(_STATE_LOCKED if lock else _STATE, {"incident_id": incident_id})


# The paging jobs that begin by locking their incident, then its escalation state.
LOCKING_KINDS = frozenset({ESCALATE_KIND, "paging.plan", "paging.unresolved"})
# How many incidents of a shared transaction's next paging jobs are locked together.
HOLD_AHEAD = 20
_HELD = "warroom.paging.held"
_HOLD_INCIDENTS = (
    select(Incident)
    .where(Incident.id.in_(bindparam("ids", expanding=True)))
    .order_by(Incident.id)
    .with_for_update(key_share=True)  # FOR NO KEY UPDATE, as incidents.lock_by_id
    .options(selectinload(Incident.services))
    .execution_options(populate_existing=True)
)
_HOLD_STATES = (
    select(IncidentEscalation)
    .where(IncidentEscalation.incident_id.in_(bindparam("ids", expanding=True)))
    .order_by(IncidentEscalation.incident_id)
    .with_for_update()
    .execution_options(populate_existing=True)
)


def locked(
    session: Session, incident_id: int, upcoming: Sequence[Job] = ()
) -> tuple[Incident | None, IncidentEscalation | None]:
    """A paging job's incident, locked and loaded fresh (`incidents.lock_by_id`), then its
    escalation state, locked (`state_of(lock=True)`): the lock order of docs/dev/engine.md.

    `upcoming` (`JobContext.upcoming`: this job and the next of its shared transaction, in
    incident id order) lets it take the incidents of the next HOLD_AHEAD paging jobs at once:
    their rows by id in one statement (with their services), then their states in another,
    instead of three statements per job. A job whose incident was taken so earlier in the
    same transaction finds it held, once: a second job of the same incident in the
    transaction (its plan may have inserted the state meanwhile) locks and reads again."""
    transaction = session.get_transaction()
    held = session.info.get(_HELD)
    if held is not None and (transaction is None or held[0] is not transaction):
        held = None  # taken by a transaction that has ended
    if held is not None:
        found = held[1].pop(incident_id, None)
        if found is not None:
            return found
    ahead = {
        int(job.payload["incident_id"])
        for job in upcoming[:HOLD_AHEAD]
        if job.kind in LOCKING_KINDS
    }
    waiting = set(held[1]) if held is not None else set()
    ids = sorted((ahead - waiting) | {incident_id})
    # Only ahead, by id: none below this job's incident, none below one already taken (this
    # job's own incident may be: a second job of an incident taken earlier holds its lock).
    after = max(waiting, default=incident_id)
    if len(ids) == 1 or any(i < incident_id or (i != incident_id and i < after) for i in ids):
        incident = incidents.lock_by_id(session, incident_id)  # lock order
        return incident, (state_of(session, incident_id, lock=True) if incident else None)
    session.flush()  # as lock_by_id: what is pending goes in before the lock is taken
    rows = {i.id: i for i in session.scalars(_HOLD_INCIDENTS, {"ids": ids})}
    states = {s.incident_id: s for s in session.scalars(_HOLD_STATES, {"ids": list(rows)})}
    taken = {i: (row, states.get(i)) for i, row in rows.items()}
    mine = taken.pop(incident_id, (None, None))
    if held is not None:
        held[1].update(taken)
    else:
        session.info[_HELD] = (session.get_transaction(), taken)
    return mine


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
        # A state not inserted yet is the incident's first plan: no level of it can be pending.
        new_key=state.id is None,
    )


def run_escalation(
    session: Session,
    clock: Clock,
    settings: Settings,
    payload: dict[str, Any],
    upcoming: Sequence[Job] = (),
) -> None:
    """A level is due: page its targets (if still current) and queue the next level."""
    # Lock order: the incident row first (on SQLite: the write lock, before any read), then
    # its escalation state; an acknowledgement takes them in the same order.
    incident, state = locked(session, int(payload["incident_id"]), upcoming)
    if incident is None or incident.status != "triggered":
        return
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
    where = {"policy": policy.key, "level": level + 1, "round": round_}
    say_deactivated(session, clock, incident, list(step.targets), where)
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


def say_deactivated(
    session: Session,
    clock: Clock,
    incident: Incident,
    targets: list[str],
    where: dict[str, object],
) -> None:
    """Record which of a copied level's or rung's targets a config change has deactivated since
    the copy was made, so the timeline says why, not just "nobody"."""
    gone = deactivated_targets(session, targets)
    if gone:
        timeline.record(
            session,
            clock,
            incident_id=incident.id,
            kind="paging:target:deactivated",
            actor=ACTOR,
            payload={**where, "targets": gone},
        )


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


def review_apply(session: Session, clock: Clock, plan: Plan) -> None:
    """Warn, on the plan's entries of the users, schedules and channels an apply deactivates,
    what that does to work under way: the overrides a deactivated person held (they no longer
    cover their shifts), and every open incident whose running escalation (its policy snapshot's
    levels still to come, its unresolved ladder's rungs not yet fired) names one of them; and,
    on a changed or removed policy or severity ladder, the open incidents that run on their own
    copy of it (the change does not reach them)."""
    now = clock.now()
    for email, entry in plan.deleted("user").items():
        for override in covering_overrides(session, email, now):
            entry.warnings.append(
                f"{email} covers schedule {override.schedule.key} by override until "
                f"{_minute(override.end_at)}: that override no longer applies, the schedule's "
                "layers say who is on call"
            )
    gone = {f"{k}:{name}": e for k in NAMED_KINDS for name, e in plan.deleted(k).items()}
    policies = _changed(plan, "escalation_policy", ("levels", "repeat"))
    ladders = _changed(plan, "severity", ("escalate_while_unresolved",))
    if not (gone or policies or ladders):
        return
    for incident, state in _running(session):
        named = {"escalation": _levels_to_come(incident, state), "unresolved ladder": []}
        if incident.status in OPEN_STATUSES:
            fired = {int(i) for i in state.ladder_fired}
            named["unresolved ladder"] = [
                t for rung in ladder(state.ladder) if rung.index not in fired for t in rung.targets
            ]
        # A running escalation pages from its own copy: say that the change does not reach it.
        if named["escalation"] and state.policy_key in policies:
            policies[state.policy_key].warnings.append(
                f"{incident.ref} escalates on its copy of this policy, taken when it opened: "
                "this change does not reach it (its next levels page as before)"
            )
        if named["unresolved ladder"] and state.ladder_severity in ladders:
            ladders[state.ladder_severity].warnings.append(
                f"{incident.ref} runs its copy of this unresolved ladder: this change does "
                "not reach it (its next rungs page as before) unless its severity changes"
            )
        for where, targets in named.items():
            steps = "levels" if where == "escalation" else "rungs"
            for target in dict.fromkeys(_canonical(t) for t in targets):
                if target in gone:
                    gone[target].warnings.append(
                        f"{incident.ref}'s {where} names {target}, which this change "
                        f"deactivates: its next {steps} would page nobody through it"
                    )


def _changed(plan: Plan, kind: str, fields: tuple[str, ...]) -> dict[str, PlanEntry]:
    """The plan's entries of this kind that delete an object or change one of its `fields`."""
    return {
        e.identity: e
        for e in plan
        if e.kind == kind
        and (
            e.action == "delete"
            or (e.action == "update" and any(name.startswith(fields) for name in e.changes))
        )
    }


def _running(session: Session) -> list[tuple[Incident, IncidentEscalation]]:
    query = (
        select(Incident, IncidentEscalation)
        .join(IncidentEscalation, IncidentEscalation.incident_id == Incident.id)
        .where(Incident.status.in_(OPEN_STATUSES))
        .order_by(Incident.id)
    )
    return [(incident, state) for incident, state in session.execute(query)]


def _levels_to_come(incident: Incident, state: IncidentEscalation) -> list[str]:
    """The targets of the policy snapshot's steps after the last one paged."""
    if incident.status != "triggered" or state.state != "escalating" or not state.policy:
        return []
    done = (state.round, state.level)
    steps = all_steps(Policy.from_snapshot(state.policy))
    return [t for step in steps if (step.round, step.level) > done for t in step.targets]


def _canonical(target: str) -> str:
    try:
        kind, name = parse_target(target)
    except ValueError:
        return target
    return f"{kind}:{name.lower() if kind == 'user' else name}"


def _minute(at: datetime) -> str:
    moment = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
