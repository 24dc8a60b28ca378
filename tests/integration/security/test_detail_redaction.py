"""Credentials a sender puts in alert details never reach a reader.

PagerDuty `payload.custom_details` and Opsgenie `details` / `tags` become an alert's labels and
annotations (see `warroom.intake.matchable`). A viewer — the lowest role — reads them through
the alerts API, the incident API and the incident page: a secret-looking key's value, a URL's
password and an Authorization-style value must be hidden there, while ordinary details stay
readable and routes keep matching on them.
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.integration.intake.conftest import GENIE_KEY, PD_KEY, apply_config
from tests.integration.web.conftest import make_ui_user, ui_login
from warroom.clock import FakeClock
from warroom.db import Database

__all__ = ["make_ui_user", "ui_login"]  # fixtures

CONFIG = f"""
severities:
  - {{key: SEV1, name: Critical}}
  - {{key: SEV2, name: Major}}
  - {{key: SEV3, name: Minor}}
services:
  - {{key: storage, name: Storage}}
  - {{key: orders-db, name: Orders DB}}
integrations:
  - {{key: pd, type: pagerduty, secret: "{PD_KEY}"}}
  - {{key: og, type: opsgenie, secret: "{GENIE_KEY}"}}
routes:
  - key: pd-storage
    matchers: ['details.team="storage-team"']
    service: storage
    severity: SEV2
  - key: og-orders
    matchers: ['cluster="orders-db"', 'tag:prod="true"']
    service: orders-db
    severity: SEV2
  - key: default
    severity: SEV3
"""

# Every value below must never be shown to a reader.
PD_SECRETS = {
    "db_password": "hunter2-pd-password",
    "api_token": "pd-token-0123456789",
    "dsn": "postgresql://app:pd-url-password@db.internal/app",
    "auth_header": "Bearer pd-bearer-0123456789",
    "callback": "https://hooks.example.com/cb?sig=pd-query-signature&x=1",
    "nested": {"client_secret": "pd-nested-secret"},
}
OG_SECRETS = {
    "db_password": "hunter2-og-password",
    "webhook_target": "https://ops:og-url-password@hooks.example.com/x",
    "curl": "curl -H 'Authorization: Bearer og-bearer-0123456789' https://api.example.com",
}
OG_SECRET_TAG = "token=og-tag-secret-42"
HIDDEN = [
    "hunter2-pd-password",
    "pd-token-0123456789",
    "pd-url-password",
    "pd-bearer-0123456789",
    "pd-query-signature",
    "pd-nested-secret",
    "hunter2-og-password",
    "og-url-password",
    "og-bearer-0123456789",
    "og-tag-secret-42",
    "change-deploy-token-42",
    "change-url-password",
]

PD_EVENT: dict[str, Any] = {
    "routing_key": PD_KEY,
    "event_action": "trigger",
    "dedup_key": "pd-with-secrets",
    "payload": {
        "summary": "Disk almost full on db-prod-03",
        "source": "db-prod-03",
        "severity": "critical",
        "custom_details": {"team": "storage-team", "mountpoint": "/var/lib/pg", **PD_SECRETS},
    },
}
# A PagerDuty change event: its custom_details land on the timeline of the service's incidents.
PD_CHANGE: dict[str, Any] = {
    "routing_key": PD_KEY,
    "payload": {
        "summary": "Deployed storage v2.3",
        "source": "storage",
        "custom_details": {
            "build": "421",
            "deploy_token": "change-deploy-token-42",
            "artifact": "https://ci:change-url-password@ci.example.com/421",
        },
    },
    "links": [{"href": "https://ci:change-url-password@ci.example.com/421", "text": "Build"}],
}
OG_ALERT: dict[str, Any] = {
    "message": "Replication lag on orders-db",
    "alias": "og-with-secrets",
    "description": "Replica orders-db-2 is behind.",
    "tags": ["prod", OG_SECRET_TAG],
    "details": {"cluster": "orders-db", "replica": "orders-db-2", **OG_SECRETS},
    "priority": "P2",
}


def _assert_hidden(text: str, where: str) -> None:
    leaked = [secret for secret in HIDDEN if secret in text]
    assert not leaked, f"{where} shows {leaked}"


def test_a_viewer_sees_ordinary_details_but_never_a_senders_credentials(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    viewer_headers: dict[str, str],
    ui_login: Any,
) -> None:
    apply_config(db, clock, CONFIG)
    assert client.post("/v2/enqueue", json=PD_EVENT).status_code == 202
    og_headers = {"Authorization": f"GenieKey {GENIE_KEY}"}
    assert client.post("/v2/alerts", json=OG_ALERT, headers=og_headers).status_code == 202
    assert client.post("/v2/change/enqueue", json=PD_CHANGE).status_code == 202

    answer = client.get("/api/v1/alerts", headers=viewer_headers)
    assert answer.status_code == 200
    _assert_hidden(answer.text, "GET /api/v1/alerts")
    alerts = {a["integration"]: a for a in answer.json()}
    pd, og = alerts["pd"], alerts["og"]

    # Routes on ordinary details still route.
    assert (pd["route"], pd["service"]) == ("pd-storage", "storage")
    assert (og["route"], og["service"]) == ("og-orders", "orders-db")

    # Ordinary details are shown as sent; that a secret was set may be shown, not its value.
    details = pd["annotations"]["custom_details"]
    assert details["team"] == "storage-team" and details["mountpoint"] == "/var/lib/pg"
    assert pd["labels"]["details.team"] == "storage-team"
    assert "db_password" in details and "details.api_token" in pd["labels"]
    assert details["dsn"].startswith("postgresql://app:") and details["dsn"].endswith(
        "@db.internal/app"
    )
    assert details["auth_header"].startswith("Bearer ")
    assert og["labels"]["cluster"] == "orders-db" and og["labels"]["replica"] == "orders-db-2"
    assert og["labels"]["tag:prod"] == "true" and "prod" in og["annotations"]["tags"]
    assert "db_password" in og["labels"]

    timeline = client.get(
        f"/api/v1/incidents/{pd['incident_number']}/timeline", headers=viewer_headers
    )
    (change,) = [e for e in timeline.json()["items"] if e["kind"] == "intake:change:received"]
    assert change["payload"]["custom_details"]["build"] == "421"
    for alert in (pd, og):
        number = alert["incident_number"]
        assert number is not None
        for url in (
            f"/api/v1/alerts/{alert['id']}",
            f"/api/v1/incidents/{number}",
            f"/api/v1/incidents/{number}/timeline",
        ):
            answer = client.get(url, headers=viewer_headers)
            assert answer.status_code == 200, url
            _assert_hidden(answer.text, url)

    # Opsgenie's own alert view (for the sender) shows the details the same way.
    answer = client.get(f"/v2/alerts/{og['id']}", headers=og_headers)
    assert answer.status_code == 200 and answer.json()["data"]["details"]["cluster"] == "orders-db"
    _assert_hidden(answer.text, "GET /v2/alerts/{id}")

    ui_login(client, "viewer")
    page = client.get("/ui/alerts")
    assert page.status_code == 200
    assert 'details.team="storage-team"' in page.text and 'replica="orders-db-2"' in page.text
    _assert_hidden(page.text, "/ui/alerts")
    for alert in (pd, og):
        page = client.get(f"/ui/incidents/{alert['incident_number']}")
        assert page.status_code == 200 and alert["summary"] in page.text
        _assert_hidden(page.text, f"/ui/incidents/{alert['incident_number']}")
