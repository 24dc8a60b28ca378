"""How a timeline event reads: one short sentence per kind of event, for every screen that
shows a timeline (`warroom timeline`, `warroom incident show`, the web UI's incident page).

Each kind the product records has its own sentence (a test holds every kind to it); a kind
added later without one reads as its plain values, never as a Python repr of nested data.
Sentences only read the payload: nothing here touches the database or another domain.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

Sentence = Callable[[dict[str, Any]], str]
# Whether texts (notes, updates, reasons) are kept whole: the web UI has the room, a terminal
# table does not.
_WHOLE: ContextVar[bool] = ContextVar("whole_texts", default=False)


def _get(p: dict[str, Any], *keys: str) -> str:
    for key in keys:
        if p.get(key) not in (None, "", [], {}):
            value = p[key]
            return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return "?"


def _at(p: dict[str, Any], key: str) -> str:
    """A time of the payload (ISO 8601) as screens show it, to the minute in UTC."""
    value = _get(p, key)
    try:
        moment = datetime.fromisoformat(value) if "T" in value else None
    except ValueError:
        moment = None
    if moment is None:
        return value  # not a time of day: shown as it is
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def _short(text: Any, width: int = 60) -> str:
    line = " ".join(str(text or "").split())
    return line if len(line) <= width or _WHOLE.get() else line[: width - 1] + "…"


def _answer(text: Any) -> str:
    """A provider's answer as the page events tell it: its last line, the most specific (an
    Apprise answer starts with "INFO - Notifying 1 service(s)." and ends with what failed);
    whole on the timeline's own screens, else cut to fit."""
    lines = [line for line in str(text or "").splitlines() if line.strip()]
    return _short(lines[-1], 60) if lines else "?"


def _words(value: Any) -> str:
    return str(value or "").replace("_", " ")


def _alerts(p: dict[str, Any]) -> str:
    """Intake's events name their alerts in a list: the first one's summary, and how many more."""
    named = [a.get("summary") for a in p.get("alerts") or [] if isinstance(a, dict)]
    if not named or not named[0]:
        fingerprints = [a.get("fingerprint") for a in p.get("alerts") or [] if isinstance(a, dict)]
        first = fingerprints[0] if fingerprints and fingerprints[0] else None
        return _short(first or _get(p, "summary", "alertname"))
    more = int(p.get("count") or len(named)) - 1
    return _short(named[0], 50) + (f" (+{more} more)" if more > 0 else "")


def _why(p: dict[str, Any]) -> str:
    said = p.get("reason") or p.get("note")
    return f": {_short(said)}" if said else ""


def _people(p: dict[str, Any], key: str = "to") -> str:
    return _get(p, key) if p.get(key) else "nobody"


def _run(p: dict[str, Any], what: str) -> str:
    """An action run: its action, run number and what happened (and why, if it went wrong)."""
    dry = " (dry run)" if p.get("dry_run") else ""
    said = p.get("error") or p.get("warning") or p.get("reason")
    return f"action {_get(p, 'action')} run {_get(p, 'run_id')}{dry} {what}" + (
        f": {_short(said)}" if said else ""
    )


def _changes(p: dict[str, Any]) -> str:
    changes = p.get("changes") or p.get("changed") or {}
    if not isinstance(changes, dict) or not changes:
        return _get(p, "fields")
    return ", ".join(_words(k) for k in changes)


def _step(p: dict[str, Any], what: str) -> str:
    text = p.get("text") or p.get("note")
    return (
        f"runbook {_get(p, 'runbook')} step {_get(p, 'step')} {what}"
        + (f": {_short(text)}" if text else "")
        + (f" ({_short(p['reason'], 40)})" if p.get("reason") and what != "noted" else "")
    )


def _withdrawn(p: dict[str, Any]) -> str:
    """A postmortem's approvals withdrawn by a change of its text or author, if any."""
    who = p.get("approvals_withdrawn") or []
    return f"; approval by {', '.join(map(str, who))} withdrawn" if who else ""


