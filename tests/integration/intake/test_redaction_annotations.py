"""Credentials in Alertmanager, Grafana and generic alerts never reach a reader.

Their annotations, summary / title / description and links are shown to every viewer (alerts
API, incident API, timeline, web UI). A secret-named annotation or label keeps its name with the
value `***`; a URL's password, a secret query parameter, an Authorization-style value and a
`password=…` pair inside text become `***`. Ordinary labels stay exactly as sent, so routes,
fingerprints and dedup work as before (see `test_detail_redaction.py` for PagerDuty/Opsgenie).
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.intake.conftest import (
    AM_FIRING,
    AM_SECRET,
    GENERIC_SECRET,
    GRAFANA,
    GRAFANA_SECRET,
    alerts_in,
)
from tests.integration.web.conftest import make_ui_user, ui_login
from warroom.db import Database
from warroom.intake.schemas import label_fingerprint

__all__ = ["make_ui_user", "ui_login"]  # fixtures

AM = "/api/v1/intake/alertmanager"
GENERIC = "/api/v1/intake/generic"
MASK = "***"

# ---- Alertmanager ------------------------------------------------------------------------

AM_LABELS = {
    "alertname": "OrdersDbUnreachable",
    "service": "checkout",
    "severity": "critical",
    "instance": "vault-token:8200",  # looks like a name:value pair, but is an ordinary host
    "api_key": "am-label-secret-77",
}
AM_ALERT: dict[str, Any] = {
    "status": "firing",
    "labels": AM_LABELS,
    "annotations": {
        "summary": "checkout login failed with password=am-pair-secret-5 on db",
        "description": "connect to postgres://app:am-url-password-1@db/prod failed",
        "runbook_url": "https://runbooks.example.com/db?token=am-query-token-2",
        "db_password": "am-annotation-secret-3",
        "curl": "curl -H 'Authorization: Bearer am-bearer-0123456789' https://api.example.com",
    },
    "startsAt": "2026-11-22T09:14:05Z",
    "endsAt": "0001-01-01T00:00:00Z",
    "generatorURL": "http://prometheus.example.internal:9090/graph?g0.expr=up&api_key=am-gen-6",
}
AM_BODY: dict[str, Any] = {
    "receiver": "warroom",
    "status": "firing",
    "alerts": [AM_ALERT],
    "version": "4",
    # Alertmanager grouped by the secret label: its group key names the value, and the
    # timeline shows the group key of a webhook that left alerts out.
    "groupKey": '{}:{alertname="OrdersDbUnreachable", api_key="am-label-secret-77"}',
    "truncatedAlerts": 2,
}
AM_HIDDEN = [
    "am-label-secret-77",
    "am-pair-secret-5",
    "am-url-password-1",
    "am-query-token-2",
    "am-annotation-secret-3",
    "am-bearer-0123456789",
    "am-gen-6",
]

# ---- Grafana -----------------------------------------------------------------------------

GRAF_LABELS = {
    "alertname": "High CPU usage",
    "grafana_folder": "Production",
    "host": "web-04",
    "severity": "warning",
    "team": "web",
    "authorization": "graf-label-secret-88",
}
GRAF_SECRET_ALERT: dict[str, Any] = {
    **GRAFANA["alerts"][0],
    "labels": GRAF_LABELS,
    "annotations": {
        "summary": "CPU high, probe sent Authorization: Bearer graf-bearer-0123456789",
        "description": "scrape https://grafana:graf-url-password@web-04/metrics failed",
        "runbook_url": "https://runbooks.example.com/web/high-cpu?access_token=graf-query-3",
        "api_key": "graf-annotation-secret-4",
    },
    "fingerprint": "aa5a9c1e7b20f4bb",
    # Grafana's silence link names every label as a matcher: the secret label's value too.
    "silenceURL": "https://grafana.example.com/alerting/silence/new?alertmanager=grafana"
    "&matcher=alertname%3DHigh+CPU+usage&matcher=authorization%3Dgraf-label-secret-88",
    "dashboardURL": "https://grafana.example.com/d/node-exp?orgId=1&auth_token=graf-dash-5",
    "panelURL": "https://viewer:graf-panel-password@grafana.example.com/d/node-exp?viewPanel=7",
}
GRAF_HIDDEN = [
    "graf-label-secret-88",
    "graf-bearer-0123456789",
    "graf-url-password",
    "graf-query-3",
    "graf-annotation-secret-4",
    "graf-dash-5",
    "graf-panel-password",
]

# ---- generic -----------------------------------------------------------------------------

GEN_LABELS = {"service": "storage", "severity": "critical", "db_password": "gen-label-secret-9"}
GEN_TITLE = "Backup upload rejected: Authorization: Bearer gen-bearer-0123456789"
GEN_ALERT: dict[str, Any] = {
    "title": GEN_TITLE,
    "labels": GEN_LABELS,
    "annotations": {
        "runbook": "https://runbooks.example.com/backup?apikey=gen-query-1",
        "secret_token": "gen-annotation-secret-2",
    },
    "description": "uploading to s3://backup:gen-url-password@bucket/x failed, passwd=gen-pair-3",
    "links": [
        {"href": "https://grafana.example.com/d/backup?token=gen-link-4", "text": "Graph"},
        {"href": "https://ci:gen-link-password@ci.example.com/421", "text": "Build"},
    ],
}
GEN_HIDDEN = [
    "gen-label-secret-9",
    "gen-bearer-0123456789",
    "gen-query-1",
    "gen-annotation-secret-2",
    "gen-url-password",
    "gen-pair-3",
    "gen-link-4",
    "gen-link-password",
]
HIDDEN = AM_HIDDEN + GRAF_HIDDEN + GEN_HIDDEN


def _assert_hidden(text: str, where: str) -> None:
    leaked = [secret for secret in HIDDEN if secret in text]
    assert not leaked, f"{where} shows {leaked}"


def _post_all(client: TestClient) -> None:
    am_headers = {"Authorization": f"Bearer {AM_SECRET}"}
    graf = {**copy.deepcopy(GRAFANA), "alerts": [copy.deepcopy(GRAF_SECRET_ALERT)]}
    graf["groupKey"] = '{}:{alertname="High CPU usage", authorization="graf-label-secret-88"}'
    graf["truncatedAlerts"] = 1
    bodies = [
        (AM, AM_BODY, am_headers),
        (AM, graf, {"Authorization": f"Bearer {GRAFANA_SECRET}"}),
        (GENERIC, GEN_ALERT, {"Authorization": f"Bearer {GENERIC_SECRET}"}),
    ]
    for url, body, headers in bodies:
        answer = client.post(url, json=copy.deepcopy(body), headers=headers)
        assert answer.status_code == 202, answer.text


def _alerts(client: TestClient, headers: dict[str, str]) -> dict[str, dict[str, Any]]:
    answer = client.get("/api/v1/alerts", headers=headers)
    assert answer.status_code == 200
    _assert_hidden(answer.text, "GET /api/v1/alerts")
    return {a["integration"]: a for a in answer.json()}


def test_a_viewer_never_sees_credentials_of_alertmanager_grafana_or_generic_alerts(
    client: TestClient,
    configured: Database,
    viewer_headers: dict[str, str],
    ui_login: Any,
) -> None:
    _post_all(client)
    alerts = _alerts(client, viewer_headers)
    am, graf, gen = alerts["prom"], alerts["graf"], alerts["scripts"]

    for alert in (am, graf, gen):
        number = alert["incident_number"]
        assert number is not None, alert
        for url in (
            f"/api/v1/alerts/{alert['id']}",
            f"/api/v1/incidents/{number}",
            f"/api/v1/incidents/{number}/timeline",
        ):
            answer = client.get(url, headers=viewer_headers)
            assert answer.status_code == 200, url
            _assert_hidden(answer.text, url)

    timeline = client.get(
        f"/api/v1/incidents/{am['incident_number']}/timeline", headers=viewer_headers
    )
    (truncated,) = [e for e in timeline.json()["items"] if e["kind"] == "intake:alerts:truncated"]
    assert truncated["payload"]["group_key"].endswith('api_key="***"}')

    # Alertmanager: that a secret was set is shown, its value is not.
    assert am["labels"]["api_key"] == MASK
    assert am["annotations"]["db_password"] == MASK
    assert am["annotations"]["description"] == "connect to postgres://app:***@db/prod failed"
    assert am["annotations"]["runbook_url"] == "https://runbooks.example.com/db?token=***"
    assert "Authorization: Bearer ***" in am["annotations"]["curl"]
    assert am["summary"] == "checkout login failed with password=*** on db"
    links = {link["text"]: link["href"] for link in am["links"]}
    assert links["Source"].endswith("&api_key=***")
    assert links["Runbook"] == "https://runbooks.example.com/db?token=***"

    # Grafana: the same, and its links (the silence link names the secret label's value).
    assert graf["labels"]["authorization"] == MASK
    assert graf["annotations"]["api_key"] == MASK
    assert graf["summary"] == "CPU high, probe sent Authorization: Bearer ***"
    assert "https://grafana:***@web-04/metrics" in graf["annotations"]["description"]
    links = {link["text"]: link["href"] for link in graf["links"]}
    assert links["Silence"].endswith("&matcher=authorization%3D***")
    assert links["Dashboard"].endswith("&auth_token=***")
    assert links["Panel"].startswith("https://viewer:***@grafana.example.com/")
    assert links["Runbook"].endswith("?access_token=***")

    # Generic: title, description, annotations, labels and links.
    assert gen["labels"]["db_password"] == MASK
    assert gen["annotations"]["secret_token"] == MASK
    assert gen["annotations"]["runbook"].endswith("?apikey=***")
    assert gen["summary"] == "Backup upload rejected: Authorization: Bearer ***"
    assert gen["annotations"]["description"] == (
        "uploading to s3://backup:***@bucket/x failed, passwd=***"
    )
    assert [link["href"] for link in gen["links"]] == [
        "https://grafana.example.com/d/backup?token=***",
        "https://ci:***@ci.example.com/421",
    ]

    ui_login(client, "viewer")
    page = client.get("/ui/alerts")
    assert page.status_code == 200
    _assert_hidden(page.text, "/ui/alerts")
    for alert in (am, graf, gen):
        page = client.get(f"/ui/incidents/{alert['incident_number']}")
        assert page.status_code == 200
        _assert_hidden(page.text, f"/ui/incidents/{alert['incident_number']}")


def test_ordinary_labels_routing_and_dedup_are_unchanged(
    client: TestClient, configured: Database, viewer_headers: dict[str, str]
) -> None:
    _post_all(client)
    _post_all(client)  # the same alerts again: repeats of the same three alerts
    am_headers = {"Authorization": f"Bearer {AM_SECRET}"}
    assert client.post(AM, json=AM_FIRING, headers=am_headers).status_code == 202
    alerts = alerts_in(configured)
    by_integration: dict[str, list[Any]] = {}
    for row in alerts:
        by_integration.setdefault(row.integration, []).append(row)
    am = by_integration["prom"][0]
    (graf,) = by_integration["graf"]
    (gen,) = by_integration["scripts"]
    assert len(by_integration["prom"]) == 3  # the secret alert + AM_FIRING's two
    assert (am.count, graf.count, gen.count) == (2, 2, 2)

    # Ordinary labels exactly as sent; fingerprints from the labels and title as sent.
    assert {k: v for k, v in am.labels.items() if k != "api_key"} == {
        k: v for k, v in AM_LABELS.items() if k != "api_key"
    }
    assert am.fingerprint == label_fingerprint(AM_LABELS)
    assert graf.fingerprint == GRAF_SECRET_ALERT["fingerprint"]
    assert {k: v for k, v in graf.labels.items() if k != "authorization"} == {
        k: v for k, v in GRAF_LABELS.items() if k != "authorization"
    }
    assert gen.labels["service"] == "storage" and gen.labels["severity"] == "critical"
    assert gen.fingerprint == label_fingerprint({**GEN_LABELS, "__title__": GEN_TITLE})

    # Routed on the ordinary labels: each opened an incident on its service and severity.
    assert (am.route, am.service, am.severity) == ("checkout", "checkout", "SEV1")
    assert (graf.route, graf.service, graf.severity) == ("web", "web", "SEV3")
    assert (gen.service, gen.severity) == ("storage", "SEV1")
    for row in (am, graf, gen):
        assert row.incident_number is not None
        incident = client.get(f"/api/v1/incidents/{row.incident_number}", headers=viewer_headers)
        assert incident.status_code == 200
        assert incident.json()["services"] == [row.service]
        assert incident.json()["severity"] == row.severity

    # An ordinary Alertmanager alert is stored exactly as sent.
    sent = {a["fingerprint"]: a for a in AM_FIRING["alerts"]}
    for row in by_integration["prom"][1:]:
        assert row.labels == sent[row.fingerprint]["labels"]
        assert row.annotations == sent[row.fingerprint]["annotations"]
        assert row.summary == sent[row.fingerprint]["annotations"]["summary"]
