"""The `warroom incident show` screen: the whole picture of an incident at 80 columns.

Status, severity, impact, due times (met / missed / pending), roles (unfilled ones flagged),
the paging picture (who was paged, when, through what, delivered or failed, who acknowledged,
the current level, the next escalation and the next rung of the unresolved ladder), linked
alerts, evidence, hypotheses, tasks and the last events, each as a short sentence.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from warroom.cli.actions import print_mitigations
from warroom.cli.output import console, fmt_time
from warroom.cli.runbooks import print_progress
from warroom.cli.timeline import describe

DUE = (
    ("acknowledge", "acknowledge_by", "acknowledge_overdue", "acknowledged_at"),
    ("respond (start work)", "respond_by", "respond_overdue", "responded_at"),
    ("resolve", "resolve_by", "resolve_overdue", "resolved_at"),
    ("internal update", "next_internal_update_by", "internal_update_overdue", None),
    ("external update", "next_external_update_by", "external_update_overdue", None),
)
STATUS_STYLE = {
    "triggered": "bold white on red",
    "acknowledged": "bold black on yellow",
    "mitigated": "bold black on cyan",
    "resolved": "bold black on green",
    "closed": "dim",
}
HYPOTHESIS_STYLE = {"investigating": "yellow", "confirmed": "bold red", "unlikely": "dim"}
# Roles one person holds at a time; the screen says so when one is empty.
KEY_ROLES = ("incident_commander", "scribe", "communications_lead", "operations_lead")
DONE = ("resolved", "closed")


def _when(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value.replace("Z", "+00:00")) if value else None


def _span(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    if minutes >= 48 * 60:
        return f"{minutes // 1440}d{(minutes % 1440) // 60:02d}h"
    return f"{minutes // 60}h{minutes % 60:02d}m" if minutes >= 60 else f"{minutes}m"


def _ago(value: str, now: datetime) -> str:
    when = _when(value) or now
    text = _span((now - when).total_seconds())
    return f"{text} ago" if when <= now else f"in {text}"


def _at(value: str | None) -> str:
    """A short local time: month-day hour:minute (the zone is named once, in the header)."""
    return fmt_time(value)[5:16] if value else "-"


def _target_line(label: str, due: str, done: str | None, now: datetime) -> str:
    due_at = _when(due)
    if done is not None:
        late = ((_when(done) or now) - (due_at or now)).total_seconds()
        if late <= 0:
            return f"  {label:<20} [green]met[/] at {_at(done)} (due {_at(due)})"
        return (
            f"  {label:<20} [bold red]missed[/] by {_span(late)}: done {_at(done)}, due {_at(due)}"
        )
    if due_at is not None and now > due_at:
        return f"  {label:<20} [bold red]OVERDUE[/] since {_at(due)} ({_ago(due, now)})"
    return f"  {label:<20} by {_at(due)} ({_ago(due, now)})"


def due_lines(incident: dict[str, Any], now: datetime) -> list[str]:
    """Each target: met or missed once past, pending (by / OVERDUE) while the incident is open."""
    due = incident["due"]
    closed = incident["status"] in DONE
    lines = []
    for label, key, _late, met in DUE:
        if not due.get(key):
            continue
        done = incident.get(met) if met else None
        if met == "responded_at" and met not in incident:
            done = incident.get("mitigated_at")  # before "respond" had its own moment
        if closed and met and not done:
            done = incident.get("resolved_at")  # resolving ends every earlier target too
        if closed and not met:
            continue  # no update reminders after the incident is resolved
        if met == "acknowledged_at" and not done and incident["status"] != "triggered":
            # Worked without one (`ack` is refused from here): mitigating ended the target;
            # an incident resolved, then reopened, before anyone acknowledged owes none now.
            done = incident.get("mitigated_at")
            if not done:
                lines.append(f"  {label:<20} never acknowledged: resolved, then reopened")
                continue
        lines.append(_target_line(label, due[key], done, now))
    return lines or ["  (no targets for this severity)"]


def render(data: dict[str, Any], now: datetime | None = None, out: Any = None) -> None:
    """Print the screen with Rich (`now` and `out` for tests: a fixed time, a fixed width)."""
    now = now or datetime.now(UTC)
    out = out or console(pipe_width=80)  # laid out for 80 columns; its rule spans them
    inc = data["incident"]
    _header(out, inc, now)
    out.print("[bold]Due[/]")
    for line in due_lines(inc, now):
        out.print(line)
    _roles(out, inc["roles"], inc["ref"])
    severity = data.get("severity") or {}
    escalation = data.get("escalation")
    page_rows = data.get("page_rows") or []
    nobody = data.get("nobody_paged")
    _paging(out, inc, escalation, page_rows, now, severity.get("page"), nobody)
    _alerts_and_evidence(
        out, data.get("alerts") or [], data.get("evidence") or [], data.get("alerts_limit")
    )
    _work(out, data)
    print_progress(out, data.get("runbooks"))
    print_mitigations(out, data.get("mitigations"), data.get("effect_unknown"))
    _events(out, data["events"])
    # allowed_actions are the caller's: none for a viewer, and none once the incident is closed.
    if inc["allowed_actions"] or inc["status"] == "closed":
        actions = ", ".join(inc["allowed_actions"]) or "none (closed)"
        out.print(f"[bold]Next[/]: {actions}")


def _header(out: Any, inc: dict[str, Any], now: datetime) -> None:
    from rich.markup import escape

    flags = "".join(f" [reverse] {f.upper()} [/]" for f in ("drill", "private") if inc.get(f))
    out.rule(f"[bold]{inc['ref']}[/]  {escape(inc['title'])}{flags}")
    style = STATUS_STYLE.get(inc["status"], "bold")
    zone = fmt_time(inc["opened_at"]).rsplit(" ", 1)[-1]
    out.print(
        f"[{style}] {inc['status'].upper()} [/]  severity [bold]{inc['severity']}[/]  "
        f"opened {_at(inc['opened_at'])} {zone} ({_ago(inc['opened_at'], now)}) "
        f"by {escape(inc['created_by'])}"
    )
    if inc.get("unpaged"):
        out.print(f"[bold red reverse] NOBODY PAGED [/] [bold red]{escape(inc['unpaged'])}[/]")
    if inc["services"]:
        out.print(f"services: {', '.join(inc['services'])}")
    if inc.get("tags"):
        out.print(f"tags: {escape(', '.join(inc['tags']))}")
    impact = inc.get("impact") or {}
    if impact.get("scope") or impact.get("customer_facing") is not None:
        facing = {True: "customer-facing", False: "internal", None: "impact unknown"}
        scope = f"; {escape(impact['scope'])}" if impact.get("scope") else ""
        affected = ", ".join(impact.get("affected") or [])
        out.print(
            f"impact: {facing[impact.get('customer_facing')]}, data loss "
            f"{impact.get('data_loss', 'unknown')}{scope}"
            + (f"; affected: {escape(affected)}" if affected else "")
        )
    if inc.get("summary"):
        out.print(escape(inc["summary"]))


def _roles(out: Any, held: list[dict[str, Any]], ref: str) -> None:
    from rich.markup import escape

    out.print("[bold]Roles[/]")
    names = {r["role"] for r in held}
    for holder in held:
        out.print(f"  {holder['role']:<22} {escape(holder['user_email'])}")
    for role in KEY_ROLES:
        if role not in names:
            out.print(f"  {role:<22} [bold red]UNFILLED[/]")
    if "incident_commander" not in names:
        out.print(f"  take command: `warroom incident role {ref} incident_commander YOU`")


def pages_summary(count: int, failed: int) -> str:
    """`1 message, 0 failed` / `2 messages, 1 failed`."""
    return f"{count} message{'' if count == 1 else 's'}, {failed} failed"


def _paging(
    out: Any,
    inc: dict[str, Any],
    escalation: dict[str, Any] | None,
    page_rows: list[dict[str, Any]],
    now: datetime,
    severity_pages: bool | None = None,
    nobody: list[dict[str, Any]] | None = None,
) -> None:
    from warroom.cli.incident_paging import escalation_lines, nobody_lines, page_lines

    pages = inc.get("pages") or []
    failed = sum(1 for p in pages if p["state"] == "failed")
    out.print(f"[bold]Pages[/] ({pages_summary(len(pages), failed)})")
    for line in nobody_lines(nobody or []):
        out.print(line)
    for line in escalation_lines(inc, escalation, now, severity_pages):
        out.print(line)
    for line in page_lines(pages, page_rows):
        out.print(line)


def _alerts_and_evidence(
    out: Any,
    alerts: list[dict[str, Any]],
    evidence: list[dict[str, Any]],
    limit: int | None = None,
) -> None:
    from rich.markup import escape

    firing = [a for a in alerts if a["status"] != "resolved"]
    # The list stopped at its limit: more may be linked, so the counts are of the newest ones.
    counts = f"{len(alerts)} linked, {len(firing)} firing, {len(alerts) - len(firing)} resolved"
    if limit is not None and len(alerts) >= limit:
        counts = f"at least {len(alerts)} linked (of the newest {len(alerts)}: " + (
            f"{len(firing)} firing, {len(alerts) - len(firing)} resolved)"
        )
    out.print(
        f"[bold]Alerts[/]: {counts}   [bold]Evidence[/]: {len(evidence)} "
        + ("item" if len(evidence) == 1 else "items")
    )
    for alert in firing[:3]:
        summary = alert.get("summary") or alert.get("labels", {}).get("alertname") or "?"
        out.print(f"  [red]firing[/] {escape(str(summary))[:68]}")


def _work(out: Any, data: dict[str, Any]) -> None:
    from rich.markup import escape

    live = [h for h in data["hypotheses"] if h["status"] != "ruled_out"]
    ruled_out = len(data["hypotheses"]) - len(live)
    out.print(f"[bold]Hypotheses[/] ({ruled_out} ruled out)")
    for h in live:
        style = HYPOTHESIS_STYLE.get(h["status"], "")
        owner = ""
        if h.get("owner"):
            owner = f" — {escape(_who(h['owner'], h.get('owner_cannot_work')))}"
        out.print(
            f"  {h['id']:>4} [{style}]{h['status'].upper():<13}[/] {escape(h['text'])}{owner}"
        )
    open_tasks = [t for t in data["tasks"] if not t["done"]]
    out.print(f"[bold]Tasks[/] ({len(open_tasks)} open of {len(data['tasks'])})")
    for t in data["tasks"]:
        box = "[green]✓[/]" if t["done"] else "☐"
        who = ""
        if t.get("assignee"):
            cannot = None if t["done"] else t.get("assignee_cannot_work")
            who = f" @{escape(_who(t['assignee'], cannot))}"
        out.print(f"  {t['id']:>4} {box} {escape(t['text'])}{who}")


def _who(email: str, cannot: str | None) -> str:
    """An owner or assignee as shown: one who can no longer do the work says why."""
    return f"{email} ({cannot})" if cannot else email


def _events(out: Any, events: list[dict[str, Any]]) -> None:
    from rich.table import Table
    from rich.text import Text

    table = Table(title="Last events", title_justify="left", box=None, show_header=False)
    table.add_column("#", no_wrap=True, min_width=4)
    table.add_column("When", no_wrap=True)
    table.add_column("Who", overflow="ellipsis", no_wrap=True, max_width=14)
    table.add_column("What", overflow="fold", ratio=1)
    for event in events:
        star = "★" if event["starred"] else " "
        when, who, what = _at(event["occurred_at"])[6:], Text(event["actor"]), Text(describe(event))
        table.add_row(f"{star}{event['seq']}", when, who, what)  # Text: shown as written
    out.print(table)
