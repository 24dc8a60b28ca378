"""Credentials in a PagerDuty `payload.summary` or an Opsgenie `message` never reach a reader.

The summary / message becomes the alert's summary and the title of the incident it opens,
shown to every viewer (alerts API, incident API, timeline, web UI, Opsgenie's own alert view).
A URL's password, a secret query parameter, an Authorization-style value and a `token=…` pair
inside it become `***`, and so does the value of a secret-named detail the summary repeats.
Dedup keys are computed from the event as sent: PagerDuty's `dedup_key`, Opsgenie's `alias` or
the hash of the message as sent, so the same event deduplicates exactly as before. The same
goes for a PagerDuty change event's summary and source on the timeline.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.intake.conftest import GENIE_KEY, PD_KEY, alerts_in, apply_config
from tests.integration.web.conftest import make_ui_user, ui_login
from warroom.clock import FakeClock
from warroom.db import Database

__all__ = ["make_ui_user", "ui_login"]  # fixtures

MASK = "***"
OG_HEADERS = {"Authorization": f"GenieKey {GENIE_KEY}"}

CONFIG = f"""
severities:
  - {{key: SEV1, name: Critical}}
  - {{key: SEV2, name: Major}}
services:
  - {{key: storage, name: Storage}}
  - {{key: orders-db, name: Orders DB}}
integrations:
  - {{key: pd, type: pagerduty, secret: "{PD_KEY}"}}
  - {{key: og, type: opsgenie, secret: "{GENIE_KEY}"}}
routes:
  - key: pd
    integrations: [pd]
    service: storage
    severity: SEV2
    group_by: [source]
  - key: og
    integrations: [og]
    service: orders-db
    severity: SEV2
    group_by: [cluster]
