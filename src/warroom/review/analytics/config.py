"""The `analytics` config section: what counts as working hours for the on-call load.

analytics:
  working_hours: "09:00-18:00"            # in each person's own time zone (users[].time_zone)
  working_days: [mon, tue, wed, thu, fri]

A page outside these hours (local time of the person paged) counts as an out-of-hours page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from pydantic import field_validator
from sqlalchemy.orm import Session

from warroom.config import service as config_service
from warroom.config.registry import Section
from warroom.config.types import ConfigModel

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_HOURS = re.compile(r"^([01][0-9]|2[0-4]):([0-5][0-9])-([01][0-9]|2[0-4]):([0-5][0-9])$")
HOURS_HINT = "hours like 09:00-18:00 (start before end)"


@dataclass(frozen=True)
class WorkingHours:
    """Start and end minute of the day, and the weekdays (0 = Monday) that are working days."""

    start_minute: int
    end_minute: int
    days: frozenset[int]

    def covers(self, weekday: int, minute_of_day: int) -> bool:
        """Whether a local weekday and minute of the day fall in working hours."""
        return weekday in self.days and self.start_minute <= minute_of_day < self.end_minute

    @property
    def text(self) -> str:
        return f"{_hhmm(self.start_minute)}-{_hhmm(self.end_minute)}"


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_hours(value: str) -> tuple[int, int]:
    """'09:00-18:00' -> (540, 1080); ValueError naming the expected form."""
    match = _HOURS.match(value.strip())
    if match is None:
        raise ValueError(f"{value!r} is not {HOURS_HINT}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start >= end or end > 24 * 60:
        raise ValueError(f"{value!r} is not {HOURS_HINT}")
    return start, end


class AnalyticsConfig(ConfigModel):
    working_hours: str = "09:00-18:00"
    working_days: list[str] = ["mon", "tue", "wed", "thu", "fri"]

    @field_validator("working_hours")
    @classmethod
    def _hours(cls, value: str) -> str:
        parse_hours(value)
        return value

    @field_validator("working_days")
    @classmethod
    def _days(cls, value: list[str]) -> list[str]:
        for day in value:
            if day not in DAYS:
                raise ValueError(f"unknown day {day!r}; expected some of {', '.join(DAYS)}")
        if len(set(value)) != len(value):
            raise ValueError("a day is listed twice")
        return value

    def hours(self) -> WorkingHours:
        start, end = parse_hours(self.working_hours)
        return WorkingHours(start, end, frozenset(DAYS.index(d) for d in self.working_days))


def analytics_settings(session: Session) -> AnalyticsConfig:
    """The `analytics` section in force (defaults when none is configured)."""
    raw: Any = config_service.current_section(session, "analytics")
    return AnalyticsConfig.model_validate(raw or {})


# This domain's config sections; the composition root (warroom.wiring) registers them.
SECTIONS: list[Section] = [
    Section(
        "analytics",
        AnalyticsConfig,
        many=False,
        order=200,
        description="Analytics: working hours for the out-of-hours count of pages",
    )
]
