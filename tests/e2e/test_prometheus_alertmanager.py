"""Prometheus -> Alertmanager -> warroom, with the real Debian packages.

A tiny exporter's metric trips a Prometheus rule; Alertmanager delivers the alert to warroom
three ways at once (webhook, `pagerduty_configs` with `url:`, `opsgenie_configs` with
`api_url:`); an incident opens with the routed service and severity. Flipping the metric back
resolves every alert, and the service's auto_resolve resolves the incident. Waiting here is on
real outside processes, so the test polls with a deadline.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.conftest import need

AM_TOKEN = "e2e-webhook-token-0123456789"
PD_KEY = "e2e0pagerduty0routing0key0000001"
GENIE_KEY = "e2e-genie-key-0123456789abcdef"
DEADLINE_S = 75

CONFIG = f"""
severities:
  - {{key: SEV1, name: Critical}}
  - {{key: SEV2, name: Major}}
  - {{key: SEV3, name: Minor}}
services:
  - {{key: e2e-api, name: E2E API, auto_resolve: true}}
integrations:
  - {{key: am, type: alertmanager, secret: "{AM_TOKEN}"}}
  - {{key: pd, type: pagerduty, secret: "{PD_KEY}"}}
  - {{key: og, type: opsgenie, secret: "{GENIE_KEY}"}}
routes:
  - key: pagerduty
    integrations: [pd]
    service: e2e-api
    severity: {{map: {{critical: SEV1, error: SEV2}}, default: SEV3}}
  - key: e2e-api
    matchers: ['service="e2e-api"']
    service: e2e-api
    severity: {{map: {{critical: SEV1, warning: SEV3}}, default: SEV2}}
    group_by: [alertname, service]
  - key: default
inhibit:
  - {{service: e2e-api, severity: SEV1}}
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Exporter:
    """An http.server on 127.0.0.1 exposing one gauge the test can flip."""

    def __init__(self) -> None:
        self.value = 0
        exporter = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                body = (
                    f'# TYPE e2e_broken gauge\ne2e_broken{{service="e2e-api"}} {exporter.value}\n'
                ).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@contextlib.contextmanager
def process(cmd: list[str], log: Path, env: dict[str, str] | None = None) -> Iterator[None]:
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        yield
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def wait_for(what: str, check: Callable[[], Any], logs: list[Path]) -> Any:
    end = time.monotonic() + DEADLINE_S
    while time.monotonic() < end:
        result = check()
        if result:
            return result
        time.sleep(0.5)
    tails = "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in logs if p.exists())
    pytest.fail(f"timed out waiting for {what}\n{tails}")


def write_configs(tmp: Path, warroom_port: int, am_port: int, exporter_port: int) -> None:
    (tmp / "warroom").mkdir()
    (tmp / "warroom" / "e2e.yaml").write_text(CONFIG)
    (tmp / "rules.yml").write_text(
        """groups:
  - name: e2e
    interval: 1s
    rules:
      - alert: E2EBroken
        expr: e2e_broken == 1
        for: 1s
        labels: {severity: critical}
        annotations: {summary: "e2e-api is broken", description: "the e2e metric says so"}
"""
    )
    (tmp / "prometheus.yml").write_text(
        f"""global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: ["{tmp / "rules.yml"}"]
scrape_configs:
  - job_name: e2e
    static_configs: [{{targets: ["127.0.0.1:{exporter_port}"]}}]
alerting:
  alertmanagers:
    - static_configs: [{{targets: ["127.0.0.1:{am_port}"]}}]
"""
    )
    base = f"http://127.0.0.1:{warroom_port}"
    (tmp / "alertmanager.yml").write_text(
        f"""route:
  receiver: warroom
  group_by: [alertname, service]
  group_wait: 1s
  group_interval: 2s
  repeat_interval: 1h
receivers:
  - name: warroom
    webhook_configs:
      - url: {base}/api/v1/intake/alertmanager
        http_config:
          authorization: {{type: Bearer, credentials: "{AM_TOKEN}"}}
    pagerduty_configs:
      - routing_key: "{PD_KEY}"
        url: {base}/v2/enqueue
        severity: '{{{{ .CommonLabels.severity }}}}'
    opsgenie_configs:
      - api_key: "{GENIE_KEY}"
        api_url: {base}/
"""
    )


