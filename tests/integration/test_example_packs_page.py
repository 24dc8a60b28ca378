"""Each example pack, applied as shipped, pages its on-call for the README's alert and for an
Alertmanager alert labelled `severity: critical`: alert -> real API -> incident -> engine ->
a page queued for the person on call (issue 8, "no incident pages nobody")."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import MakeToken
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.notify import senders
from warroom.notify.models import Message
from warroom.paging.people import resolve_targets
from warroom.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
AM_TOKEN = "demo-prometheus-token-change-me"
# pack -> (a service of the pack, its on-call schedule, the severity the README's alert claims)
PACKS = {
    "oracle": ("api-gateway", "oracle-core", "SEV3"),
    "atlas": ("proof-validation", "atlas-primary", "P3"),
    "exchange": ("matching-engine", "trading-core", "P3"),
}


@pytest.fixture
def sender() -> Iterator[senders.FakeSender]:
    fake = senders.FakeSender()
    senders.set_sender(fake)
    yield fake
    senders.set_sender(None)


def _apply(db: Database, clock: FakeClock, pack: str, monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("ORACLE_PROMETHEUS_TOKEN", "ATLAS_PROMETHEUS_TOKEN", "EXCHANGE_PROMETHEUS_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    doc, problems = config_service.load_directory(EXAMPLES / pack)
    assert not problems, problems.lines()
    assert not problems.warnings(), problems.warnings()  # nothing in the pack pages nobody
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")


def _pages_for(db: Database, clock: FakeClock, schedule: str, numbers: list[int]) -> list[Any]:
    from warroom.incidents.models import Incident

    with db.session() as session:
        on_call = resolve_targets(session, [f"schedule:{schedule}"], clock.now())
        assert len(on_call) == 1
        ids = list(session.scalars(select(Incident.id).where(Incident.number.in_(numbers))))
        rows = session.execute(
            select(Message.incident_id, Message.user_id, Message.purpose).where(
                Message.incident_id.in_(ids)
            )
        ).all()
        user_id = on_call[0][1].id
        return sorted({(r.incident_id, r.purpose) for r in rows if r.user_id == user_id})


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_pack_pages_on_call_for_readme_and_critical_alerts(
    pack: str,
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    make_token: MakeToken,
    sender: senders.FakeSender,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    service, schedule, claimed = PACKS[pack]
    clock.set(datetime(2026, 3, 10, 14, 0, tzinfo=UTC))  # a Tuesday, every rotation running
    _apply(db, clock, pack, monkeypatch)
    token = make_token("responder")
    readme = {"title": "Test alert", "severity": claimed, "labels": {"service": service}}
    r = client.post(
        "/api/v1/intake/generic", json=readme, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 202, r.text
    by_hand = r.json()["incidents"]
    if pack == "oracle":  # the README: a hand-raised alert is SEV1 whatever it claims
        incident = client.get(
            f"/api/v1/incidents/{by_hand[0]}", headers={"Authorization": f"Bearer {token}"}
        ).json()
        assert incident["severity"] == "SEV1", incident
    critical = {
        "version": "4",
        "status": "firing",
        "receiver": "warroom",
        "groupKey": "{}:{}",
        "alerts": [
            {
                "status": "firing",
                "labels": {"alertname": "PublishStalled", "severity": "critical"},
                "annotations": {"summary": "publishing stalled"},
                "startsAt": clock.now().isoformat(),
                "fingerprint": "a1b2c3d4e5f60718",
            }
        ],
    }
    r = client.post(
        "/api/v1/intake/alertmanager",
        json=critical,
        headers={"Authorization": f"Bearer {AM_TOKEN}"},
    )
    assert r.status_code == 202, r.text
    from_prometheus = r.json()["incidents"]
    assert len(by_hand) == 1 and len(from_prometheus) == 1
    Worker(db, clock, settings, "packs").run_once()
    pages = _pages_for(db, clock, schedule, by_hand + from_prometheus)
    assert len({incident for incident, _ in pages}) == 2, pages
    assert {purpose for _, purpose in pages} == {"page:escalation"}
    detail = client.get(
        f"/api/v1/incidents/{from_prometheus[0]}", headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert detail["unpaged"] is None


def test_the_readme_drill_pages_the_oracle_on_call_marked_drill(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    sender: senders.FakeSender,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """README, step 6: `warroom drill start --severity SEV1 --service api-gateway` pages the core
    on-call with DRILL on the page; a SEV2 drill pages nobody (SEV2 does not page there)."""
    from warroom.review.drills import service as drills

    clock.set(datetime(2026, 3, 10, 14, 0, tzinfo=UTC))  # a Tuesday, every rotation running
    _apply(db, clock, "oracle", monkeypatch)
    with db.session() as session:
        paged = drills.start_drill(
            session, clock, settings, severity="SEV1", service="api-gateway", actor="admin"
        )
        quiet = drills.start_drill(session, clock, settings, severity="SEV2", actor="admin")
        drill_incidents = [paged.incident_id, quiet.incident_id]
    worker = Worker(db, clock, settings, "drill-pages")
    while worker.run_once():
        pass
    with db.session() as session:
        rows = session.execute(
            select(Message.title, Message.incident_id).where(Message.purpose.like("page%"))
        ).all()
    pages = [r for r in rows if r.incident_id == drill_incidents[0]]
    assert pages and all("DRILL" in r.title for r in pages)
    assert not [r for r in rows if r.incident_id == drill_incidents[1]]
