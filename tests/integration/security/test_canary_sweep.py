"""The canary-secret sweep (issue 9): a secret planted everywhere one can be configured never
comes back out, in any API answer, any log line, or any column of the database that is not the
one place warroom must keep it to use it.

One unique canary is part of every secret: integration secrets and the Grafana HMAC secret,
contact URLs with a password and with a secret webhook path, the secret key (page links and
heartbeat keys derive from it), the SMTP URL's password and the metrics token. A scripted
session then applies config, sends alerts in every sender format, pages a person through a
failing and a succeeding destination, works the incident and exports it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.intake.conftest import AM_FIRING, GRAFANA
from tests.integration.notify.receivers import HttpReceiver, http_receiver
from warroom.clock import FakeClock
from warroom.db import Base, Database
from warroom.engine.worker import Worker
from warroom.settings import Settings

CANARY = "cnry7Q2xVb9Lw"
# Columns that hold a secret because warroom needs its value to work: the contact URL it sends
# to (and the outbox copy of it), and the HMAC secret it verifies Grafana's signature with.
HELD_FOR_USE = {
    ("paging_contact_methods", "address"),
    ("notify_messages", "url"),
    ("integrations", "hmac_secret"),
}

AM_SECRET = f"am-{CANARY}"
GRAFANA_SECRET = f"graf-{CANARY}"
GRAFANA_HMAC = f"hmac-{CANARY}"
PD_KEY = f"pd-{CANARY}"
GENIE_KEY = f"og-{CANARY}"
GENERIC_SECRET = f"gen-{CANARY}"


def _config(receiver: HttpReceiver) -> str:
    hook = receiver.url  # host:port
    return f"""
severities:
  - {{key: SEV1, name: Critical, acknowledge_within: 5m}}
users:
  - email: alice@example.com
    name: Alice
    contact_methods:
      - {{name: hook, url: "json://alice:{CANARY}@{hook}/ok"}}
      - {{name: chat, url: "http://{hook}/fail/{CANARY}"}}
    notification_rules:
      - {{contact: hook, after: 0s}}
      - {{contact: chat, after: 0s}}
  - email: bob@example.com
    name: Bob
    contact_methods: [{{name: mail, email: bob@example.com}}]
escalation_policies:
  - key: api-oncall
    levels:
      - {{notify: ["user:alice@example.com", "user:bob@example.com"], escalate_after: 5m}}
services:
  - {{key: api, name: API, escalation_policy: api-oncall}}
integrations:
  - {{key: am, type: alertmanager, secret: "{AM_SECRET}"}}
  - {{key: graf, type: grafana, secret: "{GRAFANA_SECRET}", hmac_secret: "{GRAFANA_HMAC}"}}
  - {{key: pd, type: pagerduty, secret: "{PD_KEY}"}}
  - {{key: og, type: opsgenie, secret: "{GENIE_KEY}"}}
  - {{key: gen, type: generic, secret: "{GENERIC_SECRET}"}}
routes:
  - {{key: all, service: api, severity: SEV1}}
heartbeats:
  - {{name: hb, interval: 1m, severity: SEV1, service: api}}
