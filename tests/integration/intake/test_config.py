"""`config check` on intake sections: bad regex, unknown service/severity -> file:line errors."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.intake.conftest import AM_FIRING, CONFIG, am_headers, apply_config
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.intake.models import Integration

BASE = """severities:
  - {key: SEV1, name: Critical}
  - {key: SEV3, name: Minor}
services:
  - {key: checkout, name: Checkout}
"""


def problems_of(text: str) -> list[str]:
    _, problems = config_service.load_files({"intake.yaml": BASE + text})
    return problems.lines()


def test_valid_config_has_no_problems() -> None:
    _, problems = config_service.load_files({"intake.yaml": CONFIG})
    assert problems.lines() == []


def test_bad_regex_is_reported_at_its_line() -> None:
    lines = problems_of("""routes:
  - key: r1
    matchers:
      - 'service=~"(unclosed"'
""")
    assert len(lines) == 1 and lines[0].startswith("intake.yaml:")
    assert "bad regular expression" in lines[0]
    assert int(lines[0].split(":")[1]) in (8, 9)


def test_unknown_service_severity_and_integration() -> None:
    lines = problems_of("""routes:
  - key: r1
    matchers: ['a="b"']
    service: nope
    integrations: [ghost]
    severity: {map: {critical: SEV9}, default: SEV1}
    inhibit: {severity: SEV7}
  - key: default
""")
    text = "\n".join(lines)
    assert "intake.yaml:9: routes[r1].service: unknown service 'nope'" in text
    assert "routes[r1].integrations: unknown integration 'ghost'" in text
    assert "routes[r1].severity.map.critical: unknown severity 'SEV9'" in text
    assert "routes[r1].inhibit.severity: unknown severity 'SEV7'" in text


def test_default_route_must_be_last_and_windows_checked() -> None:
    lines = problems_of("""routes:
  - key: catch-all
  - key: never
    matchers: ['a="b"']
maintenance_windows:
  - key: w
    service: ghost
    weekly: {days: [mon], from: "25:00", to: "02:00"}
  - key: w2
    service: checkout
    start: 2026-12-01T22:00:00Z
integrations:
  - {key: short, type: alertmanager, secret: ""}
  - {key: odd, type: nagios, secret: "0123456789abcdefgh"}
""")
    text = "\n".join(lines)
    assert "routes[catch-all]: a route without matchers" in text
    assert "maintenance_windows[w]" in text and "25:00" in text
    assert "maintenance_windows[w2]" in text and "start and end, or weekly" in text
    assert "integrations[short].secret" in text and "must not be empty" in text
    assert "integrations[odd].type" in text


def test_apply_stores_hashed_secrets_and_deactivates_removed(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    apply_config(db, clock)
    with db.session() as session:
        rows = {r.key: r for r in session.scalars(select(Integration))}
        assert rows["prom"].secret_hash != "prom-secret-0123456789"
        assert len(rows["prom"].secret_hash) == 64
        revision = config_service.current_document(session)
        assert "prom-secret" not in str(revision)
    assert (
        client.post("/api/v1/intake/alertmanager", json=AM_FIRING, headers=am_headers()).status_code
        == 202
    )
    without = CONFIG.replace(
        '  - {key: prom, type: alertmanager, secret: "prom-secret-0123456789"}\n', ""
    )
    apply_config(db, clock, without)
    r = client.post("/api/v1/intake/alertmanager", json=AM_FIRING, headers=am_headers())
    assert r.status_code == 401
