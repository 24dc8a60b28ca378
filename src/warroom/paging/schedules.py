"""Schedule resolution: who is on call at an instant, and the shifts over a time range.

Pure functions on aware datetimes. A schedule has layers; each layer is one rotation, optionally
limited by time restrictions (business hours). At any instant the layer with the highest
priority that is inside its restrictions and has somebody on call wins. Overrides sit on top:
the newest override covering the instant wins; an override naming `replaces` only applies while
that person would otherwise be on call. The overrides given are the ones that may win:
`warroom.paging.people.to_pure` leaves out those of people who are no longer active users.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from warroom.paging.rotations import Restriction, Rotation


@dataclass(frozen=True)
class Layer:
    name: str
    rotation: Rotation
    priority: int = 0
    restrictions: tuple[Restriction, ...] = ()
    end: datetime | None = None
    # Participants who are no longer active users: their turns keep their place in the
    # rotation (nobody else's shift moves) but put nobody on call, so lower layers show through.
    absent: frozenset[str] = frozenset()

    def on_call(self, when: datetime) -> str | None:
        """Who this layer puts on call at `when`, honouring its restrictions, end and absences."""
        if self.end is not None and when >= self.end:
            return None
        if self.restrictions:
            local = when.astimezone(self.rotation.tz)
            if not any(r.contains(local) for r in self.restrictions):
                return None
        user = self.rotation.on_call(when)
        return None if user in self.absent else user

    def edges(self, after: datetime, until: datetime) -> set[datetime]:
        points = set(self.rotation.boundaries(after, until))
        for restriction in self.restrictions:
            points.update(restriction.edges(after, until, self.rotation.tz))
        for at in (self.rotation.start, self.end):
            if at is not None and after < at <= until:
                points.add(at)
        return points


@dataclass(frozen=True)
class Override:
    user: str
    start: datetime
    end: datetime
    replaces: str | None = None
    id: int = 0

    def covers(self, when: datetime) -> bool:
        return self.start <= when < self.end


@dataclass(frozen=True)
class Schedule:
    key: str
    layers: tuple[Layer, ...] = ()
    overrides: tuple[Override, ...] = ()
    time_zone: str = "UTC"
    name: str = ""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


@dataclass(frozen=True)
class OnCall:
    """Who is on call at an instant and why."""

    user: str | None
    layer: str | None = None
    override_id: int | None = None


@dataclass(frozen=True)
class Shift:
    """A stretch of time with one person (or nobody) on call."""

    start: datetime
    end: datetime
    user: str | None
    layer: str | None = None
    override_id: int | None = None
    extra: dict[str, str] = field(default_factory=dict, compare=False)


def base_on_call(schedule: Schedule, when: datetime) -> OnCall:
    """The layers' answer, before overrides."""
    ordered = sorted(enumerate(schedule.layers), key=lambda il: (-il[1].priority, -il[0]))
    for _, layer in ordered:
        user = layer.on_call(when)
        if user is not None:
            return OnCall(user, layer.name)
    return OnCall(None)


def on_call_at(schedule: Schedule, when: datetime) -> OnCall:
    """Who is on call at `when`: layers by priority, then overrides (newest wins)."""
    base = base_on_call(schedule, when)
    for override in sorted(schedule.overrides, key=lambda o: o.id, reverse=True):
        if not override.covers(when):
            continue
        if override.replaces is None or override.replaces == base.user:
            return OnCall(override.user, base.layer, override.id)
    return base


def change_points(schedule: Schedule, after: datetime, until: datetime) -> list[datetime]:
    """Every instant in (after, until] where the answer may change."""
    points: set[datetime] = set()
    for layer in schedule.layers:
        points |= layer.edges(after, until)
    for override in schedule.overrides:
        for at in (override.start, override.end):
            if after < at <= until:
                points.add(at)
    return sorted(points)


def shifts(schedule: Schedule, start: datetime, end: datetime) -> list[Shift]:
    """The final schedule from start to end as consecutive shifts, equal neighbours merged."""
    if end <= start:
        return []
    result: list[Shift] = []
    cursor = start
    current = on_call_at(schedule, start)
    for point in [*change_points(schedule, start, end), end]:
        if point >= end or on_call_at(schedule, point) != current:
            result.append(
                Shift(cursor, min(point, end), current.user, current.layer, current.override_id)
            )
            if point >= end:
                break
            cursor, current = point, on_call_at(schedule, point)
    return _merge(result)


def _merge(items: list[Shift]) -> list[Shift]:
    merged: list[Shift] = []
    for item in items:
        if merged and merged[-1].user == item.user and merged[-1].end == item.start:
            last = merged[-1]
            merged[-1] = Shift(last.start, item.end, last.user, last.layer, last.override_id)
        else:
            merged.append(item)
    return merged


# How far ahead the next hand-off is looked for: a current shift with no other person in it
# runs to its end, which is no hand-off (screens say "no hand-off in the next 90 days").
LOOK_AHEAD = timedelta(days=90)


def now_and_next(
    schedule: Schedule, when: datetime, horizon: timedelta = LOOK_AHEAD
) -> tuple[Shift, Shift | None]:
    """The shift running at `when` (with its true start) and the next one with another person."""
    lookback = when - horizon
    window = shifts(schedule, lookback, when + horizon)
    current_index = next(i for i, s in enumerate(window) if s.start <= when < s.end)
    current = window[current_index]
    following = window[current_index + 1] if current_index + 1 < len(window) else None
    return current, following
