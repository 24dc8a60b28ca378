"""The real client libraries of the monitoring tools, against a running `warroom serve` over TLS
(issue 9): pdpyras and pagerduty (Events API v2 and Change Events) and opsgenie-sdk (create,
request status, get, acknowledge, add note, close). Each call's effect is read back through
warroom's own API.

One server serves them all: HTTPS with a self-signed certificate made by the `openssl` CLI (the
`pagerduty` library refuses http:// URLs), a temporary SQLite database and config directory.
"""

from __future__ import annotations

import os
import shutil
import ssl
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import need
from tests.e2e.test_prometheus_alertmanager import free_port, process, wait_for

pytestmark = pytest.mark.filterwarnings("ignore:The package .pdpyras. is deprecated")

PD_KEY = "c1f2a3b4c5d6e7f8a9b0c1d2e3f4a5b6"
GENIE_KEY = "senders-genie-key-0123456789abcdef"

CONFIG = f"""
severities:
  - {{key: SEV1, name: Critical}}
  - {{key: SEV2, name: Major}}
  - {{key: SEV3, name: Minor}}
services:
  - {{key: storage, name: Storage}}
  - {{key: orders-db, name: Orders DB}}
integrations:
  - {{key: pd, type: pagerduty, secret: "{PD_KEY}", service: storage}}
  - {{key: og, type: opsgenie, secret: "{GENIE_KEY}"}}
routes:
  - key: pagerduty
    integrations: [pd]
    service: storage
    severity: {{label: severity, map: {{critical: SEV1, error: SEV2}}, default: SEV3}}
  - key: opsgenie
    integrations: [og]
    service: orders-db
    severity: SEV2
"""


