"""Export to an issue tracker through the configured webhook, against a real local HTTP server:
a failure recorded and retried by the engine, the tracker's id and URL kept on the item and on
the timeline, the webhook URL masked everywhere and validated."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.notify.receivers import free_port
from tests.integration.review.action_items.conftest import add, org, run_due
from tests.integration.review.action_items.test_api import events
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.models import Job
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.review.action_items.schedule import EXPORT

SECRET = "tr4cker-s3cret"


@dataclass
class Tracker:
    """A tracker's webhook: answers each POST with the next (status, body) of `answers`."""

    url: str = ""
    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    received: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)


@contextmanager
def tracker_server() -> Iterator[Tracker]:
    tracker = Tracker()
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)))
            with lock:
                tracker.received.append((dict(self.headers), body))
                status, answer = tracker.answers.pop(0) if tracker.answers else (200, {})
            payload = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *_: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    port = server.server_address[1]
    tracker.url = f"http://127.0.0.1:{port}/hooks/warroom/{SECRET}?token={SECRET}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tracker
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def tracker() -> Iterator[Tracker]:
    with tracker_server() as found:
        yield found


def export_config(url: str, **extra: object) -> str:
    lines = "".join(f"    {k}: {v}\n" for k, v in extra.items())
    return f'action_items:\n  export:\n    webhook_url: "{url}"\n{lines}'


def job_errors(db: Database) -> list[str]:
    with db.session() as session:
        jobs = session.query(Job).filter(Job.kind == EXPORT).all()
        return [j.last_error or "" for j in jobs]


def test_export_fails_then_the_engine_retries_and_records_the_issue(
    client: TestClient,
    admin_headers: dict[str, str],
    number: int,
    db: Database,
    clock: FakeClock,
    worker: Worker,
    tracker: Tracker,
    applied: Callable[[str], Any],
) -> None:
    applied(export_config(tracker.url))
    tracker.answers = [
        (502, {"error": "upstream down"}),
        (201, {"id": "OPS-17", "html_url": "https://tracker.example/OPS-17"}),
    ]
    item = add(client, admin_headers, number, export=True)
    assert item["export"]["state"] == "queued"
    run_due(worker)
    url = f"/api/v1/action-items/{item['id']}"
    failed = client.get(url, headers=admin_headers).json()["export"]
    assert failed["state"] == "retrying" and failed["status_code"] == 502
    assert failed["attempts"] == 1 and failed["error"] == "the tracker answered 502"
    clock.advance(seconds=29)
    run_due(worker)
    assert len(tracker.received) == 1  # the retry waits 30 s
    clock.advance(seconds=2)
    run_due(worker)
    sent = client.get(url, headers=admin_headers).json()["export"]
    assert sent["state"] == "sent" and sent["status_code"] == 201 and sent["attempts"] == 2
    assert (sent["ref"], sent["url"]) == ("OPS-17", "https://tracker.example/OPS-17")
    assert sent["error"] is None

    (headers, body), (again, _) = tracker.received
    assert headers["Idempotency-Key"] == again["Idempotency-Key"]
    assert body["title"] == "Alert on queue depth" and body["owner"] == "ana@corp.test"
    assert body["priority"] == "P0" and body["due"] == item["due_at"].replace("Z", "+00:00")
    assert body["incident"]["ref"] == f"INC-{number}"
    assert body["incident"]["url"].endswith(f"/ui/incidents/{number}")
    kinds = [(k, p.get("status_code")) for k, p in events(db, number) if "export" in k]
    assert kinds == [
        ("review:action_item:export_queued", None),
        ("review:action_item:export_failed", 502),
        ("review:action_item:exported", 201),
    ]
    exported = next(p for k, p in events(db, number) if k == "review:action_item:exported")
    assert exported["ref"] == "OPS-17" and exported["url"] == "https://tracker.example/OPS-17"
    assert all(SECRET not in error for error in job_errors(db))
    assert SECRET not in json.dumps(events(db, number))


def test_an_unreachable_tracker_fails_after_the_configured_attempts(
    client: TestClient,
    admin_headers: dict[str, str],
    number: int,
    db: Database,
    clock: FakeClock,
    worker: Worker,
    applied: Callable[[str], Any],
) -> None:
    dead = f"http://127.0.0.1:{free_port()}/hooks/{SECRET}"
    applied(export_config(dead, max_attempts=2))
    item = add(client, admin_headers, number, export=True)
    run_due(worker)
    clock.advance(minutes=5)
    run_due(worker)
    shown = client.get(f"/api/v1/action-items/{item['id']}", headers=admin_headers).json()
    assert shown["export"]["state"] == "failed" and shown["export"]["attempts"] == 2
    assert shown["export"]["status_code"] is None and "ConnectError" in shown["export"]["error"]
    assert SECRET not in shown["export"]["error"]
    assert all(SECRET not in error for error in job_errors(db))
    failures = [p for k, p in events(db, number) if k == "review:action_item:export_failed"]
    assert [p["will_retry"] for p in failures] == [True, False]


