"""Requesting, approving and reverting action runs; the engine executes them.

A run is requested on an incident (`action:run:requested`), waits for a second person's
approval when the incident's severity requires it (lapsing after `approval_expiry`), and is
queued for the engine (`actions.execute`), which runs it outside any transaction and stores
its output as evidence. Nothing here makes an outbound call or commits. Reading definitions
and runs is `actions.listing` (re-exported here).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.actions import limits, render
from warroom.actions.approval import requires_approval
from warroom.actions.listing import EFFECT_UNKNOWN
from warroom.actions.listing import active_mitigations as active_mitigations
from warroom.actions.listing import closed_for as closed_for
from warroom.actions.listing import credentials_of as credentials_of
from warroom.actions.listing import effect_unknown as effect_unknown
from warroom.actions.listing import get_definition as get_definition
from warroom.actions.listing import get_run as get_run
from warroom.actions.listing import list_definitions as list_definitions
from warroom.actions.listing import list_runs as list_runs
from warroom.actions.listing import public_view as public_view
from warroom.actions.listing import shown_params as shown_params
from warroom.actions.models import (
    AWAITING_APPROVAL,
    LAPSED,
    PREVIEWED,
    QUEUED,
    RUNNING,
    SUCCEEDED,
    ActionRun,
)
from warroom.audit import service as timeline
from warroom.clock import Clock
from warroom.config.service import current_section
from warroom.config.types import parse_duration
from warroom.engine import service as engine
from warroom.errors import Conflict, Forbidden
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident

EXECUTE_KIND = "actions.execute"
LAPSE_KIND = "actions.lapse"
DEFAULT_EXPIRY = timedelta(hours=1)
SWITCHED_OFF = "actions are switched off (WARROOM_ACTIONS=off or action_settings.enabled: false)"


def action_settings(session: Session) -> dict[str, Any]:
    """The applied `action_settings` section ({} when none is configured)."""
    found = current_section(session, "action_settings")
    return dict(found) if isinstance(found, dict) else {}


def enabled(session: Session, switch: bool) -> bool:
    """Whether actions may run: the process setting and the config flag must both allow it."""
    return switch and bool(action_settings(session).get("enabled", True))


def output_limit(session: Session) -> int:
    """Bytes of stdout and of stderr kept per run."""
    return int(action_settings(session).get("output_limit") or 65536)


def timeout_of(definition: dict[str, Any]) -> float:
    """An action's timeout in seconds."""
    return parse_duration(definition.get("timeout") or "30s").total_seconds()


def _expiry(session: Session) -> timedelta:
    value = action_settings(session).get("approval_expiry")
    return DEFAULT_EXPIRY if value is None else parse_duration(value)


def _context(incident: Incident, params: dict[str, Any], dry_run: bool) -> dict[str, Any]:
    incident_view = {"number": incident.number, "ref": incident.ref, "severity": incident.severity}
    return {**params, "params": params, "incident": incident_view, "dry_run": dry_run}


def _rendered(definition: dict[str, Any], context: dict[str, Any], dry_run: bool) -> dict[str, Any]:
    """The argv or HTTP request; `preview: true` when a dry run only shows what would run."""
    if definition["kind"] == "command":
        argv = render.render_command(definition, context, dry_run=dry_run)
        if argv is None:
            return {
                "argv": render.render_command(definition, context, dry_run=False),
                "preview": True,
            }
        return {"argv": argv}
    request = render.render_http(definition, context)
    return {"request": request, "preview": True} if dry_run else {"request": request}


def request_run(
    session: Session,
    clock: Clock,
    incident: Incident,
    *,
    action: str,
    params: dict[str, Any],
    actor: str,
    switch: bool,
    dry_run: bool = False,
    undo_of: ActionRun | None = None,
    forced: str | None = None,
) -> ActionRun:
    """Validate, render and record a run; queue it, or hold it for approval."""
    if not enabled(session, switch):
        raise Conflict(SWITCHED_OFF, field="action")
    row = get_definition(session, action)
    definition = dict(row.definition)
    values = render.validate_params(definition.get("params") or [], params)
    # Checked on the locked row, read fresh: a resolve that committed while this request
    # waited for the lock is seen, so no run is requested on a resolved incident.
    incident = incidents.lock_by_id(session, incident.id) or incident
    if undo_of is None and incident.status in ("resolved", "closed"):
        raise Conflict(f"{incident.ref} is {incident.status}", field="incident")
    dry_run = dry_run or incident.drill  # a drill rehearses: nothing it runs reaches production
    if not dry_run:
        _refuse_twin(session, incident, action, values, undo_of)
        limits.check(session, clock, definition, action, incident.id)
    rendered = _rendered(definition, _context(incident, values, dry_run), dry_run)
    needs_approval = not dry_run and requires_approval(session, definition, incident)
    now = clock.now()
    run = ActionRun(
        incident_id=incident.id,
        action_key=action,
        title=row.title,
        definition=definition,
        params=values,
        rendered=rendered,
        dry_run=dry_run,
        reversible=bool(definition.get("reversible", True)),
        state=QUEUED,
        needs_approval=needs_approval,
        requested_by=actor,
        requested_at=now,
        undo_of_id=None if undo_of is None else undo_of.id,
    )
    if rendered.get("preview"):
        run.state, run.finished_at = PREVIEWED, now
    elif needs_approval:
        run.state, run.expires_at = AWAITING_APPROVAL, now + _expiry(session)
    session.add(run)
    session.flush()
    record(session, clock, run, "requested", actor, warning=_warning(run), forced_over=forced)
    _schedule(session, clock, run)
    return run


