"""`GET /api/v1/analytics`: the report's figures for a window, narrowed by service or severity.

    curl -H "Authorization: Bearer $TOKEN" \
         "https://warroom.example.com/api/v1/analytics?since=30d&severity=SEV1"
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from warroom.deps import ClockDep, SessionDep, Viewer
from warroom.openapi import API_ERRORS
from warroom.review.analytics import service
from warroom.review.analytics.periods import WHEN_HINT, window
from warroom.review.analytics.queries import Filters
from warroom.review.analytics.schemas import AnalyticsReport

router = APIRouter(prefix="/api/v1/analytics", tags=["analytics"], responses=API_ERRORS)


@router.get("", response_model=AnalyticsReport)
def analytics(
    principal: Viewer,
    session: SessionDep,
    clock: ClockDep,
    since: Annotated[str, Query(max_length=40, description=f"start: {WHEN_HINT}")] = "30d",
    until: Annotated[
        str | None, Query(max_length=40, description=f"end (default now): {WHEN_HINT}")
    ] = None,
    bucket: Annotated[
        str | None,
        Query(max_length=10, description="day, week or month (default from the window's span)"),
    ] = None,
    service_key: Annotated[
        str | None, Query(alias="service", max_length=64, description="only this service")
    ] = None,
    severity: Annotated[str | None, Query(max_length=32, description="only this severity")] = None,
) -> AnalyticsReport:
    span = window(clock, since, until, bucket)
    return service.report(session, clock, span, Filters(severity=severity, service=service_key))
