"""Silences (runtime) and maintenance windows (config): alerts stored, but kept from paging."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from warroom.intake.routing import Matcher, matches_all, parse_matcher

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_hhmm(text: str) -> time:
    hours, _, minutes = text.partition(":")
    if not (hours.isdigit() and minutes.isdigit() and len(minutes) == 2):
        raise ValueError(f"{text!r} is not a time of day like 22:30")
    if text == "24:00":
        return time.max
    if int(hours) > 23 or int(minutes) > 59:
        raise ValueError(f"{text!r} is not a time of day between 00:00 and 24:00")
    return time(int(hours), int(minutes))


@dataclass
class CompiledWindow:
    """A maintenance window for a service: one-off (start/end) or weekly recurring."""

    key: str
    service: str
    matchers: list[Matcher] = field(default_factory=list)
    start: datetime | None = None
    end: datetime | None = None
    days: frozenset[int] = frozenset()
    t_from: time | None = None
    t_to: time | None = None
    zone: ZoneInfo | None = None

    def active(self, now: datetime) -> bool:
        if self.start is not None and self.end is not None:
            return self.start <= now < self.end
        if self.t_from is None or self.t_to is None:
            return False
        local = now.astimezone(self.zone) if self.zone else now
        clock = local.time().replace(tzinfo=None)
        if self.t_from <= self.t_to:
            return local.weekday() in self.days and self.t_from <= clock < self.t_to
        # Crosses midnight: 22:00-02:00 on Monday covers Monday night and early Tuesday.
        yesterday = (local - timedelta(days=1)).weekday()
        return (local.weekday() in self.days and clock >= self.t_from) or (
            yesterday in self.days and clock < self.t_to
        )

    def applies(self, service: str | None, labels: dict[str, str], now: datetime) -> bool:
        return service == self.service and matches_all(self.matchers, labels) and self.active(now)


def compile_window(spec: dict[str, Any]) -> CompiledWindow:
    """A window as stored (the config model's JSON) -> CompiledWindow."""
    window = CompiledWindow(
        key=spec["key"],
        service=spec["service"],
        matchers=[parse_matcher(m) for m in spec.get("matchers") or []],
    )
    if spec.get("start") and spec.get("end"):
        window.start = datetime.fromisoformat(spec["start"])
        window.end = datetime.fromisoformat(spec["end"])
    weekly = spec.get("weekly")
    if weekly:
        window.days = frozenset(DAYS.index(d) for d in weekly.get("days") or DAYS)
        window.t_from = parse_hhmm(weekly.get("from") or weekly["from_"])
        window.t_to = parse_hhmm(weekly["to"])
        window.zone = ZoneInfo(weekly.get("time_zone") or "UTC")
    return window


@dataclass
class ActiveSilence:
    id: int
    matchers: list[Matcher]


def suppressed_by(
    service: str | None,
    labels: dict[str, str],
    now: datetime,
    silences: list[ActiveSilence],
    windows: list[CompiledWindow],
) -> str | None:
    """Why an alert is kept from paging ("silence:3", "maintenance:checkout/nightly"), or None."""
    for silence in silences:
        if matches_all(silence.matchers, labels):
            return f"silence:{silence.id}"
    for window in windows:
        if window.applies(service, labels, now):
            return f"maintenance:{window.service}/{window.key}"
    return None
