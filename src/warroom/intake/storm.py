"""Storm guard: a flood of new incidents from one integration folds into one storm incident.

Each integration may have `threshold` would-be incidents within any `window`-long span (a
sliding window, so a flood across the boundary of a fixed window is caught too): incidents it
opened (read from the incidents it opened) and groups folded into a storm (read from the
alerts of its storm incidents). The next group that would open one starts a storm instead:
one incident (which pages like any other, so the on-call is paged once) that every further
would-be incident of that integration joins, each fold recorded on its timeline. The storm
ends once no group folded into it for `quiet`, or once its incident is no longer open. Folds
keep counting after that: a storm incident resolved by hand while groups still arrive is
followed at once by a new one (one page), not by `threshold` more incidents.

Concurrency: a request with a group that has no open incident to join locks its
integration's `intake_storms` row first, before any group lock (`grouping.take_turns`), so the
count is exact under concurrent senders and the lock order is always storm row (during a
storm, then its incident's row: the guard takes it before reading its status or recording its
end), then group locks, then incidents. Requests whose alerts only join open incidents never
take it. A fold records on the storm incident after `grouping.place` locked its row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from pydantic import Field
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.clock import Clock
from warroom.config.types import ConfigModel, Duration, format_duration
from warroom.engine import service as engine
from warroom.errors import WarroomError
from warroom.incidents import service as incidents
from warroom.incidents.models import Incident
from warroom.intake.models import Alert, StormState

log = logging.getLogger("warroom.intake")

if TYPE_CHECKING:
    from warroom.intake.grouping import Group

QUIET_CHECK = "intake.storm.quiet"  # the engine job that ends a storm once it is quiet
STARTED = "intake:storm:started"
FOLDED = "intake:storm:folded"
ENDED = "intake:storm:ended"


class StormGuardConfig(ConfigModel):
    """An integration's `storm` settings (config file)."""

    threshold: int = Field(20, ge=0, description="incidents per window before a storm; 0: off")
    window: Duration = timedelta(minutes=1)
    quiet: Duration = timedelta(minutes=10)
    severity: str | None = None


@dataclass(frozen=True)
class StormSettings:
    threshold: int = 20
    window: timedelta = timedelta(minutes=1)
    quiet: timedelta = timedelta(minutes=10)
    severity: str | None = None


DEFAULT = StormSettings()


def compile_settings(doc: dict[str, Any]) -> dict[str, StormSettings]:
    """integration key -> storm settings, from the stored config document."""
    out: dict[str, StormSettings] = {}
    for item in doc.get("integrations") or []:
        raw = item.get("storm")
        if raw is None:
            continue
        parsed = StormGuardConfig.model_validate(raw)
        out[item["key"]] = StormSettings(
            parsed.threshold, parsed.window, parsed.quiet, parsed.severity
        )
    return out


