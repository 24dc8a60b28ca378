"""How a timeline event reads: one short sentence per kind of event, for every screen that
shows a timeline (`warroom timeline`, `warroom incident show`, the web UI's incident page).

Each kind the product records has its own sentence (a test holds every kind to it); a kind
added later without one reads as its plain values, never as a Python repr of nested data.
Sentences only read the payload: nothing here touches the database or another domain.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from warroom.audit.phrasing import (
    WHOLE,
    alerts,
    answer,
    at,
    changes,
    get,
    item,
    people,
    run,
    short,
    step,
    why,
    withdrawn,
    words,
)

Sentence = Callable[[dict[str, Any]], str]


_INCIDENT: dict[str, Sentence] = {
    "incident:incident:opened": lambda p: (
        f"opened as {get(p, 'severity')}: {short(p.get('title'))}"
        + (f" (from {p['source']})" if p.get("source") else "")
    ),
    "incident:status:acknowledged": lambda p: "acknowledged" + why(p),
    "incident:status:mitigated": lambda p: "mitigated" + why(p),
    "incident:status:resolved": lambda p: "resolved" + why(p),
    "incident:status:closed": lambda p: "closed" + why(p),
    "incident:status:reopened": lambda p: "reopened" + why(p),
    "incident:severity:raised": lambda p: (
        f"severity raised {get(p, 'from')} → {get(p, 'to')}" + why(p)
    ),
    "incident:severity:lowered": lambda p: (
        f"severity lowered {get(p, 'from')} → {get(p, 'to')}" + why(p)
    ),
    "incident:role:assigned": lambda p: f"{get(p, 'user_email')} is {words(get(p, 'role'))}",
    "incident:role:handed_over": lambda p: (
        f"{words(get(p, 'role'))} handed over {get(p, 'from')} → {get(p, 'to', 'user_email')}"
    ),
    "incident:role:unassigned": lambda p: (
        f"{get(p, 'user_email')} no longer {words(get(p, 'role'))}"
    ),
    "incident:note:added": lambda p: f"note: {short(p.get('text'))}",
    "incident:details:updated": lambda p: f"details changed: {changes(p)}",
    "incident:hypothesis:added": lambda p: (
        f"hypothesis: {short(p.get('text'))} [{words(get(p, 'status'))}]"
    ),
    "incident:task:added": lambda p: (
        f"task: {short(p.get('text'))}" + (f" ({p['assignee']})" if p.get("assignee") else "")
    ),
    "incident:task:done": lambda p: f"task done: {short(p.get('text'))}",
    "incident:task:reopened": lambda p: f"task reopened: {short(p.get('text'))}",
    "incident:task:assigned": lambda p: (
        f"task {short(p.get('text'), 40)} assigned to {get(p, 'assignee')}"
        if p.get("assignee")
        else f"task {short(p.get('text'), 40)} unassigned"
    ),
    "incident:event:starred": lambda p: f"event #{get(p, 'seq')} starred",
    "incident:event:unstarred": lambda p: f"event #{get(p, 'seq')} unstarred",
}

_INTAKE: dict[str, Sentence] = {
    "intake:alert:fired": lambda p: f"alert fired: {alerts(p)}",
    "intake:alert:grouped": lambda p: f"alert joined: {alerts(p)}",
    "intake:alert:resolved": lambda p: f"alert resolved: {alerts(p)}",
    "intake:alert:acknowledged": lambda p: f"alert acknowledged at its source: {alerts(p)}",
    "intake:alert:noted": lambda p: (
        f"note on alert {get(p, 'fingerprint')}"
        + (f" by {p['user']}" if p.get("user") else "")
        + f": {short(p.get('note'))}"
    ),
    "intake:alerts:truncated": lambda p: (
        f"{get(p, 'truncated_alerts')} alerts left out by the sender (its group was too large)"
    ),
    "intake:change:received": lambda p: (
        f"change: {short(p.get('summary'))}" + (f" ({p['service']})" if p.get("service") else "")
    ),
    "intake:incident:all_alerts_resolved": lambda p: "every linked alert has resolved",
    "intake:incident:refired": lambda p: (
        f"alert fired again after INC-{get(p, 'previous_number')} was resolved: {alerts(p)}"
        + (" (reopened)" if p.get("reopened") else f" → INC-{get(p, 'number')}")
    ),
    "intake:incident:severity_raised": lambda p: (
        f"severity raised {get(p, 'from')} → {get(p, 'to')} by alert "
        + short((p.get("alert") or {}).get("summary") or (p.get("alert") or {}).get("id"), 50)
    ),
    "intake:storm:started": lambda p: (
        f"alert storm from {get(p, 'integration')}: {get(p, 'opened_in_window')} incidents "
        f"within {get(p, 'window')}; new ones fold into this one"
    ),
    "intake:storm:folded": lambda p: f"folded into the storm: {alerts(p)}",
    "intake:storm:ended": lambda p: (
        f"alert storm over ({words(get(p, 'reason'))}): "
        f"{get(p, 'folded_alerts')} alerts in {get(p, 'folded_groups')} groups folded"
    ),
}


def _sent(p: dict[str, Any]) -> str:
    """A page, or another message (a status update to a channel, a reminder)."""
    return "page" if str(p.get("purpose") or "page").startswith("page") else "message"


_PAGING: dict[str, Sentence] = {
    "paging:escalation:planned": lambda p: (
        f"paging by policy {get(p, 'policy')} ({p.get('levels', 0)} levels)"
        if p.get("policy")
        else f"{get(p, 'reason') if p.get('reason') else 'no escalation policy'}: "
        "nobody is paged by level"
    ),
    "paging:escalation:triggered": lambda p: (
        f"escalation level {get(p, 'level')}: paging {get(p, 'targets')}"
    ),
    "paging:escalation:stopped": lambda p: (
        f"escalation stopped at level {get(p, 'level')} ({get(p, 'reason')})"
    ),
    "paging:escalation:exhausted": lambda p: "escalation exhausted: every level was paged",
    "paging:escalation:unresolved": lambda p: f"unresolved too long: paging {get(p, 'targets')}",
    "paging:escalation:manual": lambda p: f"escalated by hand to {get(p, 'targets', 'to')}",
    "paging:page:queued": lambda p: f"paged {get(p, 'user', 'channel')} ({get(p, 'reason')})",
    "paging:page:nobody": lambda p: f"nobody to page for {get(p, 'targets')}",
    "paging:target:deactivated": lambda p: (
        (
            f"escalation level {get(p, 'level')}"
            if "level" in p
            else f"the unresolved rung at {int(p.get('after_s') or 0) // 60} min"
        )
        + f" names {get(p, 'targets')}, deactivated by a config change since the incident's"
        " policy was copied: nobody is paged through it"
    ),
    "paging:page:withheld": lambda p: (
        f"not paged in {get(p, 'channels')}: a private incident is for its members only"
    ),
    "paging:page:failover": lambda p: (
        f"{get(p, 'user')}: {get(p, 'from')} failed, trying {get(p, 'to')}"
    ),
    "paging:page:unreachable": lambda p: f"{get(p, 'user')} unreachable by every method",
    "paging:page:unsendable": lambda p: (
        f"cannot send to {get(p, 'contact', 'channel')}: {short(get(p, 'error'))}"
    ),
    "paging:incident:unpaged": lambda p: f"NOBODY PAGED: {short(get(p, 'message', 'reason'))}",
    "paging:notification:sent": lambda p: f"{get(p, 'channel')} {_sent(p)} delivered",
    "paging:notification:failing": lambda p: (
        f"{get(p, 'channel')} {_sent(p)} failing: {answer(p.get('answer'))}"
    ),
    "paging:notification:failed": lambda p: (
        f"{get(p, 'channel')} {_sent(p)} failed: {answer(p.get('answer'))}"
    ),
    "paging:oncall:handoff": lambda p: (
        f"{get(p, 'schedule')} on call: {get(p, 'from') if p.get('from') else 'nobody'}"
        f" → {get(p, 'to') if p.get('to') else 'nobody'}"
    ),
    "paging:override:added": lambda p: (
        f"override on {get(p, 'schedule')}: {get(p, 'user')} replaces {get(p, 'replaces')} "
        f"from {at(p, 'start')} to {at(p, 'end')}"
    ),
    "paging:override:removed": lambda p: (
        f"override on {get(p, 'schedule')} removed: {get(p, 'user')} for {get(p, 'replaces')}"
    ),
}

_COMMS: dict[str, Sentence] = {
    "comms:update:internal": lambda p: (
        f"internal update [{words(get(p, 'state'))}]: {short(p.get('text'))}"
    ),
    "comms:update:external": lambda p: (
        f"public update [{words(get(p, 'state'))}]: {short(p.get('text'))}"
    ),
    "comms:update:posted": lambda p: f"{get(p, 'audience')} update: {short(p.get('text'))}",
    "comms:update:published": lambda p: f"{get(p, 'audience')} update published",
    "comms:reach:nobody": lambda p: f"update reached no channel: {short(p.get('warning'))}",
    "comms:initial:sent": lambda p: f"declared in {get(p, 'channels')}",
    "comms:raised:sent": lambda p: f"raised severity declared in {get(p, 'channels')}",
    "comms:reopened:sent": lambda p: f"reopening declared in {get(p, 'channels')}",
    "comms:resolution:sent": lambda p: f"resolution announced in {get(p, 'channels')}",
    "comms:cadence:tightened": lambda p: (
        f"{get(p, 'audience')} update now due by {at(p, 'due_at')} ({get(p, 'severity')})"
    ),
    "comms:cadence:reminded": lambda p: (
        f"{get(p, 'audience')} update due {at(p, 'due_at')}: reminded {people(p)}"
    ),
    "comms:cadence:nobody": lambda p: (
        f"{get(p, 'audience')} update due {at(p, 'due_at')}: nobody to remind"
    ),
    "comms:cadence:overdue": lambda p: (
        f"{get(p, 'audience')} update OVERDUE since {at(p, 'due_at')}"
    ),
    "comms:cadence:escalated": lambda p: (
        f"{get(p, 'audience')} update still overdue: escalated to {people(p)}"
    ),
}

_WORK: dict[str, Sentence] = {
    "evidence:item:added": lambda p: f"evidence added: {short(get(p, 'name'))}",
    "evidence:item:removed": lambda p: f"evidence removed: {short(get(p, 'name'))}",
    "evidence:item:downloaded": lambda p: f"evidence downloaded: {short(get(p, 'name'))}",
    "evidence:export:downloaded": lambda p: (
        f"evidence locker exported ({len(p.get('items') or [])} items)"
    ),
    "runbook:runbook:attached": lambda p: (
        f"runbook attached: {short(get(p, 'title', 'runbook'))} ({words(get(p, 'reason'))})"
    ),
    "runbook:link:added": lambda p: f"runbook link from the alert: {short(get(p, 'url'))}",
    "runbook:step:done": lambda p: step(p, "done"),
    "runbook:step:skipped": lambda p: step(p, "skipped"),
    "runbook:step:blocked": lambda p: step(p, "blocked"),
    "runbook:step:reopened": lambda p: step(p, "reopened"),
    "runbook:step:noted": lambda p: step(p, "noted"),
    "action:run:requested": lambda p: (
        run(p, "requested")
        + (" (awaiting approval)" if p.get("state") == "awaiting_approval" else "")
    ),
    "action:run:held": lambda p: run(p, "held for approval"),
    "action:run:approved": lambda p: run(p, "approved"),
    "action:run:refused": lambda p: run(p, "refused"),
    "action:run:lapsed": lambda p: run(p, "lapsed (never approved)"),
    "action:run:succeeded": lambda p: run(p, "succeeded"),
    "action:run:previewed": lambda p: run(p, "previewed (nothing run)"),
    "action:run:failed": lambda p: run(p, f"failed (exit {get(p, 'exit_code')})"),
    "action:run:timed_out": lambda p: run(p, "timed out"),
    "action:run:interrupted": lambda p: run(p, "interrupted"),
    "action:run:reverted": lambda p: run(p, "reverted"),
    "heartbeat:heartbeat:missed": lambda p: f"heartbeat {get(p, 'heartbeat', 'name')} missed",
    "heartbeat:heartbeat:recovered": lambda p: f"heartbeat {get(p, 'heartbeat', 'name')} recovered",
    "statuspage:incident:published": lambda p: (
        "published on the status page"
        + (f" ({get(p, 'components')})" if p.get("components") else "")
    ),
    "statuspage:incident:unpublished": lambda p: "taken off the status page",
}

_REVIEW: dict[str, Sentence] = {
    "review:postmortem:created": lambda p: (
        f"postmortem drafted, author {people(p, 'author')}, due {at(p, 'due_at')}"
    ),
    "review:postmortem:assigned": lambda p: f"postmortem author: {get(p, 'author')}" + withdrawn(p),
    "review:postmortem:edited": lambda p: (
        f"postmortem edited (version {get(p, 'version')})" + withdrawn(p)
    ),
    "review:postmortem:submitted": lambda p: "postmortem submitted for review",
    "review:postmortem:approved": lambda p: "postmortem approved" + why(p),
    "review:postmortem:returned": lambda p: "postmortem returned to draft" + why(p),
    "review:postmortem:published": lambda p: (
        "postmortem published"
        + (f", reviewed by {get(p, 'reviewers')}" if p.get("reviewers") else "")
    ),
    "review:postmortem:reminded": lambda p: f"postmortem {get(p, 'when')}: reminded {people(p)}",
    "review:postmortem:nobody": lambda p: f"postmortem {get(p, 'when')}: nobody to remind",
    "review:postmortem:overdue": lambda p: f"postmortem OVERDUE since {at(p, 'due_at')}",
    "review:postmortem:rescheduled": lambda p: (
        f"postmortem now due {at(p, 'due_at')}, as {get(p, 'severity')} requires"
    ),
    "review:postmortem:released": lambda p: (
        f"postmortem no longer owed: {get(p, 'severity')} requires none (draft kept)"
    ),
    "review:postmortem:reopened": lambda p: (
        "postmortem in review: the incident was reopened and resolved again" + withdrawn(p)
        if p.get("state") == "in_review"
        else f"postmortem back to draft after the incident was reopened, due {at(p, 'due_at')}"
        + withdrawn(p)
    ),
    "review:action_item:created": lambda p: (
        item(p, "created")
        + (
            f" (owner {p['owner']}, {p['priority']})"
            if p.get("owner") and p.get("priority")
            else ""
        )
    ),
    "review:action_item:updated": lambda p: item(p, f"changed: {changes(p)}"),
    "review:action_item:status_open": lambda p: item(p, "reopened"),
    "review:action_item:status_in_progress": lambda p: item(p, "in progress"),
    "review:action_item:status_done": lambda p: item(p, "done"),
    "review:action_item:status_wont_do": lambda p: item(p, "won't be done"),
    "review:action_item:reminded": lambda p: (
        item(p, f"due {at(p, 'due_at')}: reminded") + f" {people(p)}"
    ),
    "review:action_item:overdue": lambda p: item(p, f"OVERDUE since {at(p, 'due_at')}"),
    "review:action_item:export_queued": lambda p: item(p, "queued for the issue tracker"),
    "review:action_item:exported": lambda p: item(p, f"exported as {get(p, 'ref', 'url')}"),
    "review:action_item:export_failed": lambda p: (
        item(p, f"export failed: {short(get(p, 'error'), 40)}")
        + (" (will retry)" if p.get("will_retry") else "")
    ),
    "review:drill:started": lambda p: (
        f"drill {get(p, 'drill_id')} started ({p.get('steps') or 0} scripted alerts)"
    ),
    "review:drill:fired": lambda p: f"drill alert fired: {get(p, 'alert')}",
    "review:drill:resolved": lambda p: f"drill alert resolved: {get(p, 'alert')}",
    "review:drill:skipped": lambda p: f"drill alerts not played: {get(p, 'why')}",
    "auth:user:role_changed": lambda p: f"{get(p, 'user')} role {get(p, 'from')} → {get(p, 'to')}",
    "auth:user:deactivated": lambda p: f"{get(p, 'user')} deactivated",
    "auth:user:reactivated": lambda p: f"{get(p, 'user')} reactivated",
    "engine:job:cancelled": lambda p: (
        f"job {get(p, 'job_id')} ({get(p, 'job')}, {get(p, 'from')}) cancelled"
    ),
    "engine:job:retried": lambda p: (
        f"job {get(p, 'job_id')} ({get(p, 'job')}, {get(p, 'from')}) queued again"
    ),
    "auth:token:created": lambda p: (
        f"API token {get(p, 'token_id')} ({short(p.get('name'), 30)}, {get(p, 'role')}) made "
        f"for {get(p, 'user')}"
    ),
    "auth:token:revoked": lambda p: (
        f"API token {get(p, 'token_id')} ({short(p.get('name'), 30)}) of {get(p, 'user')} revoked"
        + (f" ({get(p, 'revoked')} stopped working now)" if p.get("revoked") != 1 else "")
    ),
    "auth:invite:created": lambda p: (
        f"{'password reset' if p.get('password_reset') else 'invite'} link made for "
        f"{get(p, 'user')} ({get(p, 'role')})"
    ),
    "auth:invite:accepted": lambda p: (
        f"{get(p, 'user')} set a password with {get(p, 'invited_by')}'s "
        f"{'password reset' if p.get('password_reset') else 'invite'} link"
    ),
}

# One sentence per kind of event.
SENTENCES: dict[str, Sentence] = {
    **_INCIDENT, **_INTAKE, **_PAGING, **_COMMS, **_WORK, **_REVIEW,
}  # fmt: skip


def _fallback(p: dict[str, Any]) -> str:
    """Unknown kinds: the plain values, never a Python repr of nested data."""
    parts = []
    for key, value in p.items():
        if isinstance(value, dict | list):
            continue
        parts.append(f"{key.replace('_', ' ')} {value}")
    return short("; ".join(parts), 70)


def describe(kind: str, payload: dict[str, Any] | None, *, whole: bool = False) -> str:
    """A short human sentence for an event: one per kind, a plain fallback for the rest.
    `whole`: texts in full (on one line) rather than cut to fit a terminal's column."""
    token = WHOLE.set(whole)
    try:
        return _describe(kind, payload or {})
    finally:
        WHOLE.reset(token)


def _describe(kind: str, p: dict[str, Any]) -> str:
    sentence = SENTENCES.get(kind)
    if sentence is not None:
        try:
            return sentence(p)
        except (TypeError, ValueError, AttributeError, KeyError, IndexError):
            return _fallback(p)  # a payload of another shape (older, or hand-made) still reads
    changes = p.get("changes")
    if kind == "incident:hypothesis:updated" and isinstance(changes, dict):
        status = changes.get("status")
        if isinstance(status, list) and len(status) == 2:
            before, after = status
            return f"hypothesis {short(p.get('text'))}: {words(before)} → {words(after)}"
    if kind == "incident:hypothesis:updated":
        return f"hypothesis changed: {short(p.get('text'))}"
    return _fallback(p)