"""

# PagerDuty: a password in a URL, a token pair, and a secret detail's value repeated as is.
PD_SUMMARY = (
    "DB login failed: postgres://app:pd-url-hunter2@db/prod; "
    "token=pd-pair-abc123def456 rejected; api_token pd-repeat-token-7788 revoked"
)
PD_SECRET: dict[str, Any] = {
    "routing_key": PD_KEY,
    "event_action": "trigger",
    "dedup_key": "pd-summary-secret",
    "payload": {
        "summary": PD_SUMMARY,
        "source": "db-prod-01",
        "severity": "critical",
        "custom_details": {"team": "storage", "api_token": "pd-repeat-token-7788"},
    },
}
# Without a dedup_key: PagerDuty (and warroom) give each such event its own key.
PD_NO_KEY: dict[str, Any] = {
    "routing_key": PD_KEY,
    "event_action": "trigger",
    "payload": {
        "summary": "Backup push refused: Authorization: Bearer pd-bearer-0123456789",
        "source": "db-prod-02",
        "severity": "error",
    },
}
PD_ORDINARY_SUMMARY = "Disk almost full on db-prod-03 (password rotation due: 96% used)"
PD_ORDINARY: dict[str, Any] = {
    "routing_key": PD_KEY,
    "event_action": "trigger",
    "dedup_key": "pd-ordinary",
    "payload": {"summary": PD_ORDINARY_SUMMARY, "source": "db-prod-03", "severity": "warning"},
}
PD_CHANGE: dict[str, Any] = {
    "routing_key": PD_KEY,
    "payload": {
        "summary": "Deployed storage v2.3 via https://ci:change-url-secret@ci.example.com/421"
        " with deploy_token change-repeat-token-31",
        "source": "https://deployer:change-source-secret@ci.example.com/storage",
        "custom_details": {"service": "storage", "deploy_token": "change-repeat-token-31"},
    },
}

# Opsgenie: no alias (deduplicated by the hash of the message as sent) and with an alias.
OG_MESSAGE = "Replica login failed: token=og-pair-abc123def456 rejected"
OG_NO_ALIAS: dict[str, Any] = {
    "message": OG_MESSAGE,
    "details": {"cluster": "orders-db-1"},
    "priority": "P2",
}
OG_REPEAT_MESSAGE = "Vault said api_key og-repeat-key-9911 expired; see https://ops:og-url-pw@v/x"
OG_ALIAS: dict[str, Any] = {
    "message": OG_REPEAT_MESSAGE,
    "alias": "og-summary-secret",
    "description": "Rotate og-repeat-key-9911 now.",
    "details": {"cluster": "orders-db-2", "api_key": "og-repeat-key-9911"},
    "priority": "P2",
}
OG_ORDINARY_MESSAGE = "Replication lag on orders-db-3: 420s behind (token bucket full)"
OG_ORDINARY: dict[str, Any] = {
    "message": OG_ORDINARY_MESSAGE,
    "alias": "og-ordinary",
    "details": {"cluster": "orders-db-3"},
    "priority": "P2",
}

HIDDEN = [
    "pd-url-hunter2",
    "pd-pair-abc123def456",
    "pd-repeat-token-7788",
    "pd-bearer-0123456789",
    "change-url-secret",
    "change-repeat-token-31",
    "change-source-secret",
    "og-pair-abc123def456",
    "og-repeat-key-9911",
    "og-url-pw",
]


def _assert_hidden(text: str, where: str) -> None:
    leaked = [secret for secret in HIDDEN if secret in text]
    assert not leaked, f"{where} shows {leaked}"


def _post_all(client: TestClient) -> None:
    for event in (PD_SECRET, PD_NO_KEY, PD_ORDINARY):
        answer = client.post("/v2/enqueue", json=copy.deepcopy(event))
        assert answer.status_code == 202, answer.text
    for alert in (OG_NO_ALIAS, OG_ALIAS, OG_ORDINARY):
        answer = client.post("/v2/alerts", json=copy.deepcopy(alert), headers=OG_HEADERS)
        assert answer.status_code == 202, answer.text


def test_a_viewer_never_sees_credentials_of_a_pagerduty_summary_or_an_opsgenie_message(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    viewer_headers: dict[str, str],
    ui_login: Any,
) -> None:
    apply_config(db, clock, CONFIG)
    _post_all(client)
    answer = client.post("/v2/change/enqueue", json=copy.deepcopy(PD_CHANGE))
    assert answer.status_code == 202, answer.text

    answer = client.get("/api/v1/alerts", headers=viewer_headers)
    assert answer.status_code == 200
    _assert_hidden(answer.text, "GET /api/v1/alerts")
    alerts = {a["summary"]: a for a in answer.json()}
    assert len(alerts) == 6, sorted(alerts)

    pd_summary = (
        "DB login failed: postgres://app:***@db/prod; token=*** rejected; api_token *** revoked"
    )
    og_summary = "Vault said api_key *** expired; see https://ops:***@v/x"
    masked = {
        pd_summary: "pd",
        "Backup push refused: Authorization: Bearer ***": "pd",
        "Replica login failed: token=*** rejected": "og",
        og_summary: "og",
    }
    ordinary = {PD_ORDINARY_SUMMARY: "pd", OG_ORDINARY_MESSAGE: "og"}
    assert set(alerts) == set(masked) | set(ordinary)

    for summary, integration in {**masked, **ordinary}.items():
        alert = alerts[summary]
        assert alert["integration"] == integration
        number = alert["incident_number"]
        assert number is not None, alert
        incident = client.get(f"/api/v1/incidents/{number}", headers=viewer_headers)
        assert incident.status_code == 200
        _assert_hidden(incident.text, f"/api/v1/incidents/{number}")
        assert incident.json()["title"] == summary  # the title is the summary, masked or as sent
        if summary in masked:
            assert MASK in incident.json()["title"]
        for url in (f"/api/v1/alerts/{alert['id']}", f"/api/v1/incidents/{number}/timeline"):
            answer = client.get(url, headers=viewer_headers)
            assert answer.status_code == 200, url
            _assert_hidden(answer.text, url)
            assert summary in answer.text, url

    # A secret detail stays masked where it is shown as such.
    assert alerts[pd_summary]["annotations"]["custom_details"]["api_token"] == MASK
    assert alerts[og_summary]["labels"]["api_key"] == MASK
    assert alerts[og_summary]["annotations"]["description"] == "Rotate *** now."

    # The change event on the storage incidents' timelines: summary and source masked.
    number = alerts[pd_summary]["incident_number"]
    timeline = client.get(f"/api/v1/incidents/{number}/timeline", headers=viewer_headers)
    (change,) = [e for e in timeline.json()["items"] if e["kind"] == "intake:change:received"]
    assert change["payload"]["summary"] == (
        "Deployed storage v2.3 via https://ci:***@ci.example.com/421 with deploy_token ***"
    )
    assert change["payload"]["source"] == "https://deployer:***@ci.example.com/storage"
    assert change["payload"]["service"] == "storage"

    # Opsgenie's own alert view (for the sender) shows the masked message.
    og = alerts[og_summary]
    answer = client.get(f"/v2/alerts/{og['id']}", headers=OG_HEADERS)
    assert answer.status_code == 200 and answer.json()["data"]["message"] == og_summary
    _assert_hidden(answer.text, "GET /v2/alerts/{id}")

    ui_login(client, "viewer")
    page = client.get("/ui/alerts")
    assert page.status_code == 200
    _assert_hidden(page.text, "/ui/alerts")
    for alert in alerts.values():
        page = client.get(f"/ui/incidents/{alert['incident_number']}")
        assert page.status_code == 200
        _assert_hidden(page.text, f"/ui/incidents/{alert['incident_number']}")


def test_dedup_keys_are_those_of_the_event_as_sent(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    apply_config(db, clock, CONFIG)
    _post_all(client)
    _post_all(client)  # the same events again

    rows = alerts_in(db)
    by_fingerprint = {row.fingerprint: row for row in rows}
    # Opsgenie without an alias: the hash of the message as sent, one alert seen twice.
    digest = hashlib.sha256(OG_MESSAGE.encode()).hexdigest()
    assert by_fingerprint[digest].count == 2
    assert by_fingerprint[digest].summary == "Replica login failed: token=*** rejected"
    for key in ("og-summary-secret", "og-ordinary", "pd-summary-secret", "pd-ordinary"):
        assert by_fingerprint[key].count == 2, key
    # PagerDuty without a dedup_key: each event is its own alert, as before.
    no_key = [row for row in rows if row.summary.startswith("Backup push refused")]
    assert len(no_key) == 2 and len({row.fingerprint for row in no_key}) == 2
    assert len(rows) == 7

    # Ordinary summaries are stored exactly as sent.
    assert by_fingerprint["pd-ordinary"].summary == PD_ORDINARY_SUMMARY
    assert by_fingerprint["og-ordinary"].summary == OG_ORDINARY_MESSAGE
    # Each masked alert still joined one incident (it was seen again, not opened again).
    assert by_fingerprint[digest].incident_number is not None
    assert by_fingerprint["pd-summary-secret"].incident_number is not None

    # A resolve and a close by the keys as sent still find the alerts.
    resolve = {"routing_key": PD_KEY, "event_action": "resolve", "dedup_key": "pd-summary-secret"}
    assert client.post("/v2/enqueue", json=resolve).status_code == 202
    answer = client.post(
        f"/v2/alerts/{digest}/close?identifierType=alias", json={}, headers=OG_HEADERS
    )
    assert answer.status_code == 202, answer.text
    by_fingerprint = {row.fingerprint: row for row in alerts_in(db)}
    assert by_fingerprint["pd-summary-secret"].resolved_at is not None
    assert by_fingerprint[digest].resolved_at is not None
