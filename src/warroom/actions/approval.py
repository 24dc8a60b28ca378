"""The two-person rule: which runs wait for a second person's approval.

An action's `approval` lists severities. A run needs approval when its incident has had one of
them at any time since it opened (its `incident:incident:opened` and `incident:severity:*`
events, and its current severity): lowering the severity, running, and raising it back must
not dodge the rule. The engine asks again just before it executes an unapproved run.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.incidents.models import Incident


def severities_held(session: Session, incident: Incident) -> set[str]:
    """Every severity this incident has had since it opened, the current one included."""
    kinds = ["incident:incident:opened", "incident:severity:raised", "incident:severity:lowered"]
    held = {incident.severity}
    for event in timeline.events_since(session, incident_id=incident.id, kinds=kinds):
        payload = event.payload or {}
        for key in ("severity", "from", "to"):
            if isinstance(payload.get(key), str):
                held.add(payload[key])
    return held


def requires_approval(session: Session, definition: dict[str, Any], incident: Incident) -> bool:
    """Two-person rule: the incident has at any time had a severity in the `approval` list.

    Lowering the severity, running, and raising it back must not dodge the rule.
    """
    listed = set(definition.get("approval") or [])
    return bool(listed) and not listed.isdisjoint(severities_held(session, incident))