@dataclass
class Server:
    base: str
    cert: str
    admin: dict[str, str]

    def api(self, path: str, **params: Any) -> Any:
        answer = httpx.get(
            f"{self.base}{path}", params=params, headers=self.admin, verify=_trust(self.cert)
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def alert(self, integration: str, fingerprint: str) -> dict[str, Any]:
        rows = self.api("/api/v1/alerts", integration=integration, fingerprint=fingerprint)
        assert len(rows) == 1, rows
        return dict(rows[0])

    def timeline(self, number: int, kind: str) -> list[dict[str, Any]]:
        page = self.api(f"/api/v1/incidents/{number}/timeline", kind=kind)
        return list(page["items"])


def _trust(cert: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=cert)


def self_signed(tmp: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and its key, made by the openssl CLI."""
    openssl = shutil.which("openssl")
    need(openssl is not None, "the openssl command is not installed")
    assert openssl
    cert, key = tmp / "cert.pem", tmp / "key.pem"
    request = ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
    names = ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"]
    out = ["-keyout", str(key), "-out", str(cert)]
    subprocess.run([openssl, *request, *names, *out], check=True, capture_output=True)
    return cert, key


def admin_token(url: str) -> str:
    from warroom.auth import service as auth_service
    from warroom.clock import SystemClock
    from warroom.db import Database

    db = Database(url)
    try:
        with db.session() as session:
            user = auth_service.ensure_user(
                session, SystemClock(), email="senders@example.com", name="Senders", role="admin"
            )
            return auth_service.create_token(session, SystemClock(), user, name="senders")[1]
    finally:
        db.dispose()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("senders")
    cert, key = self_signed(tmp)
    (tmp / "config").mkdir()
    (tmp / "config" / "senders.yaml").write_text(CONFIG)
    port = free_port()
    base = f"https://127.0.0.1:{port}"
    url = f"sqlite:///{tmp}/warroom.db"
    env = {
        **os.environ,
        "WARROOM_DATABASE_URL": url,
        "WARROOM_PUBLIC_URL": base,
        "WARROOM_DATA_DIR": str(tmp / "var"),
        "WARROOM_SECRET_KEY": "senders-secret-key-for-links-0000",
    }
    warroom = str(Path(sys.executable).with_name("warroom"))
    cmd = [warroom, "serve", "--config", str(tmp / "config"), "--port", str(port), "--no-engine"]
    cmd += ["--ssl-certfile", str(cert), "--ssl-keyfile", str(key)]
    log = tmp / "warroom.log"
    with process(cmd, log, env):
        wait_for("warroom to serve over TLS", lambda: _healthy(base, str(cert)), [log])
        yield Server(base, str(cert), {"Authorization": f"Bearer {admin_token(url)}"})


def _healthy(base: str, cert: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", verify=_trust(cert), timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def test_pdpyras_trigger_acknowledge_resolve_and_change(server: Server) -> None:
    import pdpyras

    events = pdpyras.EventsAPISession(PD_KEY)
    events.url = server.base
    events.verify = server.cert
    events.trust_env = False  # else requests prefers REQUESTS_CA_BUNDLE over `verify`
    dedup = events.trigger(
        "Disk full on storage-7", "storage-7", severity="critical", custom_details={"disk": "/"}
    )
    alert = server.alert("pd", dedup)
    assert alert["status"] == "firing" and alert["summary"] == "Disk full on storage-7"
    number = alert["incident_number"]
    incident = server.api(f"/api/v1/incidents/{number}")
    assert incident["severity"] == "SEV1" and incident["status"] == "triggered"

    assert events.acknowledge(dedup) == dedup
    assert server.alert("pd", dedup)["acknowledged_at"] is not None
    assert server.api(f"/api/v1/incidents/{number}")["status"] == "acknowledged"

    changes = pdpyras.ChangeEventsAPISession(PD_KEY)
    changes.url = server.base
    changes.verify = server.cert
    changes.trust_env = False
    changes.submit("Deployed storage v2.4", source="ci", custom_details={"build": "77"})
    (change,) = server.timeline(number, "intake:change")
    assert change["payload"]["summary"] == "Deployed storage v2.4"

    assert events.resolve(dedup) == dedup
    assert server.alert("pd", dedup)["status"] == "resolved"


def test_pdpyras_unknown_routing_key_is_refused(server: Server) -> None:
    import pdpyras

    events = pdpyras.EventsAPISession("0" * 32)
    events.url = server.base
    events.verify = server.cert
    events.trust_env = False  # else requests prefers REQUESTS_CA_BUNDLE over `verify`
    with pytest.raises(pdpyras.PDClientError) as refused:
        events.trigger("nobody knows this key", "nowhere")
    assert refused.value.response is not None
    assert refused.value.response.status_code == 401


def test_pagerduty_library_over_tls(server: Server) -> None:
    import pagerduty

    with pytest.raises(Exception, match="https"):
        pagerduty.EventsApiV2Client(PD_KEY, base_url=server.base.replace("https", "http"))
    client = pagerduty.EventsApiV2Client(PD_KEY, base_url=server.base, verify=_trust(server.cert))
    dedup = client.trigger("Replica lag on storage-2", "storage-2", dedup_key="storage-2-lag")
    assert dedup == "storage-2-lag"
    alert = server.alert("pd", dedup)
    assert alert["status"] == "firing"
    number = alert["incident_number"]

    client.send_change_event(
        payload={"summary": "Rolled back storage v2.4", "source": "ci"},
        links=[{"href": "https://ci.example.com/78", "text": "Build 78"}],
    )
    noted = [e["payload"]["summary"] for e in server.timeline(number, "intake:change")]
    assert "Rolled back storage v2.4" in noted

    assert client.acknowledge(dedup) == dedup
    assert server.alert("pd", dedup)["acknowledged_at"] is not None
    assert client.resolve(dedup) == dedup
    assert server.alert("pd", dedup)["status"] == "resolved"


def _genie(server: Server, key: str = GENIE_KEY) -> Any:
    import opsgenie_sdk

    conf = opsgenie_sdk.configuration.Configuration()
    conf.host = server.base
    conf.api_key = {"Authorization": key}
    conf.api_key_prefix = {"Authorization": "GenieKey"}
    conf.ssl_ca_cert = server.cert
    conf.retry_count = 1
    return opsgenie_sdk.AlertApi(api_client=opsgenie_sdk.api_client.ApiClient(configuration=conf))


def _request_status(alerts: Any, request_id: str) -> Any:
    """The SDK's get_request_status; warroom stores writes before answering, so no polling."""
    status = alerts.get_request_status(request_id=request_id)
    assert status.data.is_success, status
    return status.data


def test_opsgenie_sdk_create_status_get_acknowledge_note_close(server: Server) -> None:
    import opsgenie_sdk

    alerts = _genie(server)
    created = alerts.create_alert(
        create_alert_payload=opsgenie_sdk.CreateAlertPayload(
            message="Orders DB replication lag above 30s",
            alias="orders-db-lag",
            description="replica 2 is 45s behind",
            tags=["database"],
            priority="P2",
        )
    )
    assert created.result and created.request_id
    status = _request_status(alerts, created.request_id)
    assert status.action == "Create" and status.alias == "orders-db-lag"
    alert_id = status.alert_id

    got = alerts.get_alert(identifier=alert_id, identifier_type="id").data
    assert got.message == "Orders DB replication lag above 30s" and got.alias == "orders-db-lag"
    assert got.status == "open"
    alert = server.alert("og", "orders-db-lag")
    assert str(alert["id"]) == alert_id
    number = alert["incident_number"]

    ack = alerts.acknowledge_alert(
        identifier=alert_id,
        identifier_type="id",
        acknowledge_alert_payload=opsgenie_sdk.AcknowledgeAlertPayload(user="sre@example.com"),
    )
    assert _request_status(alerts, ack.request_id).action == "Acknowledge"
    assert server.alert("og", "orders-db-lag")["acknowledged_at"] is not None

    note = alerts.add_note(
        identifier="orders-db-lag",
        identifier_type="alias",
        add_note_to_alert_payload=opsgenie_sdk.AddNoteToAlertPayload(
            user="sre@example.com", note="failing over to replica 3"
        ),
    )
    assert _request_status(alerts, note.request_id).action == "AddNote"
    (noted,) = server.timeline(number, "intake:alert:noted")
    assert noted["payload"]["note"] == "failing over to replica 3"

    closed = alerts.close_alert(
        identifier=alert_id,
        identifier_type="id",
        close_alert_payload=opsgenie_sdk.CloseAlertPayload(note="lag back under 1s"),
    )
    assert _request_status(alerts, closed.request_id).action == "Close"
    assert server.alert("og", "orders-db-lag")["status"] == "resolved"
    assert alerts.get_alert(identifier=alert_id, identifier_type="id").data.status == "closed"


def test_opsgenie_sdk_unknown_alert_and_key(server: Server) -> None:
    import opsgenie_sdk

    alerts = _genie(server)
    failure = opsgenie_sdk.exceptions.OpenApiException
    with pytest.raises(failure) as missing:
        alerts.get_alert(identifier="no-such-alias", identifier_type="alias")
    assert getattr(missing.value, "status", None) == 404
    stranger = _genie(server, key="og-unknown-key-000")
    with pytest.raises(opsgenie_sdk.exceptions.AuthenticationException) as refused:
        stranger.create_alert(
            create_alert_payload=opsgenie_sdk.CreateAlertPayload(message="who am I")
        )
    assert refused.value.status == 401


def test_opsgenie_sdk_alias_beginning_with_requests_and_a_pdpyras_change_without_offset(
    server: Server,
) -> None:
    import opsgenie_sdk
    import pdpyras

    alerts = _genie(server)
    alias = "requests/orders-db-disk"  # the SDK sends requests%2Forders-db-disk
    created = alerts.create_alert(
        create_alert_payload=opsgenie_sdk.CreateAlertPayload(message="disk", alias=alias)
    )
    assert _request_status(alerts, created.request_id).alias == alias
    got = alerts.get_alert(identifier=alias, identifier_type="alias").data
    assert got.alias == alias and got.status == "open"

    # A script's own timestamp, datetime.utcnow().isoformat(): ISO 8601 without an offset.
    session = pdpyras.ChangeEventsAPISession(PD_KEY)
    session.url = server.base
    session.verify = server.cert
    session.trust_env = False
    # Refused (400 'not an RFC 3339 time'), submit raises: the change would be lost.
    session.submit("Deployed storage v2.4", "storage", timestamp="2026-11-22T09:14:05.321000")
