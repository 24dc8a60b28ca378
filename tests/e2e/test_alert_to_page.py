"""The user's whole path, across domains, with real parts only.

A real Alertmanager delivers three alerts to a real `warroom serve`, one through each way a
team points Alertmanager at warroom (webhook, `pagerduty_configs`, `opsgenie_configs`). Each opens
an incident that pages the on-call through a real local SMTP server and a real local HTTP
receiver; the acknowledge link inside each e-mail, followed over HTTP, acknowledges the incident
and stops its escalation (level 2 is cancelled, never sent). It runs on SQLite and PostgreSQL,
with the engine embedded in `warroom serve` and with a separate `warroom worker`.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import sys
import uuid
from collections.abc import Iterator
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, select, text

from tests.conftest import PG_ADMIN_URL, need
from tests.e2e.test_prometheus_alertmanager import free_port, process, wait_for
from tests.integration.notify.receivers import HttpReceiver, http_receiver, smtp_server

AM_TOKEN = "e2e-page-webhook-token-0123456789"
PD_KEY = "e2e0page0routing0key000000000001"
GENIE_KEY = "e2e-page-genie-key-0123456789abcd"
VIA = ("webhook", "pagerduty", "opsgenie")


def warroom_config(hook: str) -> str:
    return f"""
severities:
  - {{key: SEV1, name: Critical}}
  - {{key: SEV3, name: Minor}}
users:
  - email: oncall@e2e.test
    name: On Call
    contact_methods:
      - {{name: email, email: oncall@e2e.test}}
      - {{name: webhook, url: "{hook}/oncall"}}
  - email: lead@e2e.test
    name: Tech Lead
    contact_methods: [{{name: webhook, url: "{hook}/lead"}}]
schedules:
  - key: primary
    layers:
      - {{name: all, participants: [oncall@e2e.test], shift: weekly, start: "2025-12-29"}}
escalation_policies:
  - key: api
    levels:
      - {{notify: [schedule:primary], escalate_after: 5m}}
      - {{notify: [user:lead@e2e.test]}}
services:
  - {{key: api, name: API, escalation_policy: api}}
integrations:
  - {{key: am, type: alertmanager, secret: "{AM_TOKEN}"}}
  - {{key: pd, type: pagerduty, secret: "{PD_KEY}"}}
  - {{key: og, type: opsgenie, secret: "{GENIE_KEY}"}}
routes:
  - key: pagerduty
    integrations: [pd]
    service: api
    severity: {{map: {{critical: SEV1}}, default: SEV3}}
  - key: api
    matchers: ['service="api"']
    service: api
    severity: {{map: {{critical: SEV1}}, default: SEV3}}
    group_by: [alertname]
"""


def alertmanager_config(base: str) -> str:
    return f"""route:
  receiver: webhook
  group_by: [alertname]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - {{receiver: webhook, matchers: ['via="webhook"']}}
    - {{receiver: pagerduty, matchers: ['via="pagerduty"']}}
    - {{receiver: opsgenie, matchers: ['via="opsgenie"']}}
receivers:
  - name: webhook
    webhook_configs:
      - url: {base}/api/v1/intake/alertmanager
        http_config:
          authorization: {{type: Bearer, credentials: "{AM_TOKEN}"}}
  - name: pagerduty
    pagerduty_configs:
      - routing_key: "{PD_KEY}"
        url: {base}/v2/enqueue
        severity: '{{{{ .CommonLabels.severity }}}}'
  - name: opsgenie
    opsgenie_configs:
      - api_key: "{GENIE_KEY}"
        api_url: {base}/
