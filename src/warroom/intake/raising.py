"""Alerts raise severity: a more severe alert joining an open incident raises the incident to
the alert's routed severity, through the incidents service (so `incident:severity:raised` is
published and paging follows at once). A less severe alert never lowers it: that stays a
human decision."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.clock import Clock
from warroom.incidents import service as incidents
from warroom.intake.schemas import NormalisedAlert
from warroom.intake.state import IntakeConfig


def raise_if_more_severe(
    session: Session,
    clock: Clock,
    cfg: IntakeConfig,
    incident_id: int,
    severity: str,
    alerts: list[tuple[NormalisedAlert, int]],
    actor: str,
) -> bool:
    """Raise the incident to `severity` when that is more severe; True when it was raised.

    The caller holds the incident row already (`grouping.place` locks it before its first
    timeline write): the severity read here is the one no one else can change before this
    transaction ends, so a person's raise that committed first is seen, never raised again.
    """
    current = incidents.severity_of(session, incident_id)  # a light read: most never raise
    new, old = cfg.severity_rank(severity), cfg.severity_rank(current or "")
    if new is None or (old is not None and new >= old) or current == severity:
        return False
    incident = incidents.get_incident_by_id(session, incident_id)
    first, row_id = alerts[0]
    name = first.summary or first.labels.get("alertname") or first.fingerprint
    timeline.record(
        session,
        clock,
        incident_id=incident_id,
        kind="intake:incident:severity_raised",
        actor=actor,
        payload={
            "from": current,
            "to": severity,
            "alert": {"id": row_id, "fingerprint": first.fingerprint, "summary": name[:200]},
        },
    )
    incidents.change_severity(
        session,
        clock,
        incident,
        severity=severity,
        reason=f"a more severe alert joined: {name[:200]} (alert {row_id})",
        actor=actor,
    )
    return True
