"""The analytics page: the report's figures and charts for a period the reader picks.

`/ui/analytics?since=30d&until=&service=&severity=&bucket=` reads the same service as
`GET /api/v1/analytics`. The pygal charts are embedded in the page as SVG images (data: URLs):
the UI's Content-Security-Policy refuses inline styles, which an SVG in the page's own DOM
would need, while an SVG image keeps its styles to itself and fetches nothing.

A date or time typed without an offset is the reader's: it is read in the signed-in person's
time zone (users.time_zone), as `warroom report` reads it in WARROOM_TZ, and the period is
headed in that zone; the API alone, for programs, reads it as UTC.
"""

from __future__ import annotations

import base64
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from warroom.catalog import service as catalog
from warroom.deps import ClockDep, SessionDep
from warroom.errors import Invalid
from warroom.review.analytics import service as analytics
from warroom.review.analytics.charts import all_charts
from warroom.review.analytics.periods import BUCKETS, window, zone_named
from warroom.review.analytics.queries import Filters
from warroom.review.analytics.report_html import duration, percent
from warroom.web import formkit
from warroom.web.deps import UiViewer
from warroom.web.render import render

router = APIRouter(include_in_schema=False)

PRESETS: tuple[tuple[str, str], ...] = (
    ("7d", "Last 7 days"),
    ("30d", "Last 30 days"),
    ("90d", "Last 90 days"),
    ("365d", "Last year"),
)
Text = Annotated[str | None, Query(max_length=64)]


def _image(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


@router.get("/ui/analytics", response_class=HTMLResponse)
def analytics_page(
    request: Request,
    me: UiViewer,
    session: SessionDep,
    clock: ClockDep,
    since: Text = None,
    until: Text = None,
    service: Text = None,
    severity: Text = None,
    bucket: Text = None,
) -> Response:
    picked = {
        "since": (since or "").strip() or "30d",
        "until": (until or "").strip(),
        "service": (service or "").strip(),
        "severity": (severity or "").strip(),
        "bucket": (bucket or "").strip(),
    }
    zone = zone_named(str(formkit.person_zone(session, me)))
    context: dict[str, Any] = {
        "zone": str(zone),
        "heading": "",
        "picked": picked,
        "presets": PRESETS,
        "buckets": BUCKETS,
        "services": [s.key for s in catalog.list_services(session, include_inactive=True)],
        "severities": [s.key for s in catalog.list_severities(session, include_inactive=True)],
        "duration": duration,
        "percent": percent,
        "report": None,
        "charts": {},
        "error": None,
    }
    try:
        span = window(
            clock, picked["since"], picked["until"] or None, picked["bucket"] or None, zone
        )
    except Invalid as exc:
        context["error"] = (exc.field, exc.message)
        return render(request, "analytics.html", context, status_code=422)
    filters = Filters(severity=picked["severity"] or None, service=picked["service"] or None)
    report = analytics.report(session, clock, span, filters)
    context["report"] = report
    start, end = span.since.astimezone(zone), span.until.astimezone(zone)
    context["heading"] = f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M %Z} ({zone})"
    context["charts"] = {name: _image(svg) for name, svg in all_charts(report).items()}
    return render(request, "analytics.html", context)
