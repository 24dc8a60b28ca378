"""The analytics figures as the API, the CLI's --json, the HTML report and the UI get them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class Times(BaseModel):
    """Seconds from opened to a moment, over the incidents that reached it."""

    count: int = 0
    mean_s: float | None = None
    median_s: float | None = None


class ResponseTimes(BaseModel):
    mtta: Times = Field(default_factory=Times, description="opened → acknowledged")
    mttm: Times = Field(default_factory=Times, description="opened → mitigated (or resolved)")
    mttr: Times = Field(default_factory=Times, description="opened → resolved")


class TimesBreakdown(BaseModel):
    overall: ResponseTimes = Field(default_factory=ResponseTimes)
    by_severity: dict[str, ResponseTimes] = {}
    by_service: dict[str, ResponseTimes] = {}
    by_period: dict[str, ResponseTimes] = {}


class Compliance(BaseModel):
    """Targets met and missed; ratio = met / (met + missed), None when nothing counted."""

    met: int = 0
    missed: int = 0
    ratio: float | None = None


class SlaFigures(BaseModel):
    acknowledged: Compliance = Field(default_factory=Compliance)
    responded: Compliance = Field(default_factory=Compliance)
    resolved: Compliance = Field(default_factory=Compliance)
    updates: Compliance = Field(default_factory=Compliance)
    postmortem: Compliance | None = None


class PeriodCount(BaseModel):
    period: str
    key: str
    count: int


class IncidentCounts(BaseModel):
    total: int = 0
    by_severity: dict[str, int] = {}
    by_service: dict[str, int] = {}
    severity_over_time: list[PeriodCount] = []
    service_over_time: list[PeriodCount] = []


class PersonLoad(BaseModel):
    email: str
    name: str
    time_zone: str
    pages: int
    outside_hours: int


class OncallLoad(BaseModel):
    working_hours: str
    working_days: list[str]
    pages: int = 0
    outside_hours: int = 0
    people: list[PersonLoad] = []


class ActionItemCounts(BaseModel):
    open: int
    overdue: int


class DrillFigures(BaseModel):
    """Drills, apart from production: how the rehearsals went."""

    incidents: IncidentCounts = Field(default_factory=IncidentCounts)
    times: TimesBreakdown = Field(default_factory=TimesBreakdown)
    sla: dict[str, SlaFigures] = {}
    pages: int = 0


class AnalyticsReport(BaseModel):
    since: datetime
    until: datetime
    bucket: str
    time_zone: str = Field(
        default="UTC", description="the zone of the calendar periods (by_period, *_over_time)"
    )
    severity: str | None = None
    service: str | None = None
    incidents: IncidentCounts
    times: TimesBreakdown
    sla: dict[str, SlaFigures] = Field(description="per severity, and 'all'")
    oncall: OncallLoad
    action_items: ActionItemCounts | None = None
    drills: DrillFigures