IN_FLIGHT = (AWAITING_APPROVAL, QUEUED, RUNNING)


def _refuse_twin(
    session: Session,
    incident: Incident,
    action: str,
    values: dict[str, Any],
    undo_of: ActionRun | None,
) -> None:
    """Refuse a run identical to one not finished on the incident (a double-clicked form, a
    retried request): the mitigation would run twice. The caller holds the incident row, so
    of two such requests at once the second waits and sees the first's run here."""
    twins = session.scalars(
        select(ActionRun)
        .where(
            ActionRun.incident_id == incident.id,
            ActionRun.action_key == action,
            ActionRun.dry_run.is_(False),
            ActionRun.state.in_(IN_FLIGHT),
        )
        .order_by(ActionRun.id)
    )
    undo_id = None if undo_of is None else undo_of.id
    for twin in twins:
        if twin.params == values and twin.undo_of_id == undo_id:
            raise Conflict(
                f"run {twin.id} ({action} with the same parameters) is already "
                f"{twin.state.replace('_', ' ')} on {incident.ref}, requested by "
                f"{twin.requested_by}; it is not requested twice (see warroom action show "
                f"{twin.id})",
                field="action",
                details={"run_id": twin.id},
            )


def _schedule(session: Session, clock: Clock, run: ActionRun) -> None:
    """Queue a run for the engine, or set the job that lapses it when approval does not come."""
    if run.state == QUEUED:
        _queue(session, clock, run)
    elif run.state == AWAITING_APPROVAL:
        assert run.expires_at is not None
        engine.enqueue(
            session,
            clock,
            LAPSE_KIND,
            {"run_id": run.id},
            run_at=run.expires_at,
            dedup_key=_lapse_key(run.id),
            incident_id=run.incident_id,
            max_attempts=3,
        )


def hold_for_approval(session: Session, clock: Clock, run: ActionRun) -> bool:
    """Before executing an unapproved run: hold it if its incident now requires approval."""
    if run.dry_run or run.approved_by is not None:
        return False
    incident = incidents.get_incident_by_id(session, run.incident_id)
    if not requires_approval(session, run.definition, incident):
        return False
    run.state, run.needs_approval = AWAITING_APPROVAL, True
    run.expires_at = clock.now() + _expiry(session)
    session.flush()
    record(session, clock, run, "held", "engine", severity=incident.severity)
    _schedule(session, clock, run)
    return True


def _warning(run: ActionRun) -> str | None:
    if run.reversible or run.undo_of_id is not None:
        return None
    return f"{run.action_key} is not reversible: there is no undo"


def _lapse_key(run_id: int) -> str:
    return f"action-lapse:{run_id}"


def _queue(session: Session, clock: Clock, run: ActionRun) -> None:
    # Never repeated behind the responders' backs: the second attempt exists only to mark a run
    # whose worker was lost (or whose recording failed) `interrupted`.
    engine.enqueue(
        session,
        clock,
        EXECUTE_KIND,
        {"run_id": run.id},
        incident_id=run.incident_id,
        max_attempts=2,
    )


def record(
    session: Session, clock: Clock, run: ActionRun, what: str, actor: str, **extra: Any
) -> None:
    payload: dict[str, Any] = {
        "run_id": run.id,
        "action": run.action_key,
        "params": shown_params(run),
        "dry_run": run.dry_run,
        "state": run.state,
        **public_view(run),
    }
    if run.undo_of_id is not None:
        payload["undo_of"] = run.undo_of_id
    payload.update({k: v for k, v in extra.items() if v is not None})
    timeline.record(
        session,
        clock,
        incident_id=run.incident_id,
        kind=f"action:run:{what}",
        actor=actor,
        payload=payload,
    )


