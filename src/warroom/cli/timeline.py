"""`warroom timeline N`: an incident's events, oldest first; and how one event reads."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from warroom.cli.output import (
    IncidentArg,
    JsonOption,
    api_errors,
    fmt_time,
    print_json,
)


def _get(p: dict[str, Any], *keys: str) -> str:
    for key in keys:
        if p.get(key) not in (None, "", [], {}):
            value = p[key]
            return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return "?"


def _short(text: Any, width: int = 60) -> str:
    line = " ".join(str(text or "").split())
    return line if len(line) <= width else line[: width - 1] + "…"


def _alerts(p: dict[str, Any]) -> str:
    """Intake's events name their alerts in a list: the first one's summary, and how many more."""
    named = [a.get("summary") for a in p.get("alerts") or [] if isinstance(a, dict)]
    if not named or not named[0]:
        return _short(_get(p, "summary", "alertname"))
    more = int(p.get("count") or len(named)) - 1
    return _short(named[0], 50) + (f" (+{more} more)" if more > 0 else "")


# One sentence per kind of event; the fallback below covers kinds added later.
SENTENCES: dict[str, Callable[[dict[str, Any]], str]] = {
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
    "incident:role:assigned": lambda p: f"{_get(p, 'user_email')} is {_get(p, 'role')}",
    "incident:role:handed_over": lambda p: (
        f"{_get(p, 'role')} handed over {_get(p, 'from')} → {_get(p, 'to', 'user_email')}"
    ),
    "incident:role:unassigned": lambda p: f"{_get(p, 'user_email')} no longer {_get(p, 'role')}",
    "incident:note:added": lambda p: f"note: {_short(p.get('text'))}",
    "incident:details:updated": lambda p: f"details changed: {_get(p, 'fields', 'changes')}",
    "intake:alert:fired": lambda p: f"alert fired: {_alerts(p)}",
    "intake:alert:grouped": lambda p: f"alert joined: {_alerts(p)}",
    "intake:alert:resolved": lambda p: f"alert resolved: {_alerts(p)}",
    "intake:incident:all_alerts_resolved": lambda p: "every linked alert has resolved",
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
    "paging:page:failover": lambda p: (
        f"{_get(p, 'user')}: {_get(p, 'from')} failed, trying {_get(p, 'to')}"
    ),
    "paging:page:unreachable": lambda p: f"{_get(p, 'user')} unreachable by every method",
    "paging:page:unsendable": lambda p: f"cannot send: {_short(_get(p, 'error'))}",
    "paging:incident:unpaged": lambda p: f"NOBODY PAGED: {_short(_get(p, 'message', 'reason'))}",
    "paging:notification:sent": lambda p: f"{_get(p, 'channel')} page delivered",
    "paging:notification:failing": lambda p: (
        f"{_get(p, 'channel')} page failing: {_short(_get(p, 'answer'), 40)}"
    ),
    "paging:notification:failed": lambda p: (
        f"{_get(p, 'channel')} page failed: {_short(_get(p, 'answer'), 40)}"
    ),
    "comms:cadence:tightened": lambda p: (
        f"{_get(p, 'audience')} update now due by {_get(p, 'due_at')} ({_get(p, 'severity')})"
    ),
    "comms:raised:sent": lambda p: f"raised severity declared in {_get(p, 'channels')}",
    "comms:reopened:sent": lambda p: f"reopening declared in {_get(p, 'channels')}",
    "evidence:item:added": lambda p: f"evidence added: {_short(_get(p, 'name'))}",
    "evidence:item:removed": lambda p: f"evidence removed: {_short(_get(p, 'name'))}",
    "heartbeat:heartbeat:missed": lambda p: f"heartbeat {_get(p, 'name')} missed",
    "heartbeat:heartbeat:recovered": lambda p: f"heartbeat {_get(p, 'name')} recovered",
}


def _why(p: dict[str, Any]) -> str:
    said = p.get("reason") or p.get("note")
    return f": {_short(said)}" if said else ""


def _fallback(p: dict[str, Any]) -> str:
    """Unknown kinds: the plain values, never a Python repr of nested data."""
    parts = []
    for key, value in p.items():
        if isinstance(value, dict | list):
            continue
        parts.append(f"{key.replace('_', ' ')} {value}")
    return _short("; ".join(parts), 70)


def describe(event: dict[str, Any]) -> str:
    """A short human sentence for an event: one per kind, a plain fallback for the rest."""
    p = event.get("payload") or {}
    kind = event.get("kind", "")
    if kind in SENTENCES:
        return SENTENCES[kind](p)
    if kind == "incident:hypothesis:updated" and "status" in (p.get("changes") or {}):
        before, after = p["changes"]["status"]
        return f"hypothesis {_short(p.get('text'))}: {before} → {after}"
    if "text" in p and ("hypothesis" in kind or "task" in kind):
        extra = f" [{p['status']}]" if "status" in p else ""
        return f"{kind.split(':')[1]}: {_short(p['text'])}{extra}"
    if kind.startswith("incident:event:"):
        return f"event #{p.get('seq')} {kind.rsplit(':', 1)[-1]}"
    return _fallback(p)


def timeline(
    number: int = IncidentArg,
    star: bool = typer.Option(False, "--star", help="Only starred events"),
    kind: str = typer.Option(None, "--kind", help="Only kinds starting with this"),
    limit: int = typer.Option(100, "--limit", min=1, max=500),
    everything: bool = typer.Option(False, "--all", help="Follow every page"),
    as_json: bool = JsonOption,
) -> None:
    """Show an incident's timeline (oldest first)."""
    from warroom.cli.client import client

    params: dict[str, Any] = {"limit": limit}
    if star:
        params["starred"] = "true"
    if kind:
        params["kind"] = kind
    items: list[dict[str, Any]] = []
    with api_errors():
        api = client()
        while True:
            page = api.get(f"/api/v1/incidents/{number}/timeline", params=params)
            items += page["items"]
            if not everything or not page["next_cursor"]:
                break
            params["cursor"] = page["next_cursor"]
    if as_json:
        print_json(items)
        return
    _print_events(items, f"INC-{number} timeline")


def _print_events(items: list[dict[str, Any]], title: str) -> None:
    """Events at 80 columns: #, when, who, and what happened as a sentence (no wrapped kinds)."""
    from rich.table import Table

    from warroom.cli.output import console

    table = Table(title=title, title_justify="left", box=None)
    table.add_column("#", no_wrap=True, justify="right")
    table.add_column("When", no_wrap=True)
    table.add_column("Who", overflow="ellipsis", no_wrap=True, max_width=16)
    table.add_column("What", overflow="fold", ratio=1)
    for event in items:
        star = "★" if event["starred"] else ""
        when = fmt_time(event["occurred_at"])[5:19]
        table.add_row(f"{star}{event['seq']}", when, event["actor"], describe(event))
    console().print(table)
