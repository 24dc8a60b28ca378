"""Who an incident pages, and saying so loudly when the answer is nobody.

An incident pages the escalation policy its first service names for the incident's severity
(`services[].escalation_policies: {SEV0: key}`) or for every severity
(`services[].escalation_policy`); when no service names one (or it has no service at all) the
severity's `escalation_policy`, and last the policy marked `default: true`.
When a severity that pages still ends with nobody to page — no policy, or a policy whose
levels mean no active person right now — the incident records `paging:incident:unpaged`
with the reason, `/metrics` counts `warroom_incidents_unpaged_total{reason}`, and the incident
API and `warroom incident show` carry the reason until a page is queued.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from warroom import memo
from warroom.audit import service as timeline
from warroom.catalog import service as catalog
from warroom.catalog.models import Service
from warroom.clock import Clock
from warroom.config import service as config_service
from warroom.incidents.models import Incident
from warroom.paging.channels import resolve_channels
from warroom.paging.escalation import Policy
from warroom.paging.models import EscalationPolicy
from warroom.paging.people import resolve_targets

UNPAGED = "paging:incident:unpaged"
NO_POLICY = "no_escalation_policy"
NOBODY = "nobody_to_page"


def default_policy_key(session: Session) -> str | None:
    """The key of the escalation policy marked `default: true`, if any."""
    for item in config_service.current_document(session).get("escalation_policies") or []:
        if item.get("default"):
            return str(item["key"])
    return None


def _active(session: Session, key: str) -> EscalationPolicy | None:
    query = select(EscalationPolicy).where(
        EscalationPolicy.key == key, EscalationPolicy.active.is_(True)
    )
    return memo.remember(session, ("paging.policy", key), lambda: session.scalar(query))


def policy_names(session: Session, incident: Incident) -> list[str]:
    """The policy keys that may page this incident, most specific first.

    For each of its services (in key order): the service's policy for the incident's severity
    (`escalation_policies`), then its policy for every severity (`escalation_policy`); then
    the severity's own `escalation_policy`; then the default policy.
    """
    return list(_candidate_names(session, incident))


def _candidate_names(session: Session, incident: Incident) -> Iterator[str]:
    # A generator: `policy_for` stops at the first active one, so the fallbacks (and the
    # config document the default is read from) are only looked up when they are needed.
    keys = tuple(incident.service_keys)
    if keys:
        query = (
            select(Service.escalation_policies, Service.escalation_policy)
            .where(Service.key.in_(keys))
            .order_by(Service.key)
        )
        services = memo.remember(
            session, ("paging.service_policies", keys), lambda: session.execute(query).all()
        )
        for by_severity, every in services:
            yield from (str(n) for n in ((by_severity or {}).get(incident.severity), every) if n)
    severity = catalog.severities_by_key(session).get(incident.severity)
    fallback = severity.escalation_policy if severity is not None else None
    if fallback:
        yield str(fallback)
    default = default_policy_key(session)
    if default:
        yield default


def policy_for(session: Session, incident: Incident) -> EscalationPolicy | None:
    """The first active policy of `policy_names` (None: nothing pages this incident)."""
    for name in _candidate_names(session, incident):
        found = _active(session, name)
        if found is not None:
            return found
    return None


def unpaged_reason(session: Session, clock: Clock, snapshot: Policy | None) -> str | None:
    """Why a paged incident with this policy snapshot reaches nobody now (None: somebody)."""
    if snapshot is None or not snapshot.levels:
        return NO_POLICY
    targets = [t for level in snapshot.levels for t in level.targets]
    if not resolve_targets(session, targets, clock.now()) and not resolve_channels(
        session, targets
    ):
        return NOBODY
    return None


def report_unpaged(
    session: Session, clock: Clock, incident: Incident, reason: str, policy: str | None
) -> None:
    """Record that a paged incident pages nobody: timeline event and /metrics counter."""
    message = (
        "no escalation policy: neither the incident's services nor its severity name one, "
        "and no policy is default"
        if reason == NO_POLICY
        else f"escalation policy {policy!r} resolves to no active person or channel right now"
    )
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind=UNPAGED,
        actor="warroom:paging",
        payload={
            "reason": reason,
            "message": message,
            "severity": incident.severity,
            "services": list(incident.service_keys),
            "policy": policy,
        },
    )

    def count(_session: Any) -> None:
        from warroom.metrics import INCIDENTS_UNPAGED

        INCIDENTS_UNPAGED.labels(reason=reason).inc()

    event.listen(session, "after_commit", count, once=True)


def check_paged(
    session: Session, clock: Clock, incident: Incident, snapshot: Policy | None, pages: bool
) -> str | None:
    """After planning: report (and return) the reason a paged incident reaches nobody."""
    if not pages:
        return None
    reason = unpaged_reason(session, clock, snapshot)
    if reason is not None:
        report_unpaged(session, clock, incident, reason, snapshot.key if snapshot else None)
    return reason


def follow_severity(session: Session, clock: Clock, incident: Incident, state: Any) -> None:
    """A severity change made the incident one that pages: start its policy now.

    Only an incident still `triggered` whose escalation never started (state `idle`: its old
    severity did not page, or it had no policy) starts; a running or finished escalation is
    left alone (the new severity's unresolved ladder is planned by the caller).
    """
    from warroom.catalog.models import Severity
    from warroom.paging import levels
    from warroom.paging.escalation import Step

    if incident.status != "triggered" or state.state != "idle":
        return
    severity = session.scalar(select(Severity).where(Severity.key == incident.severity))
    if severity is not None and not severity.page:
        return
    row = policy_for(session, incident)
    snapshot = (
        None
        if row is None
        else Policy.from_snapshot({"key": row.key, "repeat": row.repeat, "levels": row.levels})
    )
    if snapshot is not None and snapshot.levels:
        state.generation += 1
        state.policy_key, state.policy = snapshot.key, snapshot.snapshot()
        state.state, state.level, state.round = "escalating", 0, 0
        state.started_at = state.updated_at = clock.now()
        levels.queue_level(session, clock, state, Step(0, 0, 0, snapshot.levels[0].targets))
        timeline.record(
            session,
            clock,
            incident_id=incident.id,
            kind="paging:escalation:planned",
            actor="warroom:paging",
            payload={
                "policy": snapshot.key,
                "levels": len(snapshot.levels),
                "reason": f"severity is now {incident.severity}",
            },
        )
    check_paged(session, clock, incident, snapshot, True)