def _item(p: dict[str, Any], what: str) -> str:
    title = f": {_short(p['title'])}" if p.get("title") else ""
    return f"action item {_get(p, 'action_item')} {what}{title}"


_INCIDENT: dict[str, Sentence] = {
    "incident:incident:opened": lambda p: (
        f"opened as {_get(p, 'severity')}: {_short(p.get('title'))}"
        + (f" (from {p['source']})" if p.get("source") else "")
    ),
    "incident:status:acknowledged": lambda p: "acknowledged" + _why(p),
    "incident:status:mitigated": lambda p: "mitigated" + _why(p),
    "incident:status:resolved": lambda p: "resolved" + _why(p),
    "incident:status:closed": lambda p: "closed" + _why(p),
    "incident:status:reopened": lambda p: "reopened" + _why(p),
    "incident:severity:raised": lambda p: (
        f"severity raised {_get(p, 'from')} → {_get(p, 'to')}" + _why(p)
    ),
    "incident:severity:lowered": lambda p: (
        f"severity lowered {_get(p, 'from')} → {_get(p, 'to')}" + _why(p)
    ),
    "incident:role:assigned": lambda p: f"{_get(p, 'user_email')} is {_words(_get(p, 'role'))}",
    "incident:role:handed_over": lambda p: (
        f"{_words(_get(p, 'role'))} handed over {_get(p, 'from')} → {_get(p, 'to', 'user_email')}"
    ),
    "incident:role:unassigned": lambda p: (
        f"{_get(p, 'user_email')} no longer {_words(_get(p, 'role'))}"
    ),
    "incident:note:added": lambda p: f"note: {_short(p.get('text'))}",
    "incident:details:updated": lambda p: f"details changed: {_changes(p)}",
    "incident:hypothesis:added": lambda p: (
        f"hypothesis: {_short(p.get('text'))} [{_words(_get(p, 'status'))}]"
    ),
    "incident:task:added": lambda p: (
        f"task: {_short(p.get('text'))}" + (f" ({p['assignee']})" if p.get("assignee") else "")
    ),
    "incident:task:done": lambda p: f"task done: {_short(p.get('text'))}",
    "incident:task:reopened": lambda p: f"task reopened: {_short(p.get('text'))}",
    "incident:task:assigned": lambda p: (
        f"task {_short(p.get('text'), 40)} assigned to {_get(p, 'assignee')}"
        if p.get("assignee")
        else f"task {_short(p.get('text'), 40)} unassigned"
    ),
    "incident:event:starred": lambda p: f"event #{_get(p, 'seq')} starred",
    "incident:event:unstarred": lambda p: f"event #{_get(p, 'seq')} unstarred",
}

_INTAKE: dict[str, Sentence] = {
    "intake:alert:fired": lambda p: f"alert fired: {_alerts(p)}",
    "intake:alert:grouped": lambda p: f"alert joined: {_alerts(p)}",
    "intake:alert:resolved": lambda p: f"alert resolved: {_alerts(p)}",
    "intake:alert:acknowledged": lambda p: f"alert acknowledged at its source: {_alerts(p)}",
    "intake:alert:noted": lambda p: (
        f"note on alert {_get(p, 'fingerprint')}"
        + (f" by {p['user']}" if p.get("user") else "")
        + f": {_short(p.get('note'))}"
    ),
    "intake:alerts:truncated": lambda p: (
        f"{_get(p, 'truncated_alerts')} alerts left out by the sender (its group was too large)"
    ),
    "intake:change:received": lambda p: (
        f"change: {_short(p.get('summary'))}" + (f" ({p['service']})" if p.get("service") else "")
    ),
    "intake:incident:all_alerts_resolved": lambda p: "every linked alert has resolved",
    "intake:incident:refired": lambda p: (
        f"alert fired again after INC-{_get(p, 'previous_number')} was resolved: {_alerts(p)}"
        + (" (reopened)" if p.get("reopened") else f" → INC-{_get(p, 'number')}")
    ),
    "intake:incident:severity_raised": lambda p: (
        f"severity raised {_get(p, 'from')} → {_get(p, 'to')} by alert "
        + _short((p.get("alert") or {}).get("summary") or (p.get("alert") or {}).get("id"), 50)
    ),
    "intake:storm:started": lambda p: (
        f"alert storm from {_get(p, 'integration')}: {_get(p, 'opened_in_window')} incidents "
        f"within {_get(p, 'window')}; new ones fold into this one"
    ),
    "intake:storm:folded": lambda p: f"folded into the storm: {_alerts(p)}",
    "intake:storm:ended": lambda p: (
        f"alert storm over ({_words(_get(p, 'reason'))}): "
        f"{_get(p, 'folded_alerts')} alerts in {_get(p, 'folded_groups')} groups folded"
    ),
}