"""


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    with http_receiver() as found:
        found.status[f"/fail/{CANARY}"] = 500
        yield found


@pytest.fixture
def settings(db: Database, tmp_path: Any) -> Settings:
    return Settings(
        database_url=db.url,
        secret_key=f"key-{CANARY}",
        data_dir=tmp_path,
        smtp_url=f"mailto://warroom:{CANARY}@127.0.0.1:9?from=warroom@example.com",
        metrics_token=f"metrics-{CANARY}",
    )


class Session:
    """Every answer of the scripted session, kept for the grep."""

    def __init__(self, client: TestClient, headers: dict[str, str]) -> None:
        self.client = client
        self.headers = headers
        self.answers: list[str] = []

    def call(self, method: str, url: str, expect: int | None = None, **kwargs: Any) -> Any:
        kwargs.setdefault("headers", self.headers)
        response = self.client.request(method, url, **kwargs)
        self.answers.append(f"{method} {url} -> {response.status_code} {response.text}")
        if expect is not None:
            assert response.status_code == expect, f"{method} {url}: {response.text}"
        return response


def _send_alerts(s: Session) -> None:
    am = s.call(
        "POST",
        "/api/v1/intake/alertmanager",
        json=AM_FIRING,
        headers={"Authorization": f"Bearer {AM_SECRET}"},
    )
    assert am.status_code == 202, am.text
    body = json.dumps(GRAFANA).encode()
    signature = hmac.new(GRAFANA_HMAC.encode(), body, hashlib.sha256).hexdigest()
    headers = {"Content-Type": "application/json", "X-Grafana-Alerting-Signature": signature}
    assert s.call("POST", "/api/v1/intake/alertmanager", content=body, headers=headers).is_success
    event = {
        "routing_key": PD_KEY,
        "event_action": "trigger",
        "dedup_key": "disk-1",
        "payload": {"summary": "Disk full", "source": "db-1", "severity": "critical"},
    }
    assert s.call("POST", "/v2/enqueue", json=event, headers={}).status_code == 202
    genie = {"Authorization": f"GenieKey {GENIE_KEY}"}
    assert s.call("POST", "/v2/alerts", json={"message": "Queue stuck"}, headers=genie).is_success
    generic = {"title": "Backup failed", "severity": "SEV1", "labels": {"service": "api"}}
    bearer = {"Authorization": f"Bearer {GENERIC_SECRET}"}
    assert s.call("POST", "/api/v1/intake/generic", json=generic, headers=bearer).is_success
    # wrong credentials are refused, and the refusal says nothing of the right ones
    wrong = {"Authorization": f"Bearer wrong-{CANARY}"}
    assert s.call("POST", "/api/v1/intake/alertmanager", json=AM_FIRING, headers=wrong).status_code
    assert s.call("POST", "/api/v1/heartbeats/hb?key=nope", headers={}).status_code == 401


def _page_and_work(s: Session, db: Database, clock: FakeClock, settings: Settings) -> None:
    worker = Worker(db, clock, settings, "sweep")
    for _ in range(4):
        worker.run_once()
        clock.advance(minutes=1)
    s.call("POST", "/api/v1/incidents/1/notes", 201, json={"text": "looking into it"})
    evidence = {"kind": "text", "name": "dmesg", "content": "disk full on db-1"}
    s.call("POST", "/api/v1/incidents/1/evidence", 201, json=evidence)
    s.call("POST", "/api/v1/incidents/1/escalate", json={})
    for _ in range(3):
        worker.run_once()
        clock.advance(minutes=6)
    s.call("GET", "/api/v1/incidents/1/evidence/export", 200)
    s.call("GET", "/api/v1/config", 200)
    s.call("GET", "/metrics", 200, headers={"Authorization": f"Bearer metrics-{CANARY}"})


_PARAMS = {"number": "1", "alert_id": "1", "message_id": "1", "job_id": "1", "name": "hb"}


def _every_get(s: Session, app: FastAPI) -> int:
    """Call every GET operation of the OpenAPI document whose path parameters can be filled
    in, plus /metrics; the number called."""
    called = 0
    for path, operations in app.openapi()["paths"].items():
        names = re.findall(r"\{(\w+)\}", path)
        if "get" not in operations or any(n not in _PARAMS for n in names):
            continue
        s.call("GET", path.format(**{n: _PARAMS[n] for n in names}))
        called += 1
    return called


def _database_dump(db: Database) -> dict[tuple[str, str], list[str]]:
    """Every text or JSON value of every column of every table, as text."""
    dump: dict[tuple[str, str], list[str]] = {}
    with db.session() as session:
        for table in Base.metadata.sorted_tables:
            for row in session.execute(select(table)).mappings():
                for column, value in row.items():
                    if value is None:
                        continue
                    text = value if isinstance(value, str) else json.dumps(value, default=str)
                    dump.setdefault((table.name, column), []).append(text)
    return dump


def test_no_canary_leaves_through_answers_logs_or_the_database(
    app: FastAPI,
    client: TestClient,
    admin_headers: dict[str, str],
    db: Database,
    clock: FakeClock,
    settings: Settings,
    receiver: HttpReceiver,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    s = Session(client, admin_headers)
    s.call("POST", "/api/v1/config/apply", 200, json={"files": {"org.yaml": _config(receiver)}})
    _send_alerts(s)
    _page_and_work(s, db, clock, settings)
    assert _every_get(s, app) >= 20

    # the session did what it claims: both destinations were tried, one failed
    assert receiver.to("/ok") and receiver.to(f"/fail/{CANARY}")
    states = {r.url.rsplit("/", 1)[-1]: r.state for r in _messages(db)}
    assert states.get("ok") == "sent" and states.get(CANARY) in ("failed", "queued")
    assert any(m.url.startswith("mailto") for m in _messages(db))  # through the SMTP URL

    leaks = [a[:300] for a in s.answers if CANARY in a]
    assert leaks == [], leaks
    logged = [(r.name, r.getMessage()) for r in caplog.records]
    assert logged, "the session logged nothing: the capture is broken"
    assert sorted({(n, m[:200]) for n, m in logged if CANARY in m}) == []
    dump = _database_dump(db)
    holding = {place for place, values in dump.items() if any(CANARY in v for v in values)}
    assert holding - HELD_FOR_USE == set()
    assert holding == HELD_FOR_USE  # the grep finds the canary where it must be


def _messages(db: Database) -> list[Any]:
    from warroom.notify.models import Message

    with db.session() as session:
        return list(session.scalars(select(Message)))
