"""Intake fixtures: a config with severities, services, integrations and routes, applied through
the real config service, plus the wire-format reference's example payloads."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select

from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.intake import models

AM_SECRET = "prom-secret-0123456789"
GRAFANA_SECRET = "graf-secret-0123456789"
GRAFANA_HMAC = "grafana-hmac-secret-42"
PD_KEY = "3f1c9a7be2d84c0f9b6a51e07d2c48aa"
GENIE_KEY = "8c0e6b7a-2f4d-4c39-9a51-3e2d7f1b6c90"
GENERIC_SECRET = "generic-secret-0123456789"

CONFIG = f"""
severities:
  - {{key: SEV1, name: Critical}}
  - {{key: SEV2, name: Major}}
  - {{key: SEV3, name: Minor}}
services:
  - {{key: checkout, name: Checkout}}
  - {{key: api-gateway, name: API gateway}}
  - {{key: orders-db, name: Orders DB, auto_resolve: true}}
  - {{key: web, name: Web}}
  - {{key: storage, name: Storage}}
integrations:
  - {{key: prom, type: alertmanager, secret: "{AM_SECRET}"}}
  - {{key: graf, type: grafana, secret: "{GRAFANA_SECRET}", hmac_secret: "{GRAFANA_HMAC}"}}
  - {{key: pd, type: pagerduty, secret: "{PD_KEY}"}}
  - {{key: og, type: opsgenie, secret: "{GENIE_KEY}"}}
  - {{key: scripts, type: generic, secret: "{GENERIC_SECRET}"}}
routes:
  - key: checkout
    matchers: ['service="checkout"']
    service: checkout
    severity: {{label: severity, map: {{critical: SEV1, warning: SEV3}}, default: SEV2}}
    group_by: [alertname, service]
    runbooks: [checkout-errors]
  - key: orders-db
    matchers: ['cluster=~"orders-db.*"']
    service: orders-db
    severity: SEV1
    group_by: [cluster]
  - key: pagerduty
    integrations: [pd]
    service: storage
    severity: {{label: severity, map: {{critical: SEV1, error: SEV2}}, default: SEV3}}
  - key: web
    matchers: ['team="web"']
    service: web
    severity: {{map: {{warning: SEV3, critical: SEV1}}}}
    inhibit: {{severity: SEV2}}
  - key: info-only
    matchers: ['severity="info"']
    open_incident: false
  - key: default
    service_label: service
    severity: {{map: {{critical: SEV1, warning: SEV3}}, default: SEV3}}
runbooks:
  - key: checkout-errors
    markdown: "# Checkout errors\n\n- Check the error rate"
maintenance_windows:
  - key: nightly
    service: api-gateway
    weekly: {{from: "01:00", to: "03:00", time_zone: UTC}}