def test_prometheus_alert_reaches_warroom_and_resolves(tmp_path: Path) -> None:
    prometheus = shutil.which("prometheus")
    alertmanager = shutil.which("prometheus-alertmanager") or shutil.which("alertmanager")
    need(prometheus is not None, "the Debian package prometheus is not installed")
    need(alertmanager is not None, "the Debian package prometheus-alertmanager is not installed")
    assert prometheus and alertmanager
    from warroom.db import Database
    from warroom.incidents import service as incidents
    from warroom.intake.models import Alert

    exporter = Exporter()
    wr_port, am_port, prom_port = free_port(), free_port(), free_port()
    write_configs(tmp_path, wr_port, am_port, exporter.port)
    url = f"sqlite:///{tmp_path}/warroom.db"
    env = {**os.environ, "WARROOM_DATABASE_URL": url, "WARROOM_LOG_LEVEL": "warning"}
    warroom = str(Path(sys.executable).with_name("warroom"))
    logs = [tmp_path / n for n in ("warroom.log", "alertmanager.log", "prometheus.log")]
    serve = [warroom, "serve", "--config", str(tmp_path / "warroom"), "--port", str(wr_port)]
    am_cmd = [
        alertmanager,
        f"--config.file={tmp_path / 'alertmanager.yml'}",
        f"--storage.path={tmp_path / 'am-data'}",
        f"--web.listen-address=127.0.0.1:{am_port}",
        "--cluster.listen-address=",
    ]
    prom_cmd = [
        prometheus,
        f"--config.file={tmp_path / 'prometheus.yml'}",
        f"--storage.tsdb.path={tmp_path / 'prom-data'}",
        f"--web.listen-address=127.0.0.1:{prom_port}",
    ]
    db = Database(url)

    def healthy() -> bool:
        with contextlib.suppress(httpx.HTTPError):
            return httpx.get(f"http://127.0.0.1:{wr_port}/healthz", timeout=2).status_code == 200
        return False

    def alerts() -> list[Alert]:
        with db.session() as session:
            return list(session.scalars(select(Alert).order_by(Alert.id)))

    try:
        with (
            process(serve, logs[0], env),
            process(am_cmd, logs[1]),
            process(prom_cmd, logs[2]),
        ):
            wait_for("warroom to serve", healthy, logs)
            exporter.value = 1
            by_integration = wait_for(
                "the alert from all three Alertmanager receivers",
                lambda: (
                    found
                    if len(found := {a.integration: a for a in alerts() if a.status == "firing"})
                    == 3
                    else None
                ),
                logs,
            )
            webhook = by_integration["am"]
            assert webhook.labels["alertname"] == "E2EBroken"
            assert webhook.service == "e2e-api" and webhook.severity == "SEV1"
            assert webhook.links and "/graph?g0.expr=" in webhook.links[0]["href"]
            assert by_integration["pd"].service == "e2e-api"
            assert by_integration["og"].labels.get("service") == "e2e-api"
            incident_ids = {a.incident_id for a in by_integration.values()}
            assert len(incident_ids) == 1 and None not in incident_ids
            with db.session() as session:
                incident = incidents.get_incident_by_id(session, incident_ids.pop())
                number = incident.number
                assert incident.severity == "SEV1" and incident.status == "triggered"
                assert [s.service_key for s in incident.services] == ["e2e-api"]

            exporter.value = 0
            wait_for(
                "every alert to resolve",
                lambda: all(a.status == "resolved" for a in alerts()),
                logs,
            )
            assert {a.integration for a in alerts()} == {"am", "pd", "og"}
            with db.session() as session:
                assert incidents.get_incident(session, number).status == "resolved"
    finally:
        exporter.close()
        db.dispose()
