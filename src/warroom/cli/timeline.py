"""`warroom timeline N`: an incident's events, oldest first; and how one event reads."""

from __future__ import annotations

from typing import Any

import typer

from warroom.cli.output import JsonOption, api_errors, fmt_time, print_json, print_table


def describe(event: dict[str, Any]) -> str:
    """A one-line human summary of an event's payload."""
    p = event.get("payload") or {}
    kind = event.get("kind", "")
    if kind == "incident:hypothesis:updated" and "status" in (p.get("changes") or {}):
        before, after = p["changes"]["status"]
        return f"{p.get('text')}: {before} → {after}"
    if "text" in p and ("note" in kind or "hypothesis" in kind or "task" in kind):
        extra = f" [{p['status']}]" if "status" in p else ""
        return f"{p['text']}{extra}"
    if "from" in p and "to" in p:
        line = f"{p['from']} → {p['to']}"
        for key in ("reason", "note", "role"):
            if p.get(key):
                line += f" ({key}: {p[key]})"
        return line
    if kind == "incident:incident:opened":
        return f"{p.get('severity')} {p.get('title', '')} [{p.get('source')}]"
    if kind.startswith("incident:event:"):
        return f"#{p.get('seq')} {p.get('event_kind', '')}"
    if "user_email" in p:
        return f"{p.get('role')}: {p['user_email']}"
    if "name" in p:
        return f"{p['name']}" + (f" sha256={p['sha256'][:12]}…" if p.get("sha256") else "")
    return ", ".join(f"{k}={v}" for k, v in p.items())


def timeline(
    number: int = typer.Argument(..., help="Incident number (42 for INC-42)"),
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
    rows = [{**e, "star": "★" if e["starred"] else "", "what": describe(e)} for e in items]
    print_table(
        rows,
        [
            ("seq", "#"),
            ("star", ""),
            ("occurred_at", "When"),
            ("actor", "Who"),
            ("kind", "Kind"),
            ("what", "What"),
        ],
        title=f"INC-{number} timeline",
        formatters={"occurred_at": fmt_time},
    )
