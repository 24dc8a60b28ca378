"""`GET /api/v1/analytics`: the report's figures for a window, narrowed by service or severity.

    curl -H "Authorization: Bearer $TOKEN" \
         "https://warroom.example.com/api/v1/analytics?since=30d&severity=SEV1"
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from warroom.catalog import service as catalog
from warroom.deps import ClockDep, SessionDep, Viewer
from warroom.errors import Invalid, NotFound
from warroom.openapi import API_ERRORS
from warroom.review.analytics import service
from warroom.review.analytics.periods import WHEN_HINT, window, zone_named
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
    tz: Annotated[
        str | None,
        Query(
            max_length=64,
            description="the reader's time zone (IANA name, default UTC): the calendar of the "
            "day/week/month periods, and the zone of a since/until given without an offset",
        ),
    ] = None,
) -> AnalyticsReport:
    span = window(clock, since, until, bucket, zone_named(tz))
    filters = Filters(severity=severity, service=service_key)
    _known(session, filters)
    return service.report(session, clock, span, filters)


def _known(session: Session, filters: Filters) -> None:
    """A filter names a severity or a service of the catalog (one removed from the config
    too: its incidents still name it); a typo is a 422 naming the field, not an empty report."""
    if filters.severity is not None and filters.severity not in catalog.severities_by_key(session):
        known = ", ".join(sorted(catalog.severities_by_key(session))) or "none are configured"
        raise Invalid(f"unknown severity {filters.severity!r}; known: {known}", field="severity")
    if filters.service is not None:
        try:
            catalog.get_service(session, filters.service)
        except NotFound:
            keys = ", ".join(s.key for s in catalog.list_services(session, include_inactive=True))
            raise Invalid(
                f"unknown service {filters.service!r}; known: {keys or 'none are configured'}",
                field="service",
            ) from None
