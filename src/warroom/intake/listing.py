"""Reading alerts: the filtered list, one alert, their annotations, an Opsgenie id's
fingerprint, and which route an alert would take. Re-exported by `warroom.intake.service`,
which the API, the pages and other domains import."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import bindparam, or_, select
from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.errors import Invalid, NotFound
from warroom.intake.models import Alert
from warroom.intake.new_alerts import STORED
from warroom.intake.routing import MatcherError, group_key, parse_matcher
from warroom.intake.silences import active_silences
from warroom.intake.state import IntakeConfig
from warroom.intake.suppression import suppressed_by


def list_alerts(
    session: Session,
    *,
    status: str | None = None,
    integration: str | None = None,
    service: str | None = None,
    incident_id: int | None = None,
    suppressed: bool | None = None,
    fingerprint: str | None = None,
    label: list[str] | None = None,
    limit: int = 100,
    before_id: int | None = None,
    hidden: Collection[int] = frozenset(),
) -> list[Alert]:
    """Alerts newest first, filtered; label filters are matchers (service="x"); alerts of the
    `hidden` incidents are left out before the limit."""
    if not 1 <= limit <= 1000:
        raise Invalid("limit must be between 1 and 1000", field="limit")
    query = select(Alert)
    if status == "open":
        query = query.where(Alert.resolved_at.is_(None))
    elif status in ("firing", "resolved"):
        query = query.where(Alert.status == status)
    elif status is not None:
        raise Invalid("status must be open, firing or resolved", field="status")
    for column, value in (
        (Alert.integration, integration),
        (Alert.service, service),
        (Alert.incident_id, incident_id),
        (Alert.fingerprint, fingerprint),
    ):
        if value is not None:
            query = query.where(column == value)
    if suppressed is not None:
        cond = Alert.suppressed_by.is_not(None) if suppressed else Alert.suppressed_by.is_(None)
        query = query.where(cond)
    if before_id is not None:
        query = query.where(Alert.id < before_id)
    if hidden:
        query = query.where(or_(Alert.incident_id.is_(None), Alert.incident_id.not_in(hidden)))
    matchers = []
    for text in label or []:
        try:
            matchers.append(parse_matcher(text, untrusted=True))
        except MatcherError as exc:
            raise Invalid(str(exc), field="label") from None
    query = query.order_by(Alert.id.desc())
    if not matchers:
        return list(session.scalars(query.limit(limit)))
    out: list[Alert] = []
    for alert in session.scalars(query.limit(limit * 20)):
        if all(m.matches(alert.labels) for m in matchers):
            out.append(alert)
            if len(out) == limit:
                break
    return out


def get_alert(session: Session, alert_id: int) -> Alert:
    """One alert by id, or NotFound."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise NotFound(f"no alert {alert_id}", field="alert_id")
    return alert


_ANNOTATIONS = select(Alert.__table__.c.id, Alert.__table__.c.annotations).where(
    Alert.__table__.c.id.in_(bindparam("ids", expanding=True))
)


def annotations_of(session: Session, alert_ids: list[int]) -> dict[int, dict[str, Any]]:
    """alert id -> its annotations, for these alerts (those this session just inserted from
    memory, the others with one light query, no Alert objects)."""
    stored: dict[int, dict[str, Any]] = session.info.get(STORED, {})
    found = {i: dict(stored[i]) for i in alert_ids if i in stored}
    missing = sorted(set(alert_ids) - set(found))
    if missing:
        rows = session.connection().execute(_ANNOTATIONS, {"ids": missing})
        found.update((int(r.id), dict(r.annotations or {})) for r in rows)
    return found


_LABELS = select(Alert.__table__.c.id, Alert.__table__.c.labels).where(
    Alert.__table__.c.id.in_(bindparam("ids", expanding=True))
)


def labels_of(session: Session, alert_ids: list[int]) -> dict[int, dict[str, Any]]:
    """alert id -> its labels, for these alerts (one light query, no Alert objects)."""
    if not alert_ids:
        return {}
    rows = session.connection().execute(_LABELS, {"ids": sorted(set(alert_ids))})
    return {int(r.id): dict(r.labels or {}) for r in rows}


def fingerprint_of(session: Session, integration: str, alert_id: str) -> str | None:
    """The fingerprint of an alert given by its warroom id (Opsgenie identifierType=id)."""
    if not alert_id.isdigit():
        return None
    return session.scalar(
        select(Alert.fingerprint).where(Alert.id == int(alert_id), Alert.integration == integration)
    )


def explain_route(
    session: Session, clock: Clock, cfg: IntakeConfig, labels: dict[str, str], integration: str = ""
) -> dict[str, Any]:
    """Which route(s) an alert with these labels takes, and whether it would be suppressed."""
    decision = cfg.router.decide(integration, labels, labels.get("severity"))
    now = clock.now()
    seen = {**labels}
    if decision.service and "service" not in seen:
        seen["service"] = decision.service
    why = suppressed_by(decision.service, seen, now, active_silences(session, now), cfg.windows)
    return {
        **decision.to_json(),
        "suppressed_by": why,
        "group_key": group_key(decision, labels, "-"),
    }
