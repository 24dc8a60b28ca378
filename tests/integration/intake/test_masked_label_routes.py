"""A route naming a label whose value intake masks (a secret's name: `secret_name`,
`auth_token`, ...) only ever sees `***`: `config check` says so for matchers, group_by and a
severity map's label, and an alert carrying the label indeed does not take such a route."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.intake.conftest import AM_SECRET, alerts_in, am_headers
from tests.integration.intake.test_trust_targeting import am_alert, apply
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database

AM = "/api/v1/intake/alertmanager"
PACK = f"""
severities:
  - {{key: SEV1, name: Critical, page: false}}
  - {{key: SEV3, name: Minor, page: false}}
services:
  - {{key: vault, name: Vault}}
  - {{key: api, name: API}}
integrations:
  - {{key: prom, type: alertmanager, secret: "{AM_SECRET}"}}
routes:
  - key: secrets
    matchers: ['secret_name="db-creds"']
    group_by: [alertname, auth_token]
    severity: {{label: api_key_tier, map: {{gold: SEV1}}, default: SEV3}}
    service: vault
  - {{key: rest, service: api, severity: SEV3}}
"""


def _warnings(text: str) -> list[str]:
    _, problems = config_service.load_files({"pack.yaml": text})
    assert not problems, problems.lines()
    return [w for w in problems.warnings() if "secret's name" in w]


def test_config_check_warns_of_each_masked_label_a_route_names() -> None:
    found = _warnings(PACK)
    assert len(found) == 3, found
    for field, label in (
        ("matchers", "secret_name"),
        ("group_by", "auth_token"),
        ("severity.label", "api_key_tier"),
    ):
        (line,) = [w for w in found if f"routes[secrets].{field}:" in w]
        assert f"label {label!r}" in line and "'***'" in line
    ordinary = PACK.replace("secret_name", "vault_path").replace("auth_token", "instance")
    assert _warnings(ordinary.replace("api_key_tier", "tier")) == []


def test_an_alert_with_that_label_does_not_take_the_route(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    apply(db, clock, PACK)
    labels = {"alertname": "VaultSealed", "secret_name": "db-creds", "api_key_tier": "gold"}
    answer = client.post(AM, json=am_alert(labels), headers=am_headers())
    assert answer.status_code == 202, answer.text
    (row,) = alerts_in(db)
    assert row.labels["secret_name"] == "***"
    assert (row.route, row.service, row.severity) == ("rest", "api", "SEV3")