"""


def apply_config(db: Database, clock: FakeClock, text: str = CONFIG) -> None:
    doc, problems = config_service.load_files({"intake.yaml": text})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")


@pytest.fixture
def configured(db: Database, clock: FakeClock) -> Database:
    apply_config(db, clock)
    return db


Counts = Callable[[], dict[str, int]]


@pytest.fixture
def counts(db: Database) -> Counts:
    """Row counts of every table intake or its effects may write."""
    from warroom.db import Base

    def count() -> dict[str, int]:
        with db.session() as session:
            return {
                t.name: session.scalar(select(func.count()).select_from(t)) or 0
                for t in Base.metadata.sorted_tables
                if t.name not in ("config_revisions",)
            }

    return count


def am_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {AM_SECRET}", "Content-Type": "application/json"}


def am_alert(
    labels: dict[str, str], fingerprint: str = "f00d", summary: str = ""
) -> dict[str, Any]:
    """An Alertmanager webhook body of one firing alert."""
    return {
        "version": "4",
        "status": "firing",
        "receiver": "warroom",
        "groupKey": "{}:{}",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": summary} if summary else {},
                "startsAt": "2026-01-01T11:59:00Z",
                "fingerprint": fingerprint,
            }
        ],
    }


def alerts_in(db: Database) -> list[models.Alert]:
    with db.session() as session:
        return list(session.scalars(select(models.Alert).order_by(models.Alert.id)))


# ---- wire-format reference examples (§1.7, §2.3, §2.4, §3.3, §4) --------------------------

AM_FIRING: dict[str, Any] = json.loads(
    r"""
{
  "receiver": "incident-service",
  "status": "firing",
  "alerts": [
    {
      "status": "firing",
      "labels": {"alertname": "HighErrorRate", "instance": "10.42.3.17:8080", "job": "checkout-api",
                 "service": "checkout", "severity": "critical", "team": "payments"},
      "annotations": {"summary": "checkout 5xx ratio is 7.3%",
                      "description":
                        "More than 5% of requests to checkout fail on 10.42.3.17:8080.",
                      "runbook_url": "https://runbooks.example.com/checkout/high-error-rate"},
      "startsAt": "2026-11-22T09:14:05.321Z",
      "endsAt": "0001-01-01T00:00:00Z",
      "generatorURL": "http://prometheus.example.internal:9090/graph?g0.expr=job%3Ahttp_errors%3Aratio5m+%3E+0.05&g0.tab=1",
      "fingerprint": "875de8422d4f4968"
    },
    {
      "status": "firing",
      "labels": {"alertname": "HighErrorRate", "instance": "10.42.5.9:8080", "job": "checkout-api",
                 "service": "checkout", "severity": "critical", "team": "payments"},
      "annotations": {"summary": "checkout 5xx ratio is 6.1%",
                      "description": "More than 5% of requests to checkout fail on 10.42.5.9:8080.",
                      "runbook_url": "https://runbooks.example.com/checkout/high-error-rate"},
      "startsAt": "2026-11-22T09:14:35.321Z",
      "endsAt": "0001-01-01T00:00:00Z",
      "generatorURL": "http://prometheus.example.internal:9090/graph?g0.expr=job%3Ahttp_errors%3Aratio5m+%3E+0.05&g0.tab=1",
      "fingerprint": "90b246f8d4481461"
    }
  ],
  "groupLabels": {"alertname": "HighErrorRate", "service": "checkout"},
  "commonLabels": {"alertname": "HighErrorRate", "job": "checkout-api", "service": "checkout",
                   "severity": "critical", "team": "payments"},
  "commonAnnotations": {"runbook_url": "https://runbooks.example.com/checkout/high-error-rate"},
  "externalURL": "http://alertmanager.example.internal:9093",
  "version": "4",
  "groupKey": "{}:{alertname=\"HighErrorRate\", service=\"checkout\"}",
  "truncatedAlerts": 0
}
"""
)


def am_partial() -> dict[str, Any]:
    """§1.7 partial resolution: the first alert resolved, the second still firing."""
    body = copy.deepcopy(AM_FIRING)
    body["alerts"][0]["status"] = "resolved"
    body["alerts"][0]["endsAt"] = "2026-11-22T09:31:50.321Z"
    return body


def am_full() -> dict[str, Any]:
    """§1.7 full resolution: only the remaining alert, resolved."""
    body = copy.deepcopy(AM_FIRING)
    second = body["alerts"][1]
    second["status"] = "resolved"
    second["endsAt"] = "2026-11-22T09:36:20.321Z"
    body["alerts"] = [second]
    body["status"] = "resolved"
    return body


GRAFANA: dict[str, Any] = {
    "receiver": "incident-service",
    "status": "firing",
    "orgId": 1,
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "High CPU usage",
                "grafana_folder": "Production",
                "host": "web-04",
                "severity": "warning",
                "team": "web",
            },
            "annotations": {
                "summary": "CPU on web-04 above 90% for 10m",
                "runbook_url": "https://runbooks.example.com/web/high-cpu",
            },
            "startsAt": "2026-11-22T09:20:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "https://grafana.example.com/alerting/grafana/bf3k1z9x2/view?orgId=1",
            "fingerprint": "3d5a9c1e7b20f488",
            "silenceURL": "https://grafana.example.com/alerting/silence/new?alertmanager=grafana",
            "dashboardURL": "https://grafana.example.com/d/node-exp?orgId=1",
            "panelURL": "https://grafana.example.com/d/node-exp?orgId=1&viewPanel=7",
            "values": {"A": 93.2, "C": 1},
            "valueString": "[ var='A' labels={host=web-04} value=93.2 ]",
            "orgId": 1,
        }
    ],
    "groupLabels": {"alertname": "High CPU usage", "grafana_folder": "Production"},
    "commonLabels": {
        "alertname": "High CPU usage",
        "grafana_folder": "Production",
        "host": "web-04",
        "severity": "warning",
        "team": "web",
    },
    "commonAnnotations": {"summary": "CPU on web-04 above 90% for 10m"},
    "externalURL": "https://grafana.example.com/",
    "version": "1",
    "groupKey": '{}:{alertname="High CPU usage", grafana_folder="Production"}',
    "truncatedAlerts": 0,
    "title": "[FIRING:1] High CPU usage Production (web-04 warning web)",
    "state": "alerting",
    "message": "**Firing**\n\nValue: A=93.2, C=1\n",
}

PD_TRIGGER: dict[str, Any] = {
    "routing_key": PD_KEY,
    "event_action": "trigger",
    "dedup_key": "db-prod-03/disk-/var/lib/postgresql",
    "payload": {
        "summary": "Disk /var/lib/postgresql 96% full on db-prod-03",
        "source": "db-prod-03.example.com",
        "severity": "critical",
        "timestamp": "2026-11-22T09:14:05.321+00:00",
        "component": "postgresql",
        "group": "prod-db",
        "class": "disk",
        "custom_details": {
            "mountpoint": "/var/lib/postgresql",
            "used_percent": 96.4,
            "free_bytes": 4123456512,
        },
    },
    "images": [
        {
            "src": "https://grafana.example.com/render/d-solo/abc123?panelId=4",
            "href": "https://grafana.example.com/d/abc123",
            "alt": "Disk usage, last 6h",
        }
    ],
    "links": [{"href": "https://runbooks.example.com/postgres/disk-full", "text": "Runbook"}],
    "client": "Checkmon",
    "client_url": "https://checkmon.example.com/hosts/db-prod-03",
}
PD_ACK = {
    "routing_key": PD_KEY,
    "event_action": "acknowledge",
    "dedup_key": "db-prod-03/disk-/var/lib/postgresql",
}
PD_RESOLVE = {
    "routing_key": PD_KEY,
    "event_action": "resolve",
    "dedup_key": "db-prod-03/disk-/var/lib/postgresql",
}
PD_FROM_ALERTMANAGER: dict[str, Any] = {
    "routing_key": PD_KEY,
    "dedup_key": "1bca2501059610490816ea2eecfb34cb979306781f7aeef7b4b93b1978bd843c",
    "event_action": "trigger",
    "payload": {
        "summary": "[FIRING:2] HighErrorRate checkout (checkout-api critical payments)",
        "source": "Alertmanager",
        "severity": "critical",
        "custom_details": {
            "firing": "Labels:\n - alertname = HighErrorRate\n",
            "num_firing": "2",
            "num_resolved": "0",
            "resolved": "",
        },
    },
    "client": "Alertmanager",
    "client_url": "http://alertmanager.example.internal:9093/#/alerts?receiver=pagerduty-compat",
}

OG_CREATE: dict[str, Any] = {
    "message": "[FIRING:1] ReplicationLag orders-db (critical dba)",
    "alias": "orders-db-replication-lag",
    "description": "Replica orders-db-2 is 420s behind primary.",
    "responders": [{"type": "team", "name": "dba"}],
    "tags": ["database", "prod"],
    "details": {"cluster": "orders-db", "replica": "orders-db-2", "lag_seconds": "420"},
    "entity": "orders-db",
    "source": "https://alertmanager.example.com/#/alerts?receiver=opsgenie",
    "priority": "P1",
}
OG_CLOSE = {
    "source": "https://alertmanager.example.com/#/alerts?receiver=opsgenie",
    "note": "Lag back under 5s",
}


def og_headers() -> dict[str, str]:
    return {"Authorization": f"GenieKey {GENIE_KEY}", "Content-Type": "application/json"}
