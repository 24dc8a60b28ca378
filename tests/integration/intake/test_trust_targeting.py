"""No incident pages nobody without saying so (issue 8): integrations name a service,
PagerDuty custom_details and Opsgenie tags route, a default escalation policy, and the loud
`paging:incident:unpaged` (timeline, API, `incident show`, /metrics, `config check`)."""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.intake.conftest import (
    AM_SECRET,
    GENIE_KEY,
    OG_CREATE,
    PD_FROM_ALERTMANAGER,
    PD_KEY,
    PD_TRIGGER,
    alerts_in,
    am_alert,
    am_headers,
    og_headers,
)
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.notify.models import Message
from warroom.settings import Settings

ORG = f"""
severities:
  - {{key: SEV1, name: Critical}}
  - {{key: SEV3, name: Minor, page: false}}
users:
  - email: oncall@trust.test
    name: On call
    contact_methods: [{{name: push, url: "json://127.0.0.1:9/oncall"}}]
schedules:
  - key: primary
    name: Primary
    layers:
      - {{name: l, participants: [oncall@trust.test], shift: weekly, start: "2025-12-01"}}
  - key: future
    name: Not yet running
    layers:
      - {{name: l, participants: [oncall@trust.test], shift: weekly, start: "2027-01-04"}}
escalation_policies:
  - key: core
    DEFAULT
    levels: [{{notify: ["schedule:primary"]}}]
  - key: empty
    levels: [{{notify: ["schedule:future"]}}]
services:
  - {{key: api, name: API, escalation_policy: core}}
  - {{key: db, name: DB, escalation_policy: core}}
  - {{key: lonely, name: Lonely, escalation_policy: empty}}
  - {{key: orphan, name: Orphan}}
integrations:
  - {{key: prom, type: alertmanager, secret: "{AM_SECRET}"}}
  - {{key: pd, type: pagerduty, secret: "{PD_KEY}", service: api}}
  - {{key: og, type: opsgenie, secret: "{GENIE_KEY}"}}
routes:
  - key: pd-disk
    matchers: ['details.mountpoint="/var/lib/postgresql"']
    service: db
    severity: SEV1
  - key: og-prod
    matchers: ['tag:prod="true"']
    service: db
    severity: SEV1
  - key: by-label
    service_label: service
    severity: {{map: {{critical: SEV1, warning: SEV3}}, default: SEV3}}
"""


def org(default: bool) -> str:
    return ORG.replace("DEFAULT", "default: true" if default else "name: Core")


def apply(db: Database, clock: FakeClock, text: str) -> None:
    doc, problems = config_service.load_files({"org.yaml": text})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")


@pytest.fixture
def sender() -> Iterator[senders.FakeSender]:
    fake = senders.FakeSender()
    senders.set_sender(fake)
    yield fake
    senders.set_sender(None)


def paged_users(db: Database, number: int) -> list[int | None]:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        rows = session.scalars(select(Message.user_id).where(Message.incident_id == incident.id))
        return list(rows)


def unpaged_events(db: Database, number: int) -> list[dict[str, Any]]:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        kinds = ["paging:incident:unpaged"]
        return [
            dict(e.payload)
            for e in timeline.events_since(session, incident_id=incident.id, kinds=kinds)
        ]


