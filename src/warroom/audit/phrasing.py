"""The phrases timeline sentences are built of: a payload's values read safely (a missing key
reads "?"), times, texts cut to a terminal's column (or whole), people, alerts, changes.
Only the payload is read: nothing here touches the database or another domain."""

from __future__ import annotations

from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

# Whether texts (notes, updates, reasons) are kept whole: the web UI has the room, a terminal
# table does not.
WHOLE: ContextVar[bool] = ContextVar("whole_texts", default=False)


def get(p: dict[str, Any], *keys: str) -> str:
    for key in keys:
        if p.get(key) not in (None, "", [], {}):
            value = p[key]
            return ", ".join(map(str, value)) if isinstance(value, list) else str(value)
    return "?"


def at(p: dict[str, Any], key: str) -> str:
    """A time of the payload (ISO 8601) as screens show it, to the minute in UTC."""
    value = get(p, key)
    try:
        moment = datetime.fromisoformat(value) if "T" in value else None
    except ValueError:
        moment = None
    if moment is None:
        return value  # not a time of day: shown as it is
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%d %H:%M UTC")


def short(text: Any, width: int = 60) -> str:
    line = " ".join(str(text or "").split())
    return line if len(line) <= width or WHOLE.get() else line[: width - 1] + "…"


def answer(text: Any) -> str:
    """A provider's answer as the page events tell it: its last line, the most specific (an
    Apprise answer starts with "INFO - Notifying 1 service(s)." and ends with what failed);
    whole on the timeline's own screens, else cut to fit."""
    lines = [line for line in str(text or "").splitlines() if line.strip()]
    return short(lines[-1], 60) if lines else "?"


def words(value: Any) -> str:
    return str(value or "").replace("_", " ")


def alerts(p: dict[str, Any]) -> str:
    """Intake's events name their alerts in a list: the first one's summary, and how many more."""
    named = [a.get("summary") for a in p.get("alerts") or [] if isinstance(a, dict)]
    if not named or not named[0]:
        fingerprints = [a.get("fingerprint") for a in p.get("alerts") or [] if isinstance(a, dict)]
        first = fingerprints[0] if fingerprints and fingerprints[0] else None
        return short(first or get(p, "summary", "alertname"))
    more = int(p.get("count") or len(named)) - 1
    return short(named[0], 50) + (f" (+{more} more)" if more > 0 else "")


def why(p: dict[str, Any]) -> str:
    said = p.get("reason") or p.get("note")
    return f": {short(said)}" if said else ""


def people(p: dict[str, Any], key: str = "to") -> str:
    return get(p, key) if p.get(key) else "nobody"


def run(p: dict[str, Any], what: str) -> str:
    """An action run: its action, run number and what happened (and why, if it went wrong)."""
    dry = " (dry run)" if p.get("dry_run") else ""
    said = p.get("error") or p.get("warning") or p.get("reason")
    return f"action {get(p, 'action')} run {get(p, 'run_id')}{dry} {what}" + (
        f": {short(said)}" if said else ""
    )


def changes(p: dict[str, Any]) -> str:
    changes = p.get("changes") or p.get("changed") or {}
    if not isinstance(changes, dict) or not changes:
        return get(p, "fields")
    return ", ".join(words(k) for k in changes)


def step(p: dict[str, Any], what: str) -> str:
    text = p.get("text") or p.get("note")
    return (
        f"runbook {get(p, 'runbook')} step {get(p, 'step')} {what}"
        + (f": {short(text)}" if text else "")
        + (f" ({short(p['reason'], 40)})" if p.get("reason") and what != "noted" else "")
    )


def withdrawn(p: dict[str, Any]) -> str:
    """A postmortem's approvals withdrawn by a change of its text or author, if any."""
    who = p.get("approvals_withdrawn") or []
    return f"; approval by {', '.join(map(str, who))} withdrawn" if who else ""


def item(p: dict[str, Any], what: str) -> str:
    title = f": {short(p['title'])}" if p.get("title") else ""
    return f"action item {get(p, 'action_item')} {what}{title}"
