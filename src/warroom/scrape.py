"""`GET /metrics` in the Prometheus text format.

Access: a viewer (or higher) API token as `Authorization: Bearer <token>`, or the static
WARROOM_METRICS_TOKEN (so a Prometheus scrape job needs no user):

    scrape_configs:
      - job_name: warroom
        authorization: {credentials: "<WARROOM_METRICS_TOKEN>"}
        static_configs: [{targets: ["warroom.example.com:8080"]}]

What it exposes:
- `warroom_engine_lag_seconds`: now minus the run_at of the oldest due pending job (0 when the
  engine keeps up); alert on it to learn that warroom's own engine is behind.
- `warroom_jobs{kind,state}`: the job queue by kind and state.
- `warroom_notifications{scheme,state}`: outbox messages by state (queued/sending/sent/failed).
- `warroom_heartbeat_status{name}` (1 up, 0 down, -1 waiting) and
  `warroom_heartbeat_last_seen_timestamp_seconds{name}`.
- The analytics headline over 30 days: `warroom_mtta_seconds{severity}`,
  `warroom_mttr_seconds{severity}`, `warroom_sla_compliance_ratio{kind,severity}` and more
  (`warroom.review.analytics.metrics`).
- Process counters defined in `warroom.metrics`, e.g.
  `warroom_alerts_received_total{integration,status}`.
"""

from __future__ import annotations

import hmac

from fastapi import APIRouter, Request, Response
from prometheus_client import REGISTRY, CollectorRegistry, Gauge, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from sqlalchemy.orm import Session

from warroom.auth.service import authenticate
from warroom.clock import Clock
from warroom.deps import ClockDep, SessionDep, bearer_token
from warroom.engine import service as engine
from warroom.errors import Forbidden, Unauthorized
from warroom.heartbeats import service as heartbeats
from warroom.notify import service as notify
from warroom.review.analytics.metrics import AnalyticsCollector
from warroom.settings import Settings

router = APIRouter(tags=["health"])


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, session: SessionDep, clock: ClockDep) -> Response:
    _authorize(request, session, clock)
    body = generate_latest(REGISTRY) + generate_latest(database_registry(session, clock))
    return Response(body, media_type=CONTENT_TYPE_LATEST)


def _authorize(request: Request, session: Session, clock: Clock) -> None:
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("missing credential: send 'Authorization: Bearer <token>'")
    # The app's settings, else the environment now (a token set after the app was built).
    settings: Settings = request.app.state.settings
    static = settings.metrics_token
    if static and hmac.compare_digest(static.encode(), token.encode()):
        return
    principal = authenticate(session, clock, token)
    if principal is None:
        raise Unauthorized("invalid or revoked token")
    if not principal.allows("viewer"):
        raise Forbidden("metrics need the viewer role")
    session.commit()


def database_registry(session: Session, clock: Clock) -> CollectorRegistry:
    """Gauges read from the database at scrape time (shared by every process)."""
    registry = CollectorRegistry(auto_describe=True)
    registry.register(AnalyticsCollector(session, clock))
    counts, lag = engine.queue_stats(session, clock)
    Gauge(
        "warroom_engine_lag_seconds",
        "Now minus run_at of the oldest due pending job (0 when the engine keeps up)",
        registry=registry,
    ).set(lag)
    jobs = Gauge("warroom_jobs", "Jobs by kind and state", ["kind", "state"], registry=registry)
    for (kind, state), n in counts.items():
        jobs.labels(kind=kind, state=state).set(n)
    messages = Gauge(
        "warroom_notifications",
        "Notification outbox messages by URL scheme and state",
        ["scheme", "state"],
        registry=registry,
    )
    for (scheme, state), n in notify.counts_by_state(session).items():
        messages.labels(scheme=scheme, state=state).set(n)
    failed = Gauge(
        "warroom_notifications_failed",
        "Messages that finally failed, by channel (email, webhook, ...): every worker's",
        ["channel"],
        registry=registry,
    )
    for channel, n in notify.failures_by_channel(session).items():
        failed.labels(channel=channel).set(n)
    status = Gauge(
        "warroom_heartbeat_status",
        "Heartbeat status: 1 up, 0 down (missed), -1 waiting for a first ping",
        ["name"],
        registry=registry,
    )
    seen = Gauge(
        "warroom_heartbeat_last_seen_timestamp_seconds",
        "Unix time of the last ping",
        ["name"],
        registry=registry,
    )
    for beat in heartbeats.list_heartbeats(session):
        status.labels(name=beat.name).set(heartbeats.status_value(beat))
        if beat.last_seen_at is not None:
            seen.labels(name=beat.name).set(beat.last_seen_at.timestamp())
    return registry
