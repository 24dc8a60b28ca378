"""One signed-in session holds at most `events.MAX_STREAMS` live streams at once. Before, a
script with a viewer's cookie could open any number of /ui/events streams, each polling the
database every second; one more than the limit is now a 429, and a stream that ends frees its
place. (The test client runs one stream at a time, so the count is set as a full one.)"""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator, Callable
from typing import Any

import anyio
import anyio.from_thread
import pytest
from fastapi.testclient import TestClient

from tests.integration.web.test_events import _events, _wait_for
from warroom.web import events
from warroom.web.csrf import SESSION_COOKIE


def test_a_session_past_its_streams_is_refused(
    client: TestClient, ui_login: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(events, "POLL_SECONDS", 0.02)
    ui_login(client, "viewer")
    key = hashlib.sha256(client.cookies[SESSION_COOKIE].encode()).hexdigest()[:32]
    client.app.state.event_streams = {key: events.MAX_STREAMS}  # type: ignore[attr-defined]
    with client.stream("GET", "/ui/events") as refused:
        assert refused.status_code == 429
        assert f"at most {events.MAX_STREAMS} live streams" in refused.read().decode()

    opened = {key: events.MAX_STREAMS - 1}
    client.app.state.event_streams = opened  # type: ignore[attr-defined]
    with client.stream("GET", "/ui/events") as answer:
        assert answer.status_code == 200
        _wait_for(_events(answer.iter_lines()), "ready")
    assert opened == {key: events.MAX_STREAMS - 1}  # the ended stream gave its place back


async def _forever() -> AsyncIterator[dict[str, Any]]:
    while True:
        yield {"event": "ready", "data": "{}"}
        await anyio.sleep(0)


def test_streams_started_together_are_counted_one_by_one(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(events, "MAX_STREAMS", 1)
    opened: dict[str, int] = {}

    async def both() -> tuple[str, str]:
        first = events._counted(opened, "k", _forever())
        second = events._counted(opened, "k", _forever())
        one, two = await first.__anext__(), await second.__anext__()
        assert opened == {"k": 1}
        await first.aclose()
        await second.aclose()
        return one["event"], two["event"]

    # On an event loop of its own thread: a test before this one in the process (the browser
    # tests' sync API) may leave a loop running in this thread, and anyio.run refuses then.
    with anyio.from_thread.start_blocking_portal() as portal:
        assert portal.call(both) == ("ready", "busy")
    assert opened == {}
