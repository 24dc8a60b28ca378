"""A made-up incident every postmortem template must render against (`config check`)."""

from __future__ import annotations

from typing import Any

from warroom.review.postmortems.draft import TO_FILL


def _event(time: str, offset: str, actor: str, kind: str, what: str) -> dict[str, Any]:
    return {
        "seq": 1,
        "time": time,
        "offset": offset,
        "actor": actor,
        "kind": kind,
        "what": what,
        "starred": True,
    }


def sample_context() -> dict[str, Any]:
    """The names `draft.context` gives a template, with sample values."""
    opened = _event("2026-01-01 03:45 UTC", "T+0s", "alertmanager", "x:y:z", "Alert fired")
    return {
        "ref": "INC-42",
        "number": 42,
        "title": "Proof validation fails",
        "summary": "Validation failed after a database corruption.",
        "severity": "P0",
        "severity_name": "Critical",
        "drill": False,
        "date": "2026-01-01",
        "started": "2026-01-01 03:45 UTC",
        "ended": "2026-01-01 04:45 UTC",
        "duration": "1h",
        "author": "jane@example.com",
        "due": "2026-01-03 04:45 UTC",
        "services": ["api", "db"],
        "roles": [{"role": "incident commander", "person": "jane@example.com"}],
        "impact": {
            "users": "all",
            "scope": "proof generation",
            "customer_facing": "yes",
            "services": "api, db",
            "data_loss": "no",
            "duration": "1h",
        },
        "times": [
            {
                "name": "Detected",
                "at": "2026-01-01 03:45 UTC",
                "after": "0s",
                "target": "",
                "met": "no target",
            },
            {
                "name": "Acknowledged",
                "at": "2026-01-01 03:47 UTC",
                "after": "2m",
                "target": "15m",
                "met": "yes",
            },
        ],
        "starred": [opened],
        "timeline": [opened],
        "timeline_left_off": 0,
        "actions": [
            {
                "title": "Restart",
                "key": "restart",
                "state": "succeeded",
                "requested_by": "jane@example.com",
                "at": "2026-01-01 04:00 UTC",
                "reverted": "",
            }
        ],
        "hypotheses": [{"text": "Disk full", "status": "ruled out", "owner": ""}],
        "action_items": [
            {
                "title": "Enable WAL",
                "owner": "jane@example.com",
                "due": "2026-01-08 00:00 UTC",
                "status": "open",
                "priority": "P0",
            }
        ],
        "to_fill": TO_FILL,
    }