_PAGING: dict[str, Sentence] = {
    "paging:escalation:planned": lambda p: (
        f"paging by policy {_get(p, 'policy')} ({p.get('levels', 0)} levels)"
        if p.get("policy")
        else "no escalation policy: nobody is paged by level"
    ),
    "paging:escalation:triggered": lambda p: (
        f"escalation level {_get(p, 'level')}: paging {_get(p, 'targets')}"
    ),
    "paging:escalation:stopped": lambda p: (
        f"escalation stopped at level {_get(p, 'level')} ({_get(p, 'reason')})"
    ),
    "paging:escalation:exhausted": lambda p: "escalation exhausted: every level was paged",
    "paging:escalation:unresolved": lambda p: f"unresolved too long: paging {_get(p, 'targets')}",
    "paging:escalation:manual": lambda p: f"escalated by hand to {_get(p, 'targets', 'to')}",
    "paging:page:queued": lambda p: f"paged {_get(p, 'user', 'channel')} ({_get(p, 'reason')})",
    "paging:page:nobody": lambda p: f"nobody to page for {_get(p, 'targets')}",
    "paging:target:deactivated": lambda p: (
        (
            f"escalation level {_get(p, 'level')}"
            if "level" in p
            else f"the unresolved rung at {int(p.get('after_s') or 0) // 60} min"
        )
        + f" names {_get(p, 'targets')}, deactivated by a config change since the incident's"
        " policy was copied: nobody is paged through it"
    ),
    "paging:page:withheld": lambda p: (
        f"not paged in {_get(p, 'channels')}: a private incident is for its members only"
    ),
    "paging:page:failover": lambda p: (
        f"{_get(p, 'user')}: {_get(p, 'from')} failed, trying {_get(p, 'to')}"
    ),
    "paging:page:unreachable": lambda p: f"{_get(p, 'user')} unreachable by every method",
    "paging:page:unsendable": lambda p: (
        f"cannot send to {_get(p, 'contact', 'channel')}: {_short(_get(p, 'error'))}"
    ),
    "paging:incident:unpaged": lambda p: f"NOBODY PAGED: {_short(_get(p, 'message', 'reason'))}",
    "paging:notification:sent": lambda p: f"{_get(p, 'channel')} page delivered",
    "paging:notification:failing": lambda p: (
        f"{_get(p, 'channel')} page failing: {_answer(p.get('answer'))}"
    ),
    "paging:notification:failed": lambda p: (
        f"{_get(p, 'channel')} page failed: {_answer(p.get('answer'))}"
    ),
    "paging:oncall:handoff": lambda p: (
        f"{_get(p, 'schedule')} on call: {_get(p, 'from') if p.get('from') else 'nobody'}"
        f" → {_get(p, 'to') if p.get('to') else 'nobody'}"
    ),
    "paging:override:added": lambda p: (
        f"override on {_get(p, 'schedule')}: {_get(p, 'user')} replaces {_get(p, 'replaces')} "
        f"from {_at(p, 'start')} to {_at(p, 'end')}"
    ),
    "paging:override:removed": lambda p: (
        f"override on {_get(p, 'schedule')} removed: {_get(p, 'user')} for {_get(p, 'replaces')}"
    ),
}