def approve(session: Session, clock: Clock, run_id: int, *, actor: str, switch: bool) -> ActionRun:
    """A second person approves a held run, which is then queued for the engine."""
    if not enabled(session, switch):
        raise Conflict(SWITCHED_OFF, field="action")
    run = get_run(session, run_id)
    incident = incidents.lock_by_id(session, run.incident_id)
    session.refresh(run)
    if run.state != AWAITING_APPROVAL:
        raise Conflict(f"run {run.id} is {run.state}, not awaiting approval", field="run")
    closed = closed_for(incident, run)
    if closed is not None:
        raise Conflict(closed, field="incident")
    if actor.lower() == run.requested_by.lower():
        raise Forbidden(
            "two-person rule: the requester cannot approve their own run", field="approver"
        )
    assert run.expires_at is not None
    if clock.now() >= run.expires_at:
        lapse(session, clock, run.id)
        raise Conflict(f"run {run.id} lapsed at {run.expires_at.isoformat()}", field="run")
    run.state, run.approved_by, run.approved_at = QUEUED, actor, clock.now()
    session.flush()
    engine.cancel(session, dedup_key=_lapse_key(run.id), clock=clock)
    record(session, clock, run, "approved", actor)
    _queue(session, clock, run)
    return run


def lapse(session: Session, clock: Clock, run_id: int) -> bool:
    """Mark a run still awaiting approval past its expiry as lapsed; True if it was."""
    run = session.get(ActionRun, run_id)
    if run is None or run.state != AWAITING_APPROVAL or run.expires_at is None:
        return False
    if clock.now() < run.expires_at:
        return False
    run.state, run.finished_at = LAPSED, clock.now()
    session.flush()
    record(session, clock, run, "lapsed", "engine")
    return True


def revert(
    session: Session, clock: Clock, run_id: int, *, actor: str, switch: bool, force: bool = False
) -> ActionRun:
    """Request the undo action of a succeeded run (or, with force, of one that timed out or
    was interrupted, whose effect is unknown), with its parameters mapped."""
    run = get_run(session, run_id)
    # Checked under the incident row, read fresh: a second revert at the same moment waits,
    # then sees the first one's undo run as pending.
    incidents.lock_by_id(session, run.incident_id)
    session.refresh(run)
    unknown = not run.dry_run and run.state in EFFECT_UNKNOWN
    if unknown and not force:
        raise Conflict(
            f"run {run.id} {run.state.replace('_', ' ')}: it may have taken effect or not; "
            f"to run its undo anyway, revert it with force (warroom action revert {run.id} "
            "--force)",
            field="force",
        )
    if (run.state != SUCCEEDED and not unknown) or run.dry_run:
        raise Conflict(
            f"run {run.id} is {'a dry run' if run.dry_run else run.state}; only a succeeded "
            "run (or, with force, one that timed out or was interrupted) can be reverted",
            field="run",
        )
    if run.reverted_at is not None:
        raise Conflict(f"run {run.id} is already reverted", field="run")
    if run.undo_of_id is not None:  # its revert would re-apply a mitigation nothing tracks
        raise Conflict(
            f"run {run.id} is the undo of run {run.undo_of_id}; to apply that again, "
            "request its action again",
            field="run",
        )
    undo = run.definition.get("undo")
    if not run.reversible or not undo:
        raise Conflict(f"{run.action_key} is not reversible", field="run")
    pending = session.scalar(
        select(ActionRun.id).where(
            ActionRun.undo_of_id == run.id,
            ActionRun.state.in_(IN_FLIGHT),
        )
    )
    if pending is not None:
        raise Conflict(f"run {run.id} is already being reverted by run {pending}", field="run")
    incident = incidents.get_incident_by_id(session, run.incident_id)
    context = _context(incident, dict(run.params), False)
    mapped = {
        name: render.render(template, context, field=f"undo.params.{name}")
        for name, template in (undo.get("params") or {}).items()
    }
    return request_run(
        session,
        clock,
        incident,
        action=str(undo["action"]),
        params=mapped,
        actor=actor,
        switch=switch,
        undo_of=run,
        forced=run.state if unknown else None,
    )


def undo_succeeded(session: Session, clock: Clock, undo_run: ActionRun) -> None:
    """The run an undo run reverted is no longer an active mitigation."""
    if undo_run.undo_of_id is None:
        return
    original = session.get(ActionRun, undo_run.undo_of_id)
    if original is None or original.reverted_at is not None:
        return
    original.reverted_at, original.reverted_by_run_id = clock.now(), undo_run.id
    session.flush()
    record(session, clock, original, "reverted", undo_run.requested_by, undo_run=undo_run.id)
