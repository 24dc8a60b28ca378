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

import sys
from collections.abc import Iterator
from typing import Any

from sqlalchemy import bindparam, event, select
from sqlalchemy.orm import Session

from warroom import memo
from warroom.audit import service as timeline
from warroom.catalog import service as catalog
from warroom.catalog.models import Service
from warroom.clock import Clock
from warroom.config import service as config_service
from warroom.engine import service as engine
from warroom.incidents.models import Incident
from warroom.paging import levels
from warroom.paging.channels import resolve_channels
from warroom.paging.escalation import Policy, Step
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


# Built once (bound at each use): planning reads these for every incident it opens.
_ACTIVE_POLICY = select(EscalationPolicy).where(
    EscalationPolicy.key == bindparam("key"), EscalationPolicy.active.is_(True)
)
_SERVICE_POLICIES = (
    select(Service.escalation_policies, Service.escalation_policy)
    .where(Service.key.in_(bindparam("keys", expanding=True)))
    .order_by(Service.key)
)


def _active(session: Session, key: str) -> EscalationPolicy | None:
    return memo.remember(
        session, ("paging.policy", key), lambda: session.scalar(_ACTIVE_POLICY, {"key": key})
    )


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
        services = memo.remember(
            session,
            ("paging.service_policies", keys),
            lambda: session.execute(_SERVICE_POLICIES, {"keys": list(keys)}).all(),
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

    if not incident.drill:  # a production alarm: a drill that pages nobody is on its timeline only
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


def follow_severity(
    session: Session, clock: Clock, incident: Incident, state: Any, previous: str
) -> None:
    """A severity change of an incident nobody acknowledged: page by the new severity's policy.

    Only an incident still `triggered` follows (an acknowledged one keeps its responder; the
    caller re-plans the severity's unresolved ladder either way). One whose escalation never
    started (`idle`: its old severity did not page, or it had no policy) starts the new
    severity's policy. One escalating or exhausted under another policy switches to the new
    severity's when the severity is now more severe than the one that policy was planned for
    (`previous` for a snapshot that does not say): level 1 is paged at once and the old
    policy's timers find a newer generation. Lowering never switches (a human's lowering must
    not silence paging mid-escalation), nor does a policy that reaches nobody right now
    replace one that pages.
    """
    if incident.status != "triggered":
        return
    severity = catalog.severities_by_key(session).get(incident.severity)
    if severity is not None and not severity.page:
        return
    row = policy_for(session, incident)
    snapshot = (
        None
        if row is None
        else Policy.from_snapshot({"key": row.key, "repeat": row.repeat, "levels": row.levels})
    )
    if state.state == "idle":
        if snapshot is not None and snapshot.levels:
            _start(session, clock, incident, state, snapshot, "severity is now")
        check_paged(session, clock, incident, snapshot, True)
    elif snapshot is not None and _takes_over(session, clock, incident, state, snapshot, previous):
        _start(session, clock, incident, state, snapshot, "severity raised to")


def _takes_over(
    session: Session,
    clock: Clock,
    incident: Incident,
    state: Any,
    snapshot: Policy,
    previous: str,
) -> bool:
    """Whether the new severity's policy replaces a running or exhausted one: another policy
    with levels, for a severity more severe than the running one was chosen for, that reaches
    somebody right now."""
    if state.state not in ("escalating", "exhausted"):
        return False
    if not snapshot.levels or snapshot.key == state.policy_key:
        return False
    severities = catalog.severities_by_key(session)
    planned_for = str((state.policy or {}).get("severity") or previous)
    if _rank(severities, incident.severity) >= _rank(severities, planned_for):
        return False
    return unpaged_reason(session, clock, snapshot) is None


def policy_snapshot(snapshot: Policy, severity: str) -> dict[str, Any]:
    """The policy snapshot stored with an incident, with the severity it was chosen for."""
    return {**snapshot.snapshot(), "severity": severity}


def _rank(severities: dict[str, Any], key: str) -> int:
    # Lower rank is more severe; an unknown severity counts as the least severe.
    found = severities.get(key)
    return int(found.rank) if found is not None else sys.maxsize


def _start(
    session: Session,
    clock: Clock,
    incident: Incident,
    state: Any,
    snapshot: Policy,
    why: str,
) -> None:
    """Escalate by `snapshot` from its level 1, due now, in place of whatever ran before."""
    payload: dict[str, Any] = {"policy": snapshot.key, "levels": len(snapshot.levels)}
    payload["reason"] = f"{why} {incident.severity}"
    if state.policy_key:
        payload["replaces"] = state.policy_key
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="paging:escalation:planned",
        actor="warroom:paging",
        payload=payload,
    )
    state.generation += 1
    engine.cancel(session, incident_id=incident.id, kind_prefix=levels.ESCALATE_KIND, clock=clock)
    state.policy_key, state.policy = snapshot.key, policy_snapshot(snapshot, incident.severity)
    state.state, state.level, state.round = "escalating", 0, 0
    state.started_at = state.updated_at = clock.now()
    levels.queue_level(session, clock, state, Step(0, 0, 0, snapshot.levels[0].targets))