_COMMS: dict[str, Sentence] = {
    "comms:update:internal": lambda p: (
        f"internal update [{_words(_get(p, 'state'))}]: {_short(p.get('text'))}"
    ),
    "comms:update:external": lambda p: (
        f"public update [{_words(_get(p, 'state'))}]: {_short(p.get('text'))}"
    ),
    "comms:update:posted": lambda p: f"{_get(p, 'audience')} update: {_short(p.get('text'))}",
    "comms:update:published": lambda p: f"{_get(p, 'audience')} update published",
    "comms:reach:nobody": lambda p: f"update reached no channel: {_short(p.get('warning'))}",
    "comms:initial:sent": lambda p: f"declared in {_get(p, 'channels')}",
    "comms:raised:sent": lambda p: f"raised severity declared in {_get(p, 'channels')}",
    "comms:reopened:sent": lambda p: f"reopening declared in {_get(p, 'channels')}",
    "comms:resolution:sent": lambda p: f"resolution announced in {_get(p, 'channels')}",
    "comms:cadence:tightened": lambda p: (
        f"{_get(p, 'audience')} update now due by {_at(p, 'due_at')} ({_get(p, 'severity')})"
    ),
    "comms:cadence:reminded": lambda p: (
        f"{_get(p, 'audience')} update due {_at(p, 'due_at')}: reminded {_people(p)}"
    ),
    "comms:cadence:nobody": lambda p: (
        f"{_get(p, 'audience')} update due {_at(p, 'due_at')}: nobody to remind"
    ),
    "comms:cadence:overdue": lambda p: (
        f"{_get(p, 'audience')} update OVERDUE since {_at(p, 'due_at')}"
    ),
    "comms:cadence:escalated": lambda p: (
        f"{_get(p, 'audience')} update still overdue: escalated to {_people(p)}"
    ),
}

_WORK: dict[str, Sentence] = {
    "evidence:item:added": lambda p: f"evidence added: {_short(_get(p, 'name'))}",
    "evidence:item:removed": lambda p: f"evidence removed: {_short(_get(p, 'name'))}",
    "evidence:item:downloaded": lambda p: f"evidence downloaded: {_short(_get(p, 'name'))}",
    "evidence:export:downloaded": lambda p: (
        f"evidence locker exported ({len(p.get('items') or [])} items)"
    ),
    "runbook:runbook:attached": lambda p: (
        f"runbook attached: {_short(_get(p, 'title', 'runbook'))} ({_words(_get(p, 'reason'))})"
    ),
    "runbook:link:added": lambda p: f"runbook link from the alert: {_short(_get(p, 'url'))}",
    "runbook:step:done": lambda p: _step(p, "done"),
    "runbook:step:skipped": lambda p: _step(p, "skipped"),
    "runbook:step:blocked": lambda p: _step(p, "blocked"),
    "runbook:step:reopened": lambda p: _step(p, "reopened"),
    "runbook:step:noted": lambda p: _step(p, "noted"),
    "action:run:requested": lambda p: (
        _run(p, "requested")
        + (" (awaiting approval)" if p.get("state") == "awaiting_approval" else "")
    ),
    "action:run:held": lambda p: _run(p, "held for approval"),
    "action:run:approved": lambda p: _run(p, "approved"),
    "action:run:refused": lambda p: _run(p, "refused"),
    "action:run:lapsed": lambda p: _run(p, "lapsed (never approved)"),
    "action:run:succeeded": lambda p: _run(p, "succeeded"),
    "action:run:previewed": lambda p: _run(p, "previewed (nothing run)"),
    "action:run:failed": lambda p: _run(p, f"failed (exit {_get(p, 'exit_code')})"),
    "action:run:timed_out": lambda p: _run(p, "timed out"),
    "action:run:interrupted": lambda p: _run(p, "interrupted"),
    "action:run:reverted": lambda p: _run(p, "reverted"),
    "heartbeat:heartbeat:missed": lambda p: f"heartbeat {_get(p, 'heartbeat', 'name')} missed",
    "heartbeat:heartbeat:recovered": lambda p: (
        f"heartbeat {_get(p, 'heartbeat', 'name')} recovered"
    ),
    "statuspage:incident:published": lambda p: (
        "published on the status page"
        + (f" ({_get(p, 'components')})" if p.get("components") else "")
    ),
    "statuspage:incident:unpublished": lambda p: "taken off the status page",
}

