"""Drill requests and answers."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from warroom.config.types import Target
from warroom.incidents.models import Incident
from warroom.review.analytics.schemas import DrillFigures
from warroom.review.drills.models import Drill
from warroom.review.drills.report import DrillReport


class DrillStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    severity: str = Field(min_length=1, max_length=32)
    service: str | None = Field(default=None, min_length=1, max_length=64)
    title: str = Field(default="", max_length=280)
    participants: list[Target] = Field(
        default_factory=list,
        max_length=50,
        description="Who takes part: targets such as oncall:core",
    )
    scenario: str | None = Field(
        default=None, max_length=100_000, description="A scenario file's YAML text"
    )
    scenario_name: str = Field(
        default="scenario",
        min_length=1,
        max_length=300,
        description="The scenario's file name, for error lines",
    )


class DrillOut(BaseModel):
    id: int
    number: int
    ref: str
    title: str
    severity: str
    service: str | None
    status: str
    schedule: str
    participants: list[str]
    steps: int
    steps_done: int
    started_at: datetime
    started_by: str

    @classmethod
    def of(cls, drill: Drill, incident: Incident) -> DrillOut:
        return cls(
            id=drill.id,
            number=incident.number,
            ref=incident.ref,
            title=incident.title,
            severity=incident.severity,
            service=drill.service,
            status=incident.status,
            schedule=drill.schedule,
            participants=[str(p) for p in drill.participants],
            steps=len(drill.scenario.get("steps", [])),
            steps_done=len(drill.steps_done),
            started_at=drill.started_at,
            started_by=drill.started_by,
        )


class DrillFiguresOut(BaseModel):
    number: int
    ref: str
    title: str
    severity: str
    schedule: str
    status: str
    opened_at: datetime
    time_to_ack_s: float | None
    time_to_mitigate_s: float | None
    time_to_resolve_s: float | None


class DrillAverages(BaseModel):
    time_to_ack_s: float | None
    time_to_mitigate_s: float | None
    time_to_resolve_s: float | None
    acknowledged: int
    mitigated: int
    resolved: int


class DrillReportOut(BaseModel):
    since: datetime
    count: int
    drills: list[DrillFiguresOut]
    average: DrillAverages
    analytics: DrillFigures = Field(description="The analytics report's drill section")

    @classmethod
    def of(cls, report: DrillReport, analytics: DrillFigures) -> DrillReportOut:
        rows = [
            DrillFiguresOut(
                number=d.number,
                ref=f"INC-{d.number}",
                title=d.title,
                severity=d.severity,
                schedule=d.schedule,
                status=d.status,
                opened_at=d.opened_at,
                time_to_ack_s=d.seconds["ack"],
                time_to_mitigate_s=d.seconds["mitigate"],
                time_to_resolve_s=d.seconds["resolve"],
            )
            for d in report.drills
        ]
        average = DrillAverages(
            time_to_ack_s=report.average["ack"],
            time_to_mitigate_s=report.average["mitigate"],
            time_to_resolve_s=report.average["resolve"],
            acknowledged=report.reached["ack"],
            mitigated=report.reached["mitigate"],
            resolved=report.reached["resolve"],
        )
        return cls(
            since=report.since, count=len(rows), drills=rows, average=average, analytics=analytics
        )
