"""Re-firing after a manual resolve: an alert that fires again after its incident was resolved
(or closed) by hand while the alert still fired must make noise again, not be absorbed.

Two ways in. A repeat: dedup learns the incident's status in the same UPDATE ... RETURNING
that counts the repeat, so only such repeats come to `place_again`, which routes them afresh
and gives them the placement of new alerts (`grouping.place`: the group's open incident, a
reopen, inhibition, the storm guard, else a new incident). A new alert of the same group:
`place` finds no open incident and asks `reopen_or_follow`, which recognises the group's last
incident as resolved by hand while some of its alerts still fire.

Either way the route's `reopen_within` decides: an incident resolved less than that long ago
is reopened (back to `triggered`, so paging starts again from level 1); otherwise a new
incident opens naming the one it follows (`previous_number`). `intake:incident:refired` is
recorded on both.

The same way back in for an alert a silence or maintenance window held back: its repeats come
here too (`suppressed_by` rides along in dedup's UPDATE ... RETURNING), stay quiet while one
still matches (`suppressed_by` then names the one that matches now: the first silence may have
ended while a second holds it), and once none does are released (`suppressed_by` cleared) and
placed as new.

Concurrency: a repeating alert row is taken off its old incident with a compare-and-set, so
of two requests carrying the same repeat only one places it; the other counts a plain repeat.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.clock import Clock
from warroom.errors import WarroomError
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.intake import alert_incidents, dedup, storm
from warroom.intake.dedup import Refiring
from warroom.intake.routing import group_key
from warroom.intake.schemas import Batch, NormalisedAlert
from warroom.intake.state import IntakeConfig
from warroom.intake.suppression import ActiveSilence, suppressed_by

if TYPE_CHECKING:
    from warroom.intake.grouping import Group

log = logging.getLogger("warroom.intake")
REFIRED = "intake:incident:refired"
C = dedup.C

_DETACH = (
    update(dedup.ALERTS)
    .where(C.id == bindparam("_id"), C.incident_id == bindparam("_old"))
    .values(incident_id=None, incident_number=None, group_key=bindparam("_key"))
)


# A held-back alert's suppression, compare-and-set: released (None, with its group) or handed
# over to the silence or window that holds it now.
_RELEASE = (
    update(dedup.ALERTS)
    .where(
        C.id == bindparam("_id"),
        C.incident_id.is_(None),
        C.suppressed_by == bindparam("_old"),
    )
    .values(suppressed_by=bindparam("_now"), group_key=bindparam("_key"))
)


def _hand_over(session: Session, refiring: Refiring, why: str) -> None:
    """A held-back alert still held back, by another silence or window than the one it
    names (the first ended, a second matches): it names the one holding it now."""
    if refiring.incident_id is None and refiring.suppressed_by not in (None, why):
        params = {"_id": refiring.id, "_old": refiring.suppressed_by, "_now": why, "_key": None}
        session.connection().execute(_RELEASE, params)


def _detach(session: Session, refiring: Refiring, key: str) -> bool:
    """Take the alert off its old incident (or out of the silence or maintenance window that
    no longer holds it); False when a concurrent request already did."""
    if refiring.incident_id is None:
        params = {"_id": refiring.id, "_old": refiring.suppressed_by, "_now": None, "_key": key}
        result = session.connection().execute(_RELEASE, params)
    else:
        params = {"_id": refiring.id, "_old": refiring.incident_id, "_key": key}
        result = session.connection().execute(_DETACH, params)
    return bool(getattr(result, "rowcount", 0))


def _resolved_while_firing(session: Session, key: str) -> tuple[int, int] | None:
    """(id, number) of the group's last incident if it is no longer open yet still holds open
    alerts: resolved (or closed) by hand while they fired."""
    last = alert_incidents.last_incident_of_group(session, key)
    if last is None or not alert_incidents.open_counts(session, {last})[last]:
        return None
    if incidents.is_open(session, last) is not None:
        return None
    return last, incidents.get_incident_by_id(session, last).number


def _reopen(
    session: Session, clock: Clock, incident_id: int, window: timedelta, actor: str
) -> tuple[int, int] | None:
    incident = incidents.lock_by_id(session, incident_id)
    if incident is None or incident.status != "resolved" or incident.resolved_at is None:
        return None  # closed is final; anything else was reopened meanwhile
    if clock.now() - incident.resolved_at > window:
        return None
    note = "its alert fired again within the route's reopen_within"
    incidents.refire(session, clock, incident, actor=actor, note=note)
    return incident.id, incident.number


def reopen_or_follow(
    session: Session, clock: Clock, group: Group, actor: str
) -> tuple[int, int] | None:
    """For `place`, when the group has no open incident: the incident these alerts fired again
    after, reopened if the route's window allows; sets `group.previous` when there is one."""
    if group.previous is None:
        group.previous = _resolved_while_firing(session, group.key)
    window = group.decision.reopen_within
    if group.previous is None or window is None:
        return None
    return _reopen(session, clock, group.previous[0], window, actor)


