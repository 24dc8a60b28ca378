"""The Alertmanager / Grafana webhook as real senders use it (wire-formats §1, §3): any
Authorization scheme, a large group in one notification, Grafana's imageURL and valueString."""

from __future__ import annotations

import base64
import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.intake.conftest import (
    AM_FIRING,
    AM_SECRET,
    GRAFANA,
    GRAFANA_SECRET,
    alerts_in,
    am_headers,
)
from warroom.db import Database

AM = "/api/v1/intake/alertmanager"


@pytest.mark.parametrize(
    ("body", "authorization"),
    [
        (AM_FIRING, f"Token {AM_SECRET}"),  # http_config.authorization.type: Token
        (AM_FIRING, f"bearer {AM_SECRET}"),
        (GRAFANA, f"ApiKey {GRAFANA_SECRET}"),  # Grafana: Authorization: <scheme> <credentials>
        (GRAFANA, "Basic " + base64.b64encode(f"grafana:{GRAFANA_SECRET}".encode()).decode()),
    ],
)
def test_the_webhook_takes_the_credential_whatever_the_authorization_scheme(
    client: TestClient, configured: Database, body: dict[str, Any], authorization: str
) -> None:
    r = client.post(AM, json=body, headers={"Authorization": authorization})
    assert r.status_code == 202, r.text
    assert r.json()["status"] == "success" and r.json()["created"] == len(body["alerts"])
    stored = alerts_in(configured)
    assert len(stored) == len(body["alerts"])
    assert {a.integration for a in stored} == {"prom" if body is AM_FIRING else "graf"}


@pytest.mark.parametrize(
    "authorization", ["Token wrong-secret", f"Token{AM_SECRET}", f"GenieKey x{AM_SECRET}", ""]
)
def test_an_unknown_credential_under_any_scheme_is_still_401(
    client: TestClient, configured: Database, authorization: str
) -> None:
    r = client.post(AM, json=AM_FIRING, headers={"Authorization": authorization})
    assert r.status_code == 401, r.text
    assert alerts_in(configured) == []


def k8s_alert(i: int) -> dict[str, Any]:
    """A kube-prometheus KubePodNotReady alert as Alertmanager sends it (~1.2 kB)."""
    pod = f"checkout-api-7d9f8b6c5d-{i:05d}"
    labels = {
        "alertname": "KubePodNotReady",
        "namespace": "payments-prod",
        "pod": pod,
        "container": "checkout-api",
        "node": f"ip-10-42-{i % 200}-{i % 250}.eu-west-1.compute.internal",
        "instance": f"10.42.{i // 256}.{i % 256}:8080",
        "job": "kube-state-metrics",
        "service": "checkout",
        "severity": "critical",
        "team": "payments",
        "cluster": "prod-eu-west-1",
        "prometheus": "monitoring/k8s",
    }
    text = f"Pod payments-prod/{pod} has been in a non-ready state for longer than 15 minutes"
    return {
        "status": "firing",
        "labels": labels,
        "annotations": {
            "summary": f"{text}.",
            "description": f"{text} on cluster prod-eu-west-1.",
            "runbook_url": "https://runbooks.prometheus-operator.dev/runbooks/kubernetes/kubepodnotready",
        },
        "startsAt": "2026-11-22T09:14:05.321Z",
        "endsAt": "0001-01-01T00:00:00Z",
        "generatorURL": "http://prometheus.example.internal:9090/graph?g0.expr=sum+by+%28namespace"
        "%2C+pod%2C+cluster%29+%28max+by+%28namespace%2C+pod%2C+cluster%29+%28kube_pod_status_"
        "phase%7Bjob%3D%22kube-state-metrics%22%2Cphase%3D~%22Pending%7CUnknown%7CFailed%22%7D"
        "%29%29+%3E+0&g0.tab=1",
        "fingerprint": f"{i:016x}",
    }


def test_a_group_larger_than_the_general_body_limit_is_stored(
    client: TestClient, configured: Database
) -> None:
    body = copy.deepcopy(AM_FIRING)
    body["alerts"] = [k8s_alert(i) for i in range(900)]
    raw = json.dumps(body).encode() + b"\n"  # Go's json.Encoder
    settings = client.app.state.settings  # type: ignore[attr-defined]
    assert settings.max_body_bytes < len(raw) < settings.intake_max_body_bytes
    r = client.post(AM, content=raw, headers=am_headers())
    assert r.status_code == 202, r.text[:300]
    assert r.json()["created"] == 900 and len(r.json()["incidents"]) == 1
    stored = alerts_in(configured)
    assert len(stored) == 900 and {a.status for a in stored} == {"firing"}


def test_the_intake_body_limit_still_bounds_the_webhook(
    client: TestClient, configured: Database
) -> None:
    settings = client.app.state.settings  # type: ignore[attr-defined]
    settings.intake_max_body_bytes = 2_000_000
    body = copy.deepcopy(AM_FIRING)
    body["alerts"] = [k8s_alert(i) for i in range(1800)]
    r = client.post(AM, json=body, headers=am_headers())
    assert r.status_code == 413, r.text[:300]
    assert r.json()["error"]["field"] == "body" and "2000000 bytes" in r.json()["error"]["message"]
    assert alerts_in(configured) == []


def test_grafana_image_url_is_a_link_and_value_string_an_annotation(
    client: TestClient, configured: Database
) -> None:
    body = copy.deepcopy(GRAFANA)
    body["alerts"][0]["imageURL"] = "https://grafana.example.com/public/img/attachments/abc.png"
    r = client.post(AM, json=body, headers={"Authorization": f"Bearer {GRAFANA_SECRET}"})
    assert r.status_code == 202, r.text
    (alert,) = alerts_in(configured)
    assert {"href": body["alerts"][0]["imageURL"], "text": "Image"} in alert.links
    assert alert.annotations["valueString"] == "[ var='A' labels={host=web-04} value=93.2 ]"
    # No image (Grafana sends none without image rendering): no link, and nothing dropped.
    assert "warroom_links_dropped" not in alert.annotations


def test_grafana_value_string_that_is_not_text_is_refused_naming_it(
    client: TestClient, configured: Database
) -> None:
    body = copy.deepcopy(GRAFANA)
    body["alerts"][0]["valueString"] = {"A": 93.2}
    r = client.post(AM, json=body, headers={"Authorization": f"Bearer {GRAFANA_SECRET}"})
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == "alerts[0].valueString"
    assert alerts_in(configured) == []
