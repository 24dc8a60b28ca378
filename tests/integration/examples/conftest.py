"""What the example-pack tests share: the packs applied as shipped, a recording sender, an
Alertmanager alert fired through the real API, and an incident's timeline read back."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from warroom.audit.models import TimelineEvent
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.notify import senders

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
DEMO_TOKEN = "demo-prometheus-token-change-me"  # the packs' default Alertmanager secret


@pytest.fixture
def sender() -> Iterator[senders.FakeSender]:
    fake = senders.FakeSender()
    senders.set_sender(fake)
    yield fake
    senders.set_sender(None)


def apply_pack(db: Database, clock: FakeClock, pack: str) -> None:
    """Load examples/PACK from disk with this process's environment and apply it."""
    doc, problems = config_service.load_directory(EXAMPLES / pack)
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")


def fire(client: TestClient, labels: dict[str, str], at: datetime) -> list[int]:
    """One firing Alertmanager alert with these labels; the incidents it opened or joined."""
    alert = {
        "status": "firing",
        "labels": labels,
        "annotations": {"summary": labels.get("alertname", "alert")},
        "startsAt": at.isoformat(),
        "fingerprint": "7a6b5c4d3e2f1009",
    }
    body = {"version": "4", "status": "firing", "receiver": "warroom", "groupKey": "{}:{}"}
    answer = client.post(
        "/api/v1/intake/alertmanager",
        json=body | {"alerts": [alert]},
        headers={"Authorization": f"Bearer {DEMO_TOKEN}"},
    )
    assert answer.status_code == 202, answer.text
    return list(answer.json()["incidents"])


def events(db: Database, incident_id: int, kind: str | None = None) -> list[TimelineEvent]:
    """The incident's timeline events (of one kind), in order."""
    query = select(TimelineEvent).where(TimelineEvent.incident_id == incident_id)
    if kind is not None:
        query = query.where(TimelineEvent.kind == kind)
    with db.session() as session:
        found = list(session.scalars(query.order_by(TimelineEvent.id)))
        session.expunge_all()
        return found


def payloads(db: Database, incident_id: int, kind: str) -> list[dict[str, Any]]:
    return [dict(e.payload) for e in events(db, incident_id, kind)]