def test_pagerduty_custom_details_and_opsgenie_tags_are_matchable(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    apply(db, clock, org(default=False))
    assert client.post("/v2/enqueue", json=PD_TRIGGER).status_code == 202
    og = copy.deepcopy(OG_CREATE)
    og["details"] = {"replica": "orders-db-2"}
    assert client.post("/v2/alerts", json=og, headers=og_headers()).status_code == 202
    pd_alert, og_alert = alerts_in(db)
    assert (pd_alert.route, pd_alert.service) == ("pd-disk", "db")
    assert pd_alert.labels["details.mountpoint"] == "/var/lib/postgresql"
    assert pd_alert.labels["details.used_percent"] == "96.4"
    assert (og_alert.route, og_alert.service) == ("og-prod", "db")
    assert og_alert.labels["tag:prod"] == "true" and og_alert.labels["replica"] == "orders-db-2"


def test_integration_names_the_service_of_its_alerts(
    client: TestClient, db: Database, clock: FakeClock, settings: Settings, sender: Any
) -> None:
    apply(db, clock, org(default=False))
    r = client.post("/v2/enqueue", json=PD_FROM_ALERTMANAGER)
    assert r.status_code == 202
    (alert,) = alerts_in(db)
    assert (alert.route, alert.service, alert.labels["service"]) == ("by-label", "api", "api")
    assert alert.severity == "SEV1"
    # A route still overrides: an alert naming its own service keeps it.
    other = {**PD_FROM_ALERTMANAGER, "dedup_key": "other"}
    other["payload"] = {**other["payload"], "custom_details": {"service": "x"}}
    assert client.post("/v2/enqueue", json=other).status_code == 202
    Worker(db, clock, settings, "t").run_once()
    number = alert.incident_number
    assert number is not None and len(paged_users(db, number)) == 1


@pytest.mark.parametrize("default", [True, False])
def test_serviceless_critical_pages_default_policy_or_says_nobody(
    default: bool,
    client: TestClient,
    db: Database,
    clock: FakeClock,
    settings: Settings,
    sender: Any,
    cli: Callable[..., Any],
) -> None:
    from warroom.metrics import INCIDENTS_UNPAGED

    apply(db, clock, org(default=default))
    before = INCIDENTS_UNPAGED.labels(reason="no_escalation_policy")._value.get()
    r = client.post(
        "/api/v1/intake/alertmanager",
        json=am_alert({"alertname": "Boom", "severity": "critical"}),
        headers=am_headers(),
    )
    (number,) = r.json()["incidents"]
    Worker(db, clock, settings, "t").run_once()
    detail = cli("incident", "show", str(number))
    api = client.get(f"/api/v1/incidents/{number}").json()
    after = INCIDENTS_UNPAGED.labels(reason="no_escalation_policy")._value.get()
    if default:
        assert len(paged_users(db, number)) == 1
        assert unpaged_events(db, number) == [] and api["unpaged"] is None
        assert "NOBODY PAGED" not in detail.output and after == before
    else:
        assert paged_users(db, number) == []
        (event,) = unpaged_events(db, number)
        assert event["reason"] == "no_escalation_policy" and event["severity"] == "SEV1"
        assert "no escalation policy" in api["unpaged"]
        assert "NOBODY PAGED" in detail.output and after == before + 1


def test_policy_with_nobody_on_call_says_so_and_non_paging_severity_does_not(
    client: TestClient, db: Database, clock: FakeClock, settings: Settings
) -> None:
    apply(db, clock, org(default=True))
    r = client.post(
        "/api/v1/intake/alertmanager",
        json=am_alert({"alertname": "Lonely", "service": "lonely", "severity": "critical"}),
        headers=am_headers(),
    )
    (number,) = r.json()["incidents"]
    Worker(db, clock, settings, "t").run_once()
    (event,) = unpaged_events(db, number)
    assert event["reason"] == "nobody_to_page" and event["policy"] == "empty"
    quiet = am_alert({"alertname": "Meh", "service": "orphan", "severity": "warning"}, "f2")
    (minor,) = client.post("/api/v1/intake/alertmanager", json=quiet, headers=am_headers()).json()[
        "incidents"
    ]
    Worker(db, clock, settings, "t").run_once()
    assert unpaged_events(db, minor) == []  # SEV3 does not page: nothing to say


def test_config_check_warns_about_routes_that_page_nobody_and_refuses_two_defaults(
    db: Database,
) -> None:
    _, problems = config_service.load_files({"org.yaml": org(default=False)})
    assert not problems, problems.lines()
    warnings = "\n".join(problems.warnings())
    assert "routes[by-label].service_label" in warnings and "page nobody" in warnings
    _, covered = config_service.load_files({"org.yaml": org(default=True)})
    assert not covered and covered.warnings() == []
    orphan = org(default=False).replace(
        "service: db\n    severity: SEV1", "service: orphan\n    severity: SEV1", 1
    )
    _, problems = config_service.load_files({"org.yaml": orphan})
    assert any("service 'orphan' names no escalation_policy" in w for w in problems.warnings())
    two = org(default=True).replace("  - key: empty\n", "  - key: empty\n    default: true\n")
    _, problems = config_service.load_files({"org.yaml": two})
    assert any("only one escalation policy can be the default" in p for p in problems.lines())
