"""PagerDuty Change Events' `payload.timestamp`: ISO 8601 as PagerDuty takes it (and as a
trigger's is read), kept on the timeline as UTC; an unreadable one is a 400 naming the field,
nothing written."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.intake.conftest import PD_KEY, Counts
from tests.integration.intake.test_edge_senders import events
from warroom.db import Database


def change(timestamp: object) -> dict[str, object]:
    payload = {"summary": "Deployed storage v2.3", "source": "storage", "timestamp": timestamp}
    return {"routing_key": PD_KEY, "payload": payload}


@pytest.mark.parametrize(
    ("sent", "kept"),
    [
        # datetime.utcnow().isoformat(), what scripts send: no offset, read as UTC.
        ("2026-11-22T09:14:05.321000", "2026-11-22T09:14:05.321000+00:00"),
        ("2026-11-22T10:14:05+01", "2026-11-22T09:14:05+00:00"),
        ("2026-11-22T09:14:05.315+0000", "2026-11-22T09:14:05.315000+00:00"),
        ("2026-11-22T09:14:05.321Z", "2026-11-22T09:14:05.321000+00:00"),  # pdpyras' own
    ],
)
def test_an_iso_8601_change_timestamp_is_accepted_and_kept(
    client: TestClient, configured: Database, sent: str, kept: str
) -> None:
    r = client.post("/v2/change/enqueue", json=change(sent))
    assert r.status_code == 202, r.text
    (recorded,) = events(configured, "intake:change:received")
    assert recorded.payload["timestamp"] == kept


@pytest.mark.parametrize("sent", ["yesterday", "2026-13-45T09:00:00Z", 1763802845, ["x"]])
def test_an_unreadable_change_timestamp_is_a_400_naming_it(
    client: TestClient, configured: Database, counts: Counts, sent: object
) -> None:
    before = counts()
    r = client.post("/v2/change/enqueue", json=change(sent))
    assert r.status_code == 400, r.text
    assert r.json()["status"] == "invalid event"
    assert r.json()["errors"][0].startswith("payload.timestamp")
    assert counts() == before
