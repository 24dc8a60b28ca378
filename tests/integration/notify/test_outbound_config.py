"""Destinations written as a refused address (warroom.outbound) are refused where they are
set: config check/apply name the field, and the status page's webhook subscriber route
answers 422 naming url; nothing is written. Names are judged when sent to."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.unit.config.helpers import write
from warroom.db import Database

Cli = Callable[..., Any]
ORG = """\
    users:
      - email: ann@example.com
        name: Ann
        role: admin
        contact_methods:
          - {name: hook, url: "http://169.254.169.254/latest/meta-data/"}
      - email: bob@example.com
        name: Bob
    teams:
      - key: sre
        name: SRE
        members: [bob@example.com]
        leads: [ann@example.com]
    """
CHANNELS = """\
    channels:
      - key: room
        name: Room
        url: "json://0.0.0.0:8080/hook"
      - key: fine
        name: Fine
        url: "json://127.0.0.1:8080/hook"
    """


@pytest.fixture
def local_db(db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)
    return db


def test_config_check_and_apply_name_a_refused_destination(
    cli: Cli, local_db: Database, tmp_path: Path
) -> None:
    pack = write(tmp_path / "pack", {"org.yaml": ORG, "channels.yaml": CHANNELS})
    checked = cli("config", "check", str(pack))
    assert checked.exit_code == 1
    lines = checked.output.splitlines()
    assert (
        f"{pack}/org.yaml:6: users[ann@example.com].contact_methods[0].url: Value error,"
        " a refused destination: 169.254.169.254, a link-local address (cloud metadata services)"
    ) in lines, checked.output
    assert (
        f"{pack}/channels.yaml:4: channels[room].url: a refused destination:"
        " 0.0.0.0, an unspecified address (this host)"
    ) in lines, checked.output
    assert "channels[fine]" not in checked.output
    applied = cli("config", "apply", str(pack))
    assert applied.exit_code == 1 and "nothing was applied" in applied.output


def test_a_webhook_subscriber_on_a_refused_address_is_a_422(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    hook = {"url": "http://0.0.0.0:8080/latest/meta-data/", "components": []}
    answer = client.post("/api/v1/status/subscribers", json=hook, headers=admin_headers)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["field"] == "url"
    assert (
        error["message"]
        == "url is a refused destination: 0.0.0.0, an unspecified address (this host)"
    )
    assert client.get("/api/v1/status/subscribers", headers=admin_headers).json() == []