def _routed(
    cfg: IntakeConfig,
    integration: str,
    alert: NormalisedAlert,
    silences: list[ActiveSilence],
    clock: Clock,
) -> tuple[str, Any] | str | None:
    """(group key, decision) of a refiring alert; what suppresses it now (a quiet repeat);
    or None when it must open nothing for another reason."""
    alert.labels = cfg.router.with_integration_service(integration, alert.labels)
    decision = cfg.router.decide(integration, alert.labels, alert.severity_hint)
    if not decision.open_incident or alert.labels.get("alertname", "") in cfg.watchdogs:
        return None
    seen = alert.labels
    if decision.service and "service" not in seen:
        seen = {**seen, "service": decision.service}
    why = suppressed_by(decision.service, seen, clock.now(), silences, cfg.windows)
    if why is not None:
        return why  # silenced now: stays a quiet repeat
    return group_key(decision, alert.labels, alert.fingerprint)[:1024], decision


def regroup(
    session: Session,
    cfg: IntakeConfig,
    integration: str,
    batch: Batch,
    refiring: list[tuple[NormalisedAlert, Refiring]],
    silences: list[ActiveSilence],
    clock: Clock,
) -> dict[str, Group]:
    """Route repeats whose incident was resolved by hand afresh and take them off it: their
    groups to place again (`place_again`), each naming the newest incident it comes from."""
    from warroom.intake import grouping  # grouping calls this module while placing

    if batch.test or not refiring:
        return {}
    groups: dict[str, grouping.Group] = {}
    previous: dict[str, int] = {}  # group key -> the newest incident its alerts come from
    for alert, item in sorted(refiring, key=lambda pair: pair[1].id):  # row lock order
        routed = _routed(cfg, integration, alert, silences, clock)
        if isinstance(routed, str):
            _hand_over(session, item, routed)
            continue
        if routed is None or not _detach(session, item, routed[0]):
            continue
        key, decision = routed
        groups.setdefault(key, grouping.Group(key, decision)).alerts.append((alert, item.id))
        if item.incident_id is not None:  # not one a silence or window held back
            previous[key] = max(previous.get(key, 0), item.incident_id)
    for key, newest in previous.items():
        groups[key].previous = newest, incidents.get_incident_by_id(session, newest).number
    return groups


def place_again(
    session: Session,
    clock: Clock,
    cfg: IntakeConfig,
    integration: str,
    source: str,
    groups: dict[str, Group],
    guard: storm.Guard | None,
) -> list[int]:
    """Place the groups of `regroup` (the caller holds the storm row and their group locks);
    the numbers of the incidents they joined."""
    from warroom.intake import grouping  # grouping calls this module while placing

    numbers: list[int] = []
    for key in sorted(groups):
        placed = grouping.place(session, clock, cfg, integration, source, groups[key], guard)
        if placed is not None and placed[1] not in numbers:
            numbers.append(placed[1])
    return numbers


def private_previous(session: Session, group: Group) -> Incident | None:
    """The private incident these alerts fired again after, if they did: the new incident
    they open is private too, its creator's, with the same members (what the private one
    held must not show to everyone)."""
    if group.previous is None:
        return None
    previous = incidents.get_incident_by_id(session, group.previous[0])
    return previous if previous.private else None


def carry_roles(
    session: Session, clock: Clock, previous: Incident, incident: Incident, actor: str
) -> None:
    """The private incident's role holders get their roles on the incident that follows it;
    if that fails, the incident stays open and paging (its creator's, private) all the same."""
    try:
        with session.begin_nested():
            incidents.carry_members(session, clock, previous, incident, actor=actor)
    except WarroomError as exc:
        log.error("intake: could not carry %s's roles to %s: %s", previous.ref, incident.ref,
                  exc.message)  # fmt: skip


def record(
    session: Session, clock: Clock, group: Group, placed: tuple[int, int], actor: str
) -> None:
    """`intake:incident:refired` on the previous incident and on the one the alerts joined."""
    assert group.previous is not None
    before = group.previous
    alerts = [
        {"id": row_id, "fingerprint": a.fingerprint, "summary": a.summary[:200]}
        for a, row_id in group.alerts[:50]
    ]
    reopened = placed[0] == before[0]
    common = {"alerts": alerts, "count": len(group.alerts), "reopened": reopened}
    if reopened:
        payloads = {before[0]: {**common, "previous_number": before[1], "number": before[1]}}
    else:
        payloads = {
            before[0]: {**common, "previous_number": before[1], "number": placed[1]},
            placed[0]: {**common, "previous_number": before[1], "number": placed[1]},
        }
    for incident_id in sorted(payloads):  # incidents in id order, as everywhere
        timeline.record(
            session,
            clock,
            incident_id=incident_id,
            kind=REFIRED,
            actor=actor,
            payload=payloads[incident_id],
        )