def _lock_row(session: Session, integration: str) -> StormState:
    """The integration's storm row, created if need be, locked for this transaction. Locked
    with one SELECT ... FOR UPDATE once it exists (every request but the integration's
    first): an INSERT ... ON CONFLICT DO NOTHING first cost a round trip each time."""
    query = (
        select(StormState)
        .where(StormState.integration == integration)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    found = session.scalars(query).one_or_none()
    if found is not None:
        return found
    table: Any = StormState.__table__
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert  # type: ignore[assignment]
    session.execute(
        insert(table).values(integration=integration, opened_in_window=0).on_conflict_do_nothing()
    )
    return session.scalars(query).one()


_INCIDENTS: Any = Incident.__table__
_ALERTS: Any = Alert.__table__


def _recent_opens(
    session: Session, integration: str, since: datetime, limit: int
) -> list[datetime]:
    """When the integration's newest `limit` incidents opened after `since`, newest first;
    its storm incidents are not opens. Read under the storm row's lock, so no other request
    of the integration opens one meanwhile."""
    c = _INCIDENTS.c
    query = select(c.opened_at).where(
        c.opened_at > since,
        c.created_by == f"intake:{integration}",
        or_(c.dedup_group.is_(None), c.dedup_group.not_like("storm:%")),
    )
    rows = session.execute(query.order_by(c.opened_at.desc()).limit(limit))
    return [row.opened_at for row in rows]


def _recent_folds(session: Session, integration: str, since: datetime) -> list[datetime]:
    """When the integration's alert groups folded into its storms after `since` (the first
    alert of each group), newest first."""
    a, i = _ALERTS.c, _INCIDENTS.c
    folded = func.min(a.first_seen_at)
    query = (
        select(folded.label("at"))
        .select_from(_ALERTS.join(_INCIDENTS, i.id == a.incident_id))
        .where(
            a.integration == integration,
            a.last_seen_at > since,  # indexed; never before first_seen_at
            a.first_seen_at > since,
            i.created_by == f"intake:{integration}",
            i.dedup_group.like("storm:%"),
        )
        .group_by(a.group_key)
    )
    return sorted((row.at for row in session.execute(query)), reverse=True)


class Guard:
    """One request's view of its integration's storm state (the row stays locked)."""

    def __init__(
        self,
        session: Session,
        clock: Clock,
        settings: StormSettings,
        integration: str,
        source: str,
    ) -> None:
        self.session, self.clock, self.settings = session, clock, settings
        self.integration, self.source = integration, source
        self.actor = f"intake:{integration}"
        self.state = _lock_row(session, integration)
        self._end_if_over()
        since = clock.now() - settings.window
        # Would-be incidents in the window-long span that ends now: opens, and folds when a
        # storm folded a group within it (one ended by hand while the flood goes on).
        self._opens = _recent_opens(session, integration, since, max(settings.threshold, 1))
        self._folds = 0
        self._tried_severities: set[str] = set()
        last_fold = self.state.last_folded_at
        if self.state.incident_id is None and last_fold is not None and last_fold > since:
            folds = _recent_folds(session, integration, since)
            self._opens = sorted(self._opens + folds, reverse=True)
            self._folds = len(folds)

    # ---- state ---------------------------------------------------------------------------

    def _end_if_over(self) -> None:
        state, now = self.state, self.clock.now()
        if state.incident_id is None:
            return
        quiet_since = state.last_folded_at or state.started_at or now
        # The storm incident's row before its timeline (and before reading its status): a
        # person resolving it holds the row and waits for the chain head.
        incidents.lock_rows(self.session, [state.incident_id])
        still_open = incidents.is_open(self.session, state.incident_id) is not None
        if still_open and now - quiet_since < self.settings.quiet:
            return
        timeline.record(
            self.session,
            self.clock,
            incident_id=state.incident_id,
            kind=ENDED,
            actor=self.actor,
            payload={
                "integration": self.integration,
                "started_at": state.started_at.isoformat() if state.started_at else None,
                "folded_groups": state.folded_groups,
                "folded_alerts": state.folded_alerts,
                "reason": "quiet" if still_open else "incident closed",
            },
        )
        # last_folded_at stays: groups folded within the window still count (see Guard).
        state.incident_id = state.incident_number = state.started_at = None
        state.folded_groups = state.folded_alerts = 0
        state.window_started_at, state.opened_in_window = now, 0  # when it ended

    def _in_window(self) -> int:
        """Would-be incidents (opened, or folded into a storm) in the window-long span that
        ends now."""
        floor = self.clock.now() - self.settings.window
        count = sum(1 for t in self._opens if t > floor)
        self.state.opened_in_window = count
        return count

    # ---- decisions -----------------------------------------------------------------------

    def admit(self, group: Group) -> tuple[int, int] | None:
        """None: the group may open its own incident; else the storm incident it folds into."""
        state = self.state
        if state.incident_id is None:
            if self.settings.threshold <= 0 or self._in_window() < self.settings.threshold:
                return None
            try:
                with self.session.begin_nested():
                    self._start(group)
            except WarroomError as exc:
                # A config gap (say an unknown storm severity) must not lose the alerts.
                log.error("intake: could not open a storm incident: %s", exc.message)
                return None
        assert state.incident_id is not None and state.incident_number is not None
        return state.incident_id, state.incident_number

    def holds(self, incident_id: int) -> bool:
        """Whether `incident_id` is this integration's storm in progress."""
        return self.state.incident_id == incident_id

    def opened(self) -> None:
        """Count an ordinary incident this integration just opened."""
        self._opens.append(self.clock.now())
        self._in_window()

    def may_raise(self, severity: str) -> bool:
        """Whether a group folded at this severity may raise the storm incident: once per
        severity and request (its row is ours until the end: nobody lowers it meanwhile)."""
        if severity in self._tried_severities:
            return False
        self._tried_severities.add(severity)
        return True

    def folded(self, group: Group) -> dict[str, Any]:
        """Count a group folded into the storm; the extra payload of its timeline event."""
        state = self.state
        state.last_folded_at = self.clock.now()
        state.folded_groups += 1
        state.folded_alerts += len(group.alerts)
        return {"group_key": group.key[:300], "folded_groups": state.folded_groups}

    def _start(self, group: Group) -> None:
        state, now, settings = self.state, self.clock.now(), self.settings
        decision = group.decision
        window = format_duration(settings.window)
        incident = incidents.open_incident(
            self.session,
            self.clock,
            actor=self.actor,
            title=f"Alert storm from {self.integration}: more than "
            f"{settings.threshold} new incidents within {window}",
            severity=settings.severity or decision.severity,
            services=[decision.service] if decision.service else [],
            summary=self._summary(window),
            source=self.source,
            dedup_group=f"storm:{self.integration}:{now.isoformat()}"[:120],
        )
        state.incident_id, state.incident_number = incident.id, incident.number
        state.started_at, state.last_folded_at = now, now
        state.folded_groups = state.folded_alerts = 0
        schedule_end(self.session, self.clock, self.integration, now + settings.quiet)
        timeline.record(
            self.session,
            self.clock,
            incident_id=incident.id,
            kind=STARTED,
            actor=self.actor,
            payload={
                "integration": self.integration,
                "threshold": settings.threshold,
                "window": window,
                "quiet": format_duration(settings.quiet),
                "opened_in_window": state.opened_in_window,
                "folded_in_window": self._folds,
            },
        )

    def _summary(self, window: str) -> str:
        count, quiet = self.state.opened_in_window, format_duration(self.settings.quiet)
        if self._folds:
            why = (
                f"Alert groups from {self.integration} kept arriving after its last storm "
                f"incident was closed: {count - self._folds} incidents opened and "
                f"{self._folds} groups folded within {window}."
            )
        else:
            why = f"Integration {self.integration} opened {count} incidents within {window}."
        return (
            f"{why} Further alert groups join this incident (see its timeline and alerts) "
            f"until none arrives for {quiet}."
        )


def schedule_end(session: Session, clock: Clock, integration: str, at: datetime) -> None:
    """The engine looks at the storm when its quiet period may be over (`end_if_quiet`)."""
    key = f"{QUIET_CHECK}:{integration}"[:300]
    payload = {"integration": integration}
    engine.enqueue(session, clock, QUIET_CHECK, payload, run_at=at, dedup_key=key)


def end_if_quiet(session: Session, clock: Clock, settings: StormSettings, integration: str) -> None:
    """The `intake.storm.quiet` job: end the storm if nothing folded for `quiet` (or its
    incident was closed), recorded when the storm is over rather than when the next alert
    group happens to arrive; otherwise look again when it may be. Locks as intake does: the
    storm row, then the storm incident's row."""
    state = Guard(session, clock, settings, integration, source="").state
    if state.incident_id is not None:
        quiet_since = state.last_folded_at or state.started_at or clock.now()
        schedule_end(session, clock, integration, quiet_since + settings.quiet)


def guard_for(
    session: Session,
    clock: Clock,
    settings: dict[str, StormSettings],
    integration: str,
    source: str,
) -> Guard | None:
    """The storm guard for a request that places new groups (None when turned off)."""
    chosen = settings.get(integration, DEFAULT)
    if chosen.threshold <= 0:
        return None
    return Guard(session, clock, chosen, integration, source)


def holding(session: Session, integration: str) -> dict[str, Any] | None:
    """The integration's storm in progress, if any: incident, start, what it holds."""
    state = session.get(StormState, integration)
    if state is None or state.incident_id is None:
        return None
    return {
        "incident_id": state.incident_id,
        "incident_number": state.incident_number,
        "started_at": state.started_at,
        "folded_groups": state.folded_groups,
        "folded_alerts": state.folded_alerts,
    }
