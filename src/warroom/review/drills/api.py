"""Drill routes: start one (responders), list them and report their response figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from warroom.deps import ClockDep, Responder, SessionDep, SettingsDep, Viewer
from warroom.errors import Invalid
from warroom.incidents import service as incidents
from warroom.incidents.access import hidden_incident_ids
from warroom.openapi import API_ERRORS
from warroom.review.analytics import service as analytics
from warroom.review.analytics.periods import WHEN_HINT, window
from warroom.review.analytics.queries import Filters
from warroom.review.drills import report, service
from warroom.review.drills.scenario import ScenarioError, parse_scenario
from warroom.review.drills.schemas import DrillOut, DrillReportOut, DrillStart

router = APIRouter(prefix="/api/v1/drills", tags=["drills"], responses=API_ERRORS)


@router.post("", response_model=DrillOut, status_code=201)
def start_drill(
    body: DrillStart,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> DrillOut:
    scenario = None
    if body.scenario is not None:
        try:
            scenario = parse_scenario(body.scenario, body.scenario_name)
        except ScenarioError as exc:
            message = "the scenario cannot run:\n" + "\n".join(exc.problems)
            raise Invalid(message, field="scenario", details={"problems": exc.problems}) from None
    drill = service.start_drill(
        session,
        clock,
        settings,
        severity=body.severity,
        service=body.service,
        title=body.title,
        participants=body.participants,
        scenario=scenario,
        actor=principal.actor,
    )
    out = DrillOut.of(drill, incidents.get_incident_by_id(session, drill.incident_id))
    session.commit()
    return out


@router.get("", response_model=list[DrillOut])
def list_drills(
    principal: Viewer, session: SessionDep, limit: Annotated[int, Query(ge=1, le=1000)] = 100
) -> list[DrillOut]:
    # A drill opened with `incident open --drill --private` is shown to its members only.
    hidden = hidden_incident_ids(session, principal)
    return [DrillOut.of(d, i) for d, i in service.list_drills(session, limit, hidden)]


@router.get("/report", response_model=DrillReportOut)
def drill_report(
    principal: Viewer,
    session: SessionDep,
    clock: ClockDep,
    since: Annotated[str, Query(max_length=40, description=f"how far back: {WHEN_HINT}")] = "90d",
) -> DrillReportOut:
    span = window(clock, since)
    figures = report.drill_report(session, span.since, hidden_incident_ids(session, principal))
    # The analytics report's drill section: means, medians and targets met per severity.
    rehearsals = analytics.report(session, clock, span, Filters()).drills
    return DrillReportOut.of(figures, rehearsals)
