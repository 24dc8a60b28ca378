"""The paging part of `warroom incident show`: where escalation stands and every page sent.

The next escalation and the next rung of the unresolved ladder are worked out from the policy
and ladder snapshotted with the incident (`GET /incidents/N/escalation`), with the same pure
functions the engine plans them with.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

PAGE_STYLE = {"sent": "green", "failed": "bold red", "queued": "yellow", "sending": "yellow"}
STATE_WORD = {"sent": "DELIVERED", "failed": "FAILED", "queued": "QUEUED", "sending": "SENDING"}


def _clock(value: datetime | str | None) -> str:
    from warroom.cli.incident_screen import _at

    if isinstance(value, datetime):
        value = value.isoformat()
    return _at(value)


def _in(when: datetime, now: datetime) -> str:
    from warroom.cli.incident_screen import _span

    seconds = (when - now).total_seconds()
    return f"in {_span(seconds)}" if seconds > 0 else "due now"


def escalation_lines(
    inc: dict[str, Any],
    escalation: dict[str, Any] | None,
    now: datetime,
    severity_pages: bool | None = None,
) -> list[str]:
    """Acknowledged by whom, the policy and level, the next escalation, the next ladder rung.

    `severity_pages`: the severity's `page` flag (None: unknown). A severity that does not
    page has no policy snapshotted, and that is not a missing policy.
    """
    from rich.markup import escape

    lines = []
    if inc.get("acknowledged_at"):
        who = escape(inc.get("acknowledged_by") or "?")
        lines.append(f"  acknowledged by {who} at {_clock(inc['acknowledged_at'])}")
    elif inc["status"] == "triggered":
        lines.append("  [bold red]not acknowledged[/]")
    if escalation is None:
        return [*lines, "  no escalation state (paging has not planned this incident)"]
    policy = escalation.get("policy") or {}
    levels = policy.get("levels") or []
    if escalation.get("policy_key"):
        lines.append(
            f"  policy {escape(escalation['policy_key'])}: level {escalation['level'] + 1} "
            f"of {len(levels)}, {escalation['state']}"
        )
    elif severity_pages is False:
        sev = escape(inc["severity"])
        lines.append(f"  {sev} does not page (page: false): nobody is paged at this severity")
    else:
        lines.append("  no escalation policy")
    lines += _next_escalation(inc, escalation, now)
    lines += _next_rung(inc, escalation, now)
    return lines


def _next_escalation(inc: dict[str, Any], escalation: dict[str, Any], now: datetime) -> list[str]:
    from rich.markup import escape

    from warroom.paging.escalation import Policy, plan

    if escalation["state"] != "escalating" or inc["status"] != "triggered":
        return []
    steps = plan(Policy.from_snapshot(escalation["policy"]))
    here = (escalation["level"], escalation["round"])
    index = next((i for i, s in enumerate(steps) if (s.level, s.round) == here), None)
    if index is None or index + 1 >= len(steps):
        return ["  next escalation: none (last level)"]
    step = steps[index + 1]
    when = datetime.fromisoformat(escalation["started_at"]) + timedelta(seconds=step.at_s)
    return [
        f"  next escalation: level {step.level + 1} at {_clock(when)} ({_in(when, now)}): "
        f"{escape(', '.join(step.targets))}"
    ]


def _next_rung(inc: dict[str, Any], escalation: dict[str, Any], now: datetime) -> list[str]:
    from rich.markup import escape

    from warroom.paging.escalation import ladder

    if inc["status"] in ("resolved", "closed"):
        return []
    fired = {int(i) for i in escalation.get("ladder_fired") or []}
    rungs = [r for r in ladder(escalation.get("ladder") or []) if r.index not in fired]
    if not rungs:
        return []
    rung = rungs[0]
    when = datetime.fromisoformat(escalation["started_at"]) + timedelta(seconds=rung.after_s)
    return [
        f"  next rung: unresolved at {_clock(when)} ({_in(when, now)}): "
        f"{escape(', '.join(rung.targets))}"
    ]


def page_lines(pages: list[dict[str, Any]], page_rows: list[dict[str, Any]]) -> list[str]:
    """One line per message: when, who, through what, delivered or failed (and why)."""
    from rich.markup import escape

    created = {row["id"]: row["created_at"] for row in page_rows}
    lines = []
    for p in pages:
        style = PAGE_STYLE.get(p["state"], "")
        retrying = p["state"] == "queued" and p["attempts"] > 0
        state = "RETRYING" if retrying else STATE_WORD.get(p["state"], p["state"].upper())
        answer = (p.get("provider_answer") or "").strip().splitlines()
        when = _clock(created.get(p.get("page_id")) or p.get("updated_at"))[6:]
        who = escape((p.get("person") or p.get("target") or "?")[:26])
        lines.append(f"  {when} {who:<26} {escape(p['channel'][:9]):<9} [{style}]{state}[/]")
        if answer and p["state"] != "sent":
            lines.append(f"        [dim]{escape(answer[-1][:70])}[/]")
    return lines


def _why_nobody(target: str) -> str:
    kind = target.partition(":")[0]
    if kind in ("schedule", "oncall", "team"):
        return f"{target}: nobody on call"
    if kind == "members":
        return f"{target}: no active member"
    if kind == "user":
        return f"{target}: not an active user"
    return target


def nobody_lines(events: list[dict[str, Any]]) -> list[str]:
    """One loud line per page that reached nobody (`paging:page:nobody` on the timeline)."""
    from rich.markup import escape

    lines = []
    for event in events:
        payload = event.get("payload") or {}
        targets = "; ".join(_why_nobody(str(t)) for t in payload.get("targets") or [])
        reason = payload.get("reason")
        lines.append(
            f"  [bold red]NOBODY PAGED[/] {_clock(event.get('occurred_at'))[6:]}"
            + (f" ({escape(str(reason))})" if reason else "")
            + f": {escape(targets or 'no target')}"
        )
    return lines