def test_automatic_export_and_export_on_request(
    client: TestClient,
    admin_headers: dict[str, str],
    number: int,
    worker: Worker,
    tracker: Tracker,
    applied: Callable[[str], Any],
) -> None:
    item = add(client, admin_headers, number, title="not exported")
    refused = client.post(f"/api/v1/action-items/{item['id']}/export", headers=admin_headers)
    assert refused.status_code == 409 and refused.json()["error"]["field"] == "export"
    applied(export_config(tracker.url, automatic="true"))
    add(client, admin_headers, number, title="automatic")
    later = client.post(f"/api/v1/action-items/{item['id']}/export", headers=admin_headers)
    assert later.status_code == 202 and later.json()["export"]["state"] == "queued"
    run_due(worker)
    assert sorted(body["title"] for _, body in tracker.received) == ["automatic", "not exported"]


def test_the_webhook_url_is_masked_in_the_stored_config_and_the_plan(
    client: TestClient,
    admin_headers: dict[str, str],
    db: Database,
    tracker: Tracker,
    applied: Callable[[str], Any],
) -> None:
    applied("")
    result = applied(export_config(tracker.url))
    assert SECRET not in json.dumps(result.plan.to_json()) and result.plan
    shown = client.get("/api/v1/config", headers=admin_headers).json()
    assert SECRET not in json.dumps(shown)
    with db.session() as session:
        stored = config_service.current_section(session, "action_items")
        assert SECRET not in json.dumps(stored)
        assert stored["export"]["webhook_url"].startswith("http://127.0.0.1:")


@pytest.mark.parametrize(
    "url", ["ftp://tracker.example/hook", f"tracker.example/{SECRET}", f"https:// /{SECRET}"]
)
def test_a_bad_webhook_url_is_a_config_problem_that_does_not_repeat_it(url: str) -> None:
    _, problems = config_service.load_files({"org.yaml": org("127.0.0.1:9", export_config(url))})
    lines = problems.lines()
    assert lines and any("action_items" in line and "webhook_url" in line for line in lines)
    assert all(SECRET not in line for line in lines)


def test_only_a_web_address_from_the_tracker_is_kept_as_the_link(
    client: TestClient,
    admin_headers: dict[str, str],
    number: int,
    worker: Worker,
    tracker: Tracker,
    applied: Callable[[str], Any],
) -> None:
    applied(export_config(tracker.url, automatic="true"))
    tracker.answers = [(200, {"number": 981, "url": "javascript:alert(1)"}), (202, {})]
    first = add(client, admin_headers, number, title="first")
    run_due(worker)
    second = add(client, admin_headers, number, title="second")
    run_due(worker)
    shown = [
        client.get(f"/api/v1/action-items/{i['id']}", headers=admin_headers).json()["export"]
        for i in (first, second)
    ]
    assert [(e["state"], e["status_code"]) for e in shown] == [("sent", 200), ("sent", 202)]
    assert (shown[0]["ref"], shown[0]["url"]) == ("981", None)
    assert (shown[1]["ref"], shown[1]["url"]) == (None, None)


def test_automatic_export_leaves_a_private_incidents_items_until_asked(
    client: TestClient,
    admin_headers: dict[str, str],
    db: Database,
    clock: FakeClock,
    worker: Worker,
    tracker: Tracker,
    applied: Callable[[str], Any],
) -> None:
    applied(export_config(tracker.url, automatic="true"))
    with db.session() as session:
        private = incidents.open_incident(
            session, clock, actor="ana@corp.test", title="Leaked credentials",
            severity="P1", services=["api"], private=True,
        ).number  # fmt: skip
    item = add(client, admin_headers, private, title="rotate every key")
    assert item["export"]["state"] is None
    run_due(worker)
    assert tracker.received == []
    add(client, admin_headers, private, title="asked for", export=True)
    run_due(worker)
    [(_, body)] = tracker.received
    assert body["title"] == "asked for" and body["incident"]["title"] == "Leaked credentials"
