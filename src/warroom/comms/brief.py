"""The incident brief: one Markdown page a person joining the war room reads first."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.actions import service as actions
from warroom.actions.models import AWAITING_APPROVAL, QUEUED, RUNNING, SUCCEEDED, ActionRun
from warroom.audit import service as timeline
from warroom.comms import service as comms
from warroom.comms.templates import when
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident

KEY_EVENTS = 15


def _lines(items: list[str], empty: str) -> list[str]:
    return [f"- {item}" for item in items] if items else [f"_{empty}_"]


def _head(incident: Incident) -> list[str]:
    return [
        f"# {incident.ref}: {incident.title}",
        "",
        f"**Severity** {incident.severity} · **Status** {incident.status} · "
        f"**Started** {when(incident.opened_at)}",
        f"**Services** {', '.join(incident.service_keys) or 'none named'}",
        "",
        "## Summary",
        incident.summary or "_No summary yet._",
    ]


def _impact(incident: Incident) -> list[str]:
    impact = {k: v for k, v in (incident.impact or {}).items() if v not in (None, "", [], {})}
    return _lines(
        [f"{k.replace('_', ' ')}: {v}" for k, v in sorted(impact.items())], "Not assessed yet."
    )


def _runs(session: Session, incident: Incident) -> list[str]:
    """The mitigations in force (succeeded, not reverted), the reversible runs that timed out
    or were interrupted (they may have taken effect), the irreversible actions done, and the
    runs on their way: what a person joining must not run again or forget to undo.
    Parameters as the API shows them (credentials masked)."""

    def named(run: ActionRun) -> str:
        params = " ".join(f"{k}={v}" for k, v in actions.shown_params(run).items())
        return f"{run.title} (run {run.id} {run.action_key} {params}".rstrip() + ")"

    waiting = {AWAITING_APPROVAL: "awaiting approval", QUEUED: "queued", RUNNING: "running"}
    found = [
        f"active: {named(r)} by {r.requested_by}; undo: warroom action revert {r.id}"
        for r in actions.active_mitigations(session, incident.id)
    ]
    found += [
        f"effect unknown ({r.state.replace('_', ' ')}): {named(r)} by {r.requested_by}; it may"
        f" have taken effect; undo: warroom action revert {r.id} --force"
        for r in actions.effect_unknown(session, incident.id)
    ]
    runs = [r for r in reversed(actions.list_runs(session, incident.id)) if not r.dry_run]
    found += [
        f"done, no undo: {named(r)} by {r.requested_by}"
        for r in runs
        if r.state == SUCCEEDED and not r.reversible
    ]
    found += [
        f"{waiting[r.state]}: {named(r)} requested by {r.requested_by}"
        for r in runs
        if r.state in waiting
    ]
    return found


def render(session: Session, incident: Incident) -> str:
    """The brief of an incident as Markdown, built from its current state."""
    roles = [
        f"{r.role.replace('_', ' ')}: {r.user_email}"
        for r in incidents.current_roles(session, incident)
    ]
    hypotheses = [
        f"[{h.status}] {h.text}" + (f" ({h.owner})" if h.owner else "")
        for h in incidents.list_hypotheses(session, incident)
    ]
    tasks = incidents.list_tasks(session, incident)
    done = [f"{t.text} (done by {t.done_by})" for t in tasks if t.done]
    todo = [t.text + (f" ({t.assignee})" if t.assignee else "") for t in tasks if not t.done]
    updates = comms.list_updates(session, incident.id)[-3:]
    record = comms.cadence_record(session, incident.id)
    due = [f"{r.audience} update due {when(r.due_at)}" for r in record.rows if r.due_at]
    recent = [
        f"{when(u.created_at)} [{u.state}] {u.internal_text} ({u.author})"
        for u in reversed(updates)
    ]
    events = timeline.last_events(session, incident_id=incident.id, count=KEY_EVENTS)
    key = [
        f"{when(e.occurred_at)} {e.kind} ({e.actor})" for e in sorted(events, key=lambda e: e.id)
    ]
    parts = [
        *_head(incident),
        "",
        "## Impact",
        *_impact(incident),
        "",
        "## Roles",
        *_lines(roles, "Nobody holds a role yet."),
        "",
        "## Hypotheses",
        *_lines(hypotheses, "None yet."),
        "",
        "## Actions and mitigations",
        *_lines(_runs(session, incident) + done, "None done yet."),
        "",
        "## Next steps",
        *_lines(todo + due, "None planned."),
        "",
        "## Last updates",
        *_lines(recent, "No status update yet."),
        f"Every update on time: {'yes' if record.on_time else 'no'}",
        "",
        "## Key timeline",
        *_lines(key, "Nothing recorded."),
    ]
    return "\n".join(parts) + "\n"
