"""A large intake request is stored in bounded transactions: other senders commit between two
chunks, the sender is answered after the last one, and a failed chunk is reported."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import BindApp
from tests.integration.intake.conftest import am_headers, apply_config
from tests.integration.intake.test_storm import storm_config
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.errors import Overloaded
from warroom.intake import alertmanager, chunking, gate, service
from warroom.intake.models import Alert
from warroom.intake.schemas import Batch
from warroom.settings import Settings

AM = "/api/v1/intake/alertmanager"


def request_of(count: int, prefix: str = "fp") -> dict[str, Any]:
    alerts = [
        {
            "status": "firing",
            "labels": {"alertname": "DiskFull", "instance": f"{prefix}-{n}"},
            "startsAt": "2026-11-22T09:14:05Z",
            "fingerprint": f"{prefix}{n:05d}",
        }
        for n in range(count)
    ]
    return {"version": "4", "status": "firing", "receiver": "warroom", "alerts": alerts}


@pytest.fixture
def big_client(
    bind_app: BindApp, db: Database, clock: FakeClock, tmp_path: Any
) -> Iterator[TestClient]:
    settings = Settings(
        database_url=db.url, secret_key="test", data_dir=tmp_path, max_body_bytes=8_000_000
    )
    apply_config(db, clock, storm_config())
    with TestClient(bind_app(settings, db, clock)) as test_client:
        yield test_client
    chunking.between_chunks.clear()


def ids_by_fingerprint(db: Database) -> dict[str, int]:
    with db.session() as session:
        return {fp: int(i) for fp, i in session.execute(select(Alert.fingerprint, Alert.id))}


def test_another_sender_commits_between_two_chunks(
    db: Database, clock: FakeClock, big_client: TestClient
) -> None:
    app: Any = big_client.app
    other_done: list[dict[str, Any]] = []

    def another_sender(n: int) -> None:
        # Runs while the big request is between chunk n and n+1: it must get through now.
        if n != 0:
            return
        batch = alertmanager.parse(request_of(1, "other"))

        def send() -> None:
            result = gate.unit_of_work(
                app, lambda s, c, cfg: service.ingest(s, c, cfg, "prom", batch).to_json()
            )
            other_done.append(result)

        thread = threading.Thread(target=send)
        thread.start()
        thread.join(timeout=30)
        assert other_done, "the other sender did not commit between two chunks"

    chunking.between_chunks.append(another_sender)
    r = big_client.post(AM, json=request_of(1_200), headers=am_headers())
    assert r.status_code == 202, r.text
    assert r.json()["created"] == 1_200 and r.json()["received"] == 1_200
    assert other_done and other_done[0]["created"] == 1
    ids = ids_by_fingerprint(db)
    first_chunk = [ids[f"fp{n:05d}"] for n in range(500)]
    second_chunk = [ids[f"fp{n:05d}"] for n in range(500, 1_000)]
    # Stored after the whole first chunk and before any alert of the second one.
    assert max(first_chunk) < ids["other00000"] < min(second_chunk)
    assert len(ids) == 1_201


def test_a_failed_later_chunk_says_what_was_stored_and_a_resend_completes(
    db: Database, clock: FakeClock, big_client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_ingest = service.ingest
    calls: list[int] = []

    def ingest_failing_second_chunk(*args: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise Overloaded("the database is busy; retry")  # injected fault
        return real_ingest(*args)

    monkeypatch.setattr(service, "ingest", ingest_failing_second_chunk)
    r = big_client.post(AM, json=request_of(1_200), headers=am_headers())
    assert r.status_code == 503, r.text
    error = r.json()["error"]
    assert error["stored"] == 500 and error["not_stored"] == 700
    assert error["stored_fingerprints"] == [f"fp{n:05d}" for n in range(500)]
    assert "500 of 1200 alerts were stored" in error["message"]
    assert sorted(ids_by_fingerprint(db)) == [f"fp{n:05d}" for n in range(500)]

    monkeypatch.setattr(service, "ingest", real_ingest)
    r = big_client.post(AM, json=request_of(1_200), headers=am_headers())  # the sender retries
    assert r.status_code == 202, r.text
    assert r.json()["created"] == 700 and r.json()["repeated"] == 500
    assert len(ids_by_fingerprint(db)) == 1_200


def test_a_small_batch_is_one_transaction_and_split_keeps_the_last_occurrence() -> None:
    small = alertmanager.parse(request_of(3))
    assert chunking.split(small, size=3) == [small]
    body = request_of(5)
    body["alerts"].append({**body["alerts"][1], "status": "resolved"})  # fp00001 again, last
    parts = chunking.split(alertmanager.parse(body), size=2)
    fingerprints = [[a.fingerprint for a in part.alerts] for part in parts]
    assert fingerprints == [["fp00000", "fp00002"], ["fp00003", "fp00004"], ["fp00001"]]
    assert parts[2].alerts[0].status == "resolved"
    assert all(isinstance(part, Batch) and part.source == "alertmanager" for part in parts)
