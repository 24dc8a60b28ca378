"""`warroom alerts`, `warroom silence`, `warroom route test` (API and offline --config)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.intake.conftest import AM_FIRING, CONFIG, am_headers
from warroom.db import Database


def test_alerts_command_lists_with_filters(
    cli: Callable[..., Any], client: TestClient, configured: Database
) -> None:
    client.post("/api/v1/intake/alertmanager", json=AM_FIRING, headers=am_headers())
    result = cli("alerts", "--service", "checkout", "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {r["fingerprint"] for r in rows} == {"875de8422d4f4968", "90b246f8d4481461"}
    result = cli("alerts", "--label", 'instance="10.42.5.9:8080"', "--json")
    assert [r["fingerprint"] for r in json.loads(result.output)] == ["90b246f8d4481461"]
    result = cli("alerts")
    assert result.exit_code == 0 and "checkout" in result.output


def test_silence_add_list_expire(
    cli: Callable[..., Any], client: TestClient, configured: Database
) -> None:
    result = cli(
        "silence", "add", "-m", 'service="checkout"', "-c", "deploy", "--duration", "1h", "--json"
    )
    assert result.exit_code == 0, result.output
    silence = json.loads(result.output)
    r = client.post("/api/v1/intake/alertmanager", json=AM_FIRING, headers=am_headers())
    assert r.json()["suppressed"] == 2
    listed = json.loads(cli("silence", "list", "--json").output)
    assert [s["id"] for s in listed] == [silence["id"]]
    assert cli("silence", "expire", str(silence["id"])).exit_code == 0
    assert json.loads(cli("silence", "list", "--json").output) == []
    bad = cli("silence", "add", "-m", "nonsense", "-c", "x")
    assert bad.exit_code == 1


def test_route_test_against_the_api(cli: Callable[..., Any], configured: Database) -> None:
    result = cli(
        "route",
        "test",
        "--labels",
        "service=checkout,severity=critical",
        "--labels",
        "alertname=X",
        "--json",
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["route"] == "checkout" and out["severity"] == "SEV1"
    text = cli("route", "test", "--labels", "team=web,severity=warning").output
    assert "web" in text and "SEV3" in text


def test_route_test_offline(cli: Callable[..., Any], tmp_path: Path, db: Database) -> None:
    (tmp_path / "intake.yaml").write_text(CONFIG)
    result = cli(
        "route", "test", "--config", str(tmp_path), "--labels", "cluster=orders-db-1", "--json"
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["routes"] == ["orders-db"] and out["service"] == "orders-db"
    (tmp_path / "bad.yaml").write_text("routes:\n  - key: x\n    matchers: ['a=~\"(\"']\n")
    result = cli("route", "test", "--config", str(tmp_path), "--labels", "a=b")
    assert result.exit_code == 1
