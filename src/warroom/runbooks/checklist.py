"""A run as a checklist: step states todo / done / skipped (with a reason) / blocked, notes.

Every change is on the incident's timeline (`runbook:step:done`, `runbook:step:skipped`,
`runbook:step:blocked`, `runbook:step:reopened`, `runbook:step:noted`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.clock import Clock
from warroom.errors import Invalid, NotFound
from warroom.incidents import service as incidents
from warroom.runbooks import service
from warroom.runbooks.models import BLOCKED, DONE, SKIPPED, STATES, TODO, RunbookRun, StepState

_EVENT = {DONE: "done", SKIPPED: "skipped", BLOCKED: "blocked", TODO: "reopened"}
MAX_TEXT = 2000


@dataclass
class Progress:
    done: int
    skipped: int
    blocked: int
    total: int

    def line(self) -> str:
        """ "5/12 done (1 skipped, 1 blocked)"."""
        extra = [
            f"{n} {name}" for n, name in ((self.skipped, "skipped"), (self.blocked, "blocked")) if n
        ]
        return f"{self.done}/{self.total} done" + (f" ({', '.join(extra)})" if extra else "")


def states_of(session: Session, run: RunbookRun) -> dict[int, StepState]:
    """The recorded states of a run's steps (steps without a row are todo)."""
    rows = session.scalars(select(StepState).where(StepState.run_id == run.id))
    return {row.step: row for row in rows}


def progress(session: Session, run: RunbookRun) -> Progress:
    """How far a run is."""
    states = [s.state for s in states_of(session, run).values()]
    total = sum(1 for _ in service.document_of(run).steps())
    return Progress(states.count(DONE), states.count(SKIPPED), states.count(BLOCKED), total)


def find_run(session: Session, incident_id: int, runbook: str | None) -> RunbookRun:
    """The run of `runbook` on the incident; without a key, the only run there is."""
    runs = service.runs_of(session, incident_id)
    if runbook is None:
        if len(runs) == 1:
            return runs[0]
        keys = ", ".join(r.runbook_key for r in runs) or "none attached"
        raise Invalid(f"name the runbook as KEY:STEP (attached: {keys})", field="runbook")
    for run in runs:
        if run.runbook_key == runbook:
            return run
    raise NotFound(f"runbook {runbook!r} is not attached to this incident", field="runbook")


def _text(value: str, field: str, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(f"{field} is required", field=field)
    if len(value) > MAX_TEXT:
        raise Invalid(f"{field} must be at most {MAX_TEXT} characters", field=field)
    return value


def _row(session: Session, run: RunbookRun, step: int) -> StepState:
    if service.document_of(run).step(step) is None:
        raise NotFound(f"runbook {run.runbook_key!r} has no step {step}", field="step")
    row = states_of(session, run).get(step)
    if row is None:
        row = StepState(run_id=run.id, step=step, state=TODO, reason="", notes=[])
        session.add(row)
    return row


def set_state(
    session: Session,
    clock: Clock,
    number: int,
    runbook: str | None,
    step: int,
    state: str,
    *,
    actor: str,
    reason: str = "",
) -> StepState:
    """Move a step to `state`; skipping needs a reason. Records runbook:step:<what>, once: the
    state (and reason) it already has is no change."""
    if state not in STATES:
        raise Invalid(f"state must be one of {', '.join(STATES)}", field="state")
    reason = _text(reason, "reason", required=state == SKIPPED)
    incident = incidents.get_incident(session, number)
    incidents.lock(session, clock, incident)
    run = find_run(session, incident.id, runbook)
    row = _row(session, run, step)
    if row.state == state and (row.reason or "") == reason:
        # No change (two responders ticked it at once, or a stale page): nothing recorded, and
        # the step keeps who changed it (read under the incident's lock, so the first one's).
        if row in session.new:
            session.expunge(row)
        return row
    previous = row.state
    row.state, row.reason = state, reason
    row.changed_by, row.changed_at = actor, clock.now()
    session.flush()
    payload: dict[str, Any] = {"runbook": run.runbook_key, "step": step, "from": previous}
    node = service.document_of(run).step(step)
    payload["text"] = node.text[:200] if node is not None else ""
    if reason:
        payload["reason"] = reason
    kind = f"runbook:step:{_EVENT[state]}"
    timeline.record(
        session, clock, incident_id=incident.id, kind=kind, actor=actor, payload=payload
    )
    return row


def add_note(
    session: Session,
    clock: Clock,
    number: int,
    runbook: str | None,
    step: int,
    *,
    actor: str,
    text: str,
) -> StepState:
    """Add a note to a step. Records runbook:step:noted."""
    text = _text(text, "text", required=True)
    incident = incidents.get_incident(session, number)
    incidents.lock(session, clock, incident)
    run = find_run(session, incident.id, runbook)
    row = _row(session, run, step)
    row.notes = [*(row.notes or []), {"by": actor, "at": clock.now().isoformat(), "text": text}]
    session.flush()
    payload = {"runbook": run.runbook_key, "step": step, "note": text}
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="runbook:step:noted",
        actor=actor,
        payload=payload,
    )
    return row
