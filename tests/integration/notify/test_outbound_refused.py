"""Deliveries never reach a refused destination (warroom.outbound): not written in the URL,
not through a name resolving to one, not through a redirect, not by a name that resolves
elsewhere when connected to. A refused message fails at once, saying why, on both databases.

The metadata service is a local stand-in reached as 0.0.0.0 (which reaches this host), or a
name the resolver hook maps to 169.254.169.254; loopback stays allowed unless
WARROOM_OUTBOUND_PRIVATE=deny."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.factories import make_incident
from tests.integration.notify.outbound_servers import SECRET, Host, http_host
from tests.integration.notify.receivers import smtp_server
from warroom import outbound
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.options import EngineOptions
from warroom.engine.worker import Worker
from warroom.notify import senders, service
from warroom.notify.models import FAILED, SENT, Message
from warroom.settings import Settings


@pytest.fixture(autouse=True)
def real_sender() -> Iterator[None]:
    senders.set_sender(None)
    yield
    outbound.set_resolver(None)


@pytest.fixture
def meta() -> Iterator[Host]:
    with http_host() as host:
        yield host


def deny(settings: Settings) -> Settings:
    return settings.model_copy(update={"outbound_private": "deny"})


def deliver(db: Database, clock: FakeClock, settings: Settings, url: str, **fields: Any) -> Message:
    """Queue one message to `url`, run the worker once, and read the message back."""
    options = EngineOptions(backoff_base_seconds=10, backoff_max_seconds=60)
    with db.session() as session:
        message_id = service.queue_message(
            session, clock, url=url, title="[SEV1] INC-1: checkout down", body="Acknowledge",
            incident_id=fields.get("incident_id"), user_id=None,
            idempotency_key=f"page:{url}", purpose="page",
        ).id  # fmt: skip
    Worker(db, clock, settings, "w1", options=options).run_once()
    with db.session() as session:
        return service.get_message(session, message_id)


def refused(message: Message, why: str) -> None:
    assert (message.state, message.attempts) == (FAILED, 1), message.provider_answer
    assert message.provider_answer is not None
    assert message.provider_answer.startswith("refused to call "), message.provider_answer
    assert why in message.provider_answer


def test_a_webhook_to_a_metadata_address_fails_at_once_saying_why(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    with db.session() as session:
        incident_id = make_incident(session, clock).id
    url = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"
    message = deliver(db, clock, settings, url, incident_id=incident_id)
    refused(message, "169.254.169.254, a link-local address (cloud metadata services)")
    with db.session() as session:
        events = timeline.last_events(session, incident_id=incident_id, count=20)
    [failed] = [e for e in events if e.kind == "paging:notification:failed"]
    assert "169.254.169.254, a link-local address" in failed.payload["answer"]


@pytest.mark.parametrize("scheme", ["http", "json"])
def test_the_unspecified_address_does_not_reach_this_host(
    db: Database, clock: FakeClock, settings: Settings, meta: Host, scheme: str
) -> None:
    message = deliver(db, clock, settings, f"{scheme}://0.0.0.0:{meta.port}/latest/meta-data/")
    refused(message, "0.0.0.0, an unspecified address")
    assert meta.seen == []
    assert SECRET not in (message.provider_answer or "")


@pytest.mark.parametrize("scheme", ["http", "json"])
def test_a_name_resolving_to_the_metadata_address_is_refused(
    db: Database, clock: FakeClock, settings: Settings, scheme: str
) -> None:
    outbound.set_resolver(lambda host, port: ["169.254.169.254"] if host == "meta.test" else [])
    message = deliver(db, clock, settings, f"{scheme}://meta.test/latest/meta-data/")
    refused(message, "meta.test, which resolves to 169.254.169.254, a link-local")


def test_an_apprise_webhook_redirected_to_the_metadata_service_does_not_follow(
    db: Database, clock: FakeClock, settings: Settings, meta: Host
) -> None:
    with http_host(location=f"http://0.0.0.0:{meta.port}/latest/meta-data/") as redirector:
        message = deliver(db, clock, settings, f"json://127.0.0.1:{redirector.port}/hook")
        assert redirector.seen == ["POST /hook"]
    refused(message, "0.0.0.0, an unspecified address")
    assert meta.seen == []


def test_a_plain_webhook_answered_with_a_redirect_fails_without_following(
    db: Database, clock: FakeClock, settings: Settings, meta: Host
) -> None:
    with http_host(location=f"http://0.0.0.0:{meta.port}/latest/meta-data/") as redirector:
        message = deliver(db, clock, settings, f"http://127.0.0.1:{redirector.port}/hook")
    assert (message.state, message.attempts) == (FAILED, 1)
    assert (message.provider_answer or "").startswith("HTTP 302 Found")
    assert meta.seen == []


@pytest.mark.parametrize("scheme", ["http", "json"])
def test_loopback_is_allowed_by_default_and_refused_on_deny(
    db: Database, clock: FakeClock, settings: Settings, meta: Host, scheme: str
) -> None:
    sent = deliver(db, clock, settings, f"{scheme}://localhost:{meta.port}/allowed")
    assert sent.state == SENT
    message = deliver(db, clock, deny(settings), f"{scheme}://localhost:{meta.port}/denied")
    refused(message, "localhost, which resolves to ")
    assert "a loopback address (WARROOM_OUTBOUND_PRIVATE=deny)" in (message.provider_answer or "")
    assert [s.split()[1] for s in meta.seen] == ["/allowed"]


@pytest.mark.parametrize("scheme", ["http", "json"])
def test_a_name_resolving_elsewhere_when_connected_to_is_refused_by_the_address_reached(
    db: Database, clock: FakeClock, settings: Settings, meta: Host, scheme: str
) -> None:
    # The check's look-up says a public address; the connection's own reaches 127.0.0.1.
    outbound.set_resolver(lambda host, port: ["93.184.216.34"])
    message = deliver(db, clock, deny(settings), f"{scheme}://localhost:{meta.port}/rebound")
    refused(message, "127.0.0.1, a loopback address (WARROOM_OUTBOUND_PRIVATE=deny)")
    assert meta.seen == []


def test_an_smtp_server_on_a_refused_address_gets_no_mail(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    with smtp_server() as box:
        url = f"mailto://localhost:{box.port}?from=warroom@example.com&to=jane@example.com&mode=insecure"
        message = deliver(db, clock, deny(settings), url)
        refused(message, "a loopback address (WARROOM_OUTBOUND_PRIVATE=deny)")
        assert box.messages == []


def test_what_viewers_see_of_an_answer_is_its_status_and_a_short_line(
    db: Database, clock: FakeClock, settings: Settings, client: TestClient,
    viewer_headers: dict[str, str],
) -> None:  # fmt: skip
    body = ("line of the receiver's answer\n" * 200).encode()
    with http_host(body=body) as chatty:
        message = deliver(db, clock, settings, f"http://127.0.0.1:{chatty.port}/hook")
    answer = message.provider_answer or ""
    assert answer.startswith("HTTP 200 OK: line of the receiver's answer line of")
    assert len(answer) <= len("HTTP 200 OK: ") + senders.ANSWER_BYTES and "\n" not in answer
    refusal = deliver(db, clock, settings, "http://[::ffff:169.254.169.254]/")
    for one in (message, refusal):
        shown = client.get(f"/api/v1/notifications/{one.id}", headers=viewer_headers)
        assert shown.status_code == 200
        assert shown.json()["provider_answer"] == one.provider_answer
    assert "which is 169.254.169.254, a link-local" in (refusal.provider_answer or "")


@pytest.mark.parametrize("scheme", ["http", "json"])
def test_a_webhook_sent_through_a_proxy_is_judged_by_its_own_host(
    db: Database, clock: FakeClock, settings: Settings, monkeypatch: pytest.MonkeyPatch,
    scheme: str,
) -> None:  # fmt: skip
    # Through a proxy, the connection reaches the proxy: the webhook's host is judged first.
    outbound.set_resolver(lambda host, port: ["169.254.169.254"] if host == "meta.test" else [])
    with http_host() as proxy:
        for name in ("HTTP_PROXY", "http_proxy"):
            monkeypatch.setenv(name, f"http://127.0.0.1:{proxy.port}")
        for name in ("NO_PROXY", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
        message = deliver(db, clock, settings, f"{scheme}://meta.test/latest/meta-data/")
    refused(message, "meta.test, which resolves to 169.254.169.254, a link-local")
    assert proxy.seen == []