_REVIEW: dict[str, Sentence] = {
    "review:postmortem:created": lambda p: (
        f"postmortem drafted, author {_people(p, 'author')}, due {_at(p, 'due_at')}"
    ),
    "review:postmortem:assigned": lambda p: (
        f"postmortem author: {_get(p, 'author')}" + _withdrawn(p)
    ),
    "review:postmortem:edited": lambda p: (
        f"postmortem edited (version {_get(p, 'version')})" + _withdrawn(p)
    ),
    "review:postmortem:submitted": lambda p: "postmortem submitted for review",
    "review:postmortem:approved": lambda p: "postmortem approved" + _why(p),
    "review:postmortem:returned": lambda p: "postmortem returned to draft" + _why(p),
    "review:postmortem:published": lambda p: (
        "postmortem published"
        + (f", reviewed by {_get(p, 'reviewers')}" if p.get("reviewers") else "")
    ),
    "review:postmortem:reminded": lambda p: f"postmortem {_get(p, 'when')}: reminded {_people(p)}",
    "review:postmortem:nobody": lambda p: f"postmortem {_get(p, 'when')}: nobody to remind",
    "review:postmortem:overdue": lambda p: f"postmortem OVERDUE since {_at(p, 'due_at')}",
    "review:action_item:created": lambda p: (
        _item(p, "created")
        + (
            f" (owner {p['owner']}, {p['priority']})"
            if p.get("owner") and p.get("priority")
            else ""
        )
    ),
    "review:action_item:updated": lambda p: _item(p, f"changed: {_changes(p)}"),
    "review:action_item:status_open": lambda p: _item(p, "reopened"),
    "review:action_item:status_in_progress": lambda p: _item(p, "in progress"),
    "review:action_item:status_done": lambda p: _item(p, "done"),
    "review:action_item:status_wont_do": lambda p: _item(p, "won't be done"),
    "review:action_item:reminded": lambda p: (
        _item(p, f"due {_at(p, 'due_at')}: reminded") + f" {_people(p)}"
    ),
    "review:action_item:overdue": lambda p: _item(p, f"OVERDUE since {_at(p, 'due_at')}"),
    "review:action_item:export_queued": lambda p: _item(p, "queued for the issue tracker"),
    "review:action_item:exported": lambda p: _item(p, f"exported as {_get(p, 'ref', 'url')}"),
    "review:action_item:export_failed": lambda p: (
        _item(p, f"export failed: {_short(_get(p, 'error'), 40)}")
        + (" (will retry)" if p.get("will_retry") else "")
    ),
    "review:drill:started": lambda p: (
        f"drill {_get(p, 'drill_id')} started ({p.get('steps') or 0} scripted alerts)"
    ),
    "review:drill:fired": lambda p: f"drill alert fired: {_get(p, 'alert')}",
    "review:drill:resolved": lambda p: f"drill alert resolved: {_get(p, 'alert')}",
    "review:drill:skipped": lambda p: f"drill alerts not played: {_get(p, 'why')}",
    "auth:user:role_changed": lambda p: (
        f"{_get(p, 'user')} role {_get(p, 'from')} → {_get(p, 'to')}"
    ),
    "auth:user:deactivated": lambda p: f"{_get(p, 'user')} deactivated",
    "auth:user:reactivated": lambda p: f"{_get(p, 'user')} reactivated",
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
    return _short("; ".join(parts), 70)


def describe(kind: str, payload: dict[str, Any] | None, *, whole: bool = False) -> str:
    """A short human sentence for an event: one per kind, a plain fallback for the rest.
    `whole`: texts in full (on one line) rather than cut to fit a terminal's column."""
    token = _WHOLE.set(whole)
    try:
        return _describe(kind, payload or {})
    finally:
        _WHOLE.reset(token)


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
            return f"hypothesis {_short(p.get('text'))}: {_words(before)} → {_words(after)}"
    if kind == "incident:hypothesis:updated":
        return f"hypothesis changed: {_short(p.get('text'))}"
    return _fallback(p)