"""


@contextlib.contextmanager
def database(kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database of the given kind; `warroom serve` migrates it."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path}/warroom.db"
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not reachable"
        admin.dispose()
        need(False, f"PostgreSQL at {PG_ADMIN_URL} is not reachable ({exc})")
    name = f"warroom_e2e_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def ack_link(message: Message) -> str:
    body = message.get_payload(decode=True) if not message.is_multipart() else None
    if body is None:
        plain = next(p for p in message.walk() if p.get_content_type() == "text/plain")
        body = plain.get_payload(decode=True)
    assert isinstance(body, bytes)
    found = re.search(r"Acknowledge: (http\S+)", body.decode())
    assert found, body.decode()
    return found.group(1)


def post_alerts(am_port: int) -> None:
    alerts = [
        {
            "labels": {
                "alertname": f"E2E{via.capitalize()}",
                "service": "api",
                "severity": "critical",
                "via": via,
            },
            "annotations": {"summary": f"api is broken ({via})"},
        }
        for via in VIA
    ]
    answer = httpx.post(f"http://127.0.0.1:{am_port}/api/v2/alerts", json=alerts, timeout=10)
    assert answer.status_code == 200, answer.text


def admin_token(url: str) -> str:
    from warroom.auth import service as auth_service
    from warroom.clock import SystemClock
    from warroom.db import Database

    db = Database(url)
    try:
        with db.session() as session:
            user = auth_service.ensure_user(
                session, SystemClock(), email="e2e-admin@e2e.test", name="E2E", role="admin"
            )
            return auth_service.create_token(session, SystemClock(), user, name="e2e")[1]
    finally:
        db.dispose()


def pending_escalations(url: str) -> list[Any]:
    from warroom.db import Database
    from warroom.engine.models import Job

    db = Database(url)
    try:
        with db.session() as session:
            return list(
                session.scalars(
                    select(Job).where(Job.kind == "paging.escalate", Job.state == "pending")
                )
            )
    finally:
        db.dispose()


@pytest.mark.parametrize("engine", ["embedded", "worker"])
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_alertmanager_alerts_page_and_the_ack_link_stops_escalation(
    kind: str, engine: str, tmp_path: Path
) -> None:
    alertmanager = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    need(alertmanager is not None, "the Debian package prometheus-alertmanager is not installed")
    assert alertmanager
    warroom = str(Path(sys.executable).with_name("warroom"))
    wr_port, am_port = free_port(), free_port()
    base = f"http://127.0.0.1:{wr_port}"
    with (
        database(kind, tmp_path) as url,
        smtp_server() as mailbox,
        http_receiver() as hooks,
    ):
        (tmp_path / "warroom").mkdir()
        (tmp_path / "warroom" / "org.yaml").write_text(warroom_config(f"http://{hooks.url}/hook"))
        (tmp_path / "alertmanager.yml").write_text(alertmanager_config(base))
        env = {
            **os.environ,
            "WARROOM_DATABASE_URL": url,
            "WARROOM_PUBLIC_URL": base,
            "WARROOM_SMTP_URL": f"mailto://127.0.0.1:{mailbox.port}?from=warroom@e2e.test&mode=insecure",
            "WARROOM_DATA_DIR": str(tmp_path / "var"),
            "WARROOM_SECRET_KEY": "e2e-secret-key-for-signed-links-000",
            "WARROOM_ENGINE_POLL_SECONDS": "1",
        }
        serve = [warroom, "serve", "--config", str(tmp_path / "warroom"), "--port", str(wr_port)]
        if engine == "worker":
            serve.append("--no-engine")
        am_cmd = [
            alertmanager,
            f"--config.file={tmp_path / 'alertmanager.yml'}",
            f"--storage.path={tmp_path / 'am-data'}",
            f"--web.listen-address=127.0.0.1:{am_port}",
            "--cluster.listen-address=",
        ]
        logs = [tmp_path / n for n in ("warroom.log", "worker.log", "alertmanager.log")]
        with contextlib.ExitStack() as stack:
            stack.enter_context(process(serve, logs[0], env))
            wait_for("warroom to serve", lambda: _healthy(base), logs)
            if engine == "worker":
                stack.enter_context(process([warroom, "worker", "--name", "e2e"], logs[1], env))
            stack.enter_context(process(am_cmd, logs[2]))
            wait_for(
                "alertmanager to serve",
                lambda: _healthy(f"http://127.0.0.1:{am_port}", "/-/ready"),
                logs,
            )
            token = admin_token(url)
            auth = {"Authorization": f"Bearer {token}"}
            post_alerts(am_port)

            incidents = wait_for(
                "three incidents, one per sender",
                lambda: _incidents(base, auth, 3),
                logs,
            )
            wait_for("three e-mail pages", lambda: len(mailbox.messages) >= 3, logs)
            wait_for("three webhook pages", lambda: len(hooks.to("/hook/oncall")) >= 3, logs)
            assert {m["To"] for m in mailbox.messages} == {"oncall@e2e.test"}
            assert all(i["severity"] == "SEV1" and i["status"] == "triggered" for i in incidents)
            _assert_one_incident_per_integration(base, auth, incidents)
            assert len(pending_escalations(url)) == 3  # level 2 waits for each

            with httpx.Client(timeout=10) as http:
                for message in list(mailbox.messages)[:3]:
                    link = ack_link(message)
                    confirm = http.get(link)
                    assert confirm.status_code == 200 and "<form" in confirm.text
                    acted = http.post(link)
                    assert acted.status_code == 200, acted.text

            listed = _incidents(base, auth, 3)
            assert listed and {i["status"] for i in listed} == {"acknowledged"}
            assert pending_escalations(url) == []  # escalation stopped for every incident
            for incident in listed:
                kinds = _timeline_kinds(base, auth, incident["number"])
                assert "paging:escalation:stopped" in kinds
            assert _lead_pages(hooks) == 0


def _healthy(base: str, path: str = "/healthz") -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(base + path, timeout=2).status_code == 200
    return False


def _incidents(base: str, auth: dict[str, str], n: int) -> list[dict[str, Any]] | None:
    answer = httpx.get(f"{base}/api/v1/incidents", headers=auth, timeout=5)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    items = body["items"] if isinstance(body, dict) else body
    return items if len(items) >= n else None


def _assert_one_incident_per_integration(
    base: str, auth: dict[str, str], incidents: list[dict[str, Any]]
) -> None:
    answer = httpx.get(f"{base}/api/v1/alerts", headers=auth, timeout=5)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    alerts = body["items"] if isinstance(body, dict) else body
    by_integration = {a["integration"]: a for a in alerts}
    assert set(by_integration) == {"am", "pd", "og"}
    numbers = {a["incident_number"] for a in alerts if a.get("incident_number")}
    assert numbers == {i["number"] for i in incidents}


def _timeline_kinds(base: str, auth: dict[str, str], number: int) -> list[str]:
    answer = httpx.get(f"{base}/api/v1/incidents/{number}/timeline", headers=auth, timeout=5)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    events = body["items"] if isinstance(body, dict) else body
    return [e["kind"] for e in events]


def _lead_pages(hooks: HttpReceiver) -> int:
    return len(hooks.to("/hook/lead"))
