"""A long history: anyone may ask for the feed, the JSON and the history, so each reads a
bounded slice (the 50 newest, the history 50 a page) and costs no more as the history grows.

With 5,000 published incidents in 90 days, `/status/history` took 28 s and answered 2.2 MB,
`incidents.json` 22 s and 6.2 MB, and the Atom feed 18 s (it built every incident of the
history, then kept 50): a few anonymous requests held the server.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import event

from tests.integration.statuspage.page import apply, open_incident
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.incidents.moves import resolve
from warroom.statuspage import service as statuspage


def _history(db: Database, clock: FakeClock, first: int, count: int) -> None:
    """`count` incidents, each published as "Outage #N#" and resolved, an hour apart."""
    for n in range(first, first + count):
        clock.advance(hours=1)
        number = open_incident(db, clock)
        with db.session() as session:
            statuspage.publish(session, clock, number, name=f"Outage #{n}#", components=["api"],
                               message="We are investigating.", actor="ic@corp.test")  # fmt: skip
            incident = incidents.get_incident(session, number)
            resolve(session, clock, incident, actor="ic@corp.test")
            session.commit()


def _names(text: str) -> list[int]:
    return [int(n) for n in re.findall(r"Outage #(\d+)#", text)]


@contextmanager
def _counting(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def test_the_history_shows_fifty_incidents_a_page_newest_first(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    apply(db, clock)
    _history(db, clock, 1, 55)

    first = client.get("/status/history")
    assert first.status_code == 200
    assert _names(first.text) == list(range(55, 5, -1))
    assert 'href="http://127.0.0.1:8080/status/history?page=2" rel="next"' in first.text
    assert 'rel="prev"' not in first.text

    second = client.get("/status/history", params={"page": 2})
    assert _names(second.text) == [5, 4, 3, 2, 1]
    assert 'href="http://127.0.0.1:8080/status/history" rel="prev"' in second.text
    assert 'rel="next"' not in second.text

    assert "No incidents" in client.get("/status/history", params={"page": 3}).text
    for wrong in ("0", "-1", "x"):
        answer = client.get("/status/history", params={"page": wrong})
        assert answer.status_code == 422, wrong
        assert answer.json()["error"]["field"] == "page"


def test_the_json_and_the_feed_give_the_fifty_newest(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    apply(db, clock)
    _history(db, clock, 1, 55)

    listed = client.get("/status/api/v2/incidents.json").json()["incidents"]
    assert [int(i["name"].strip("Outage #")) for i in listed] == list(range(55, 5, -1))
    feed = client.get("/status/feed.atom").text
    assert _names(feed) == list(range(55, 5, -1))


def test_a_longer_history_costs_the_feed_and_the_json_no_more_statements(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    apply(db, clock)
    _history(db, clock, 1, 52)
    routes = ("/status/feed.atom", "/status/api/v2/incidents.json", "/status/history")
    for route in routes:  # the first request of a route warms caches: not counted
        client.get(route)
    before = {}
    for route in routes:
        with _counting(db) as seen:
            assert client.get(route).status_code == 200
        before[route] = len(seen)

    _history(db, clock, 53, 20)
    clock.advance(timedelta(minutes=1))
    for route in routes:
        client.get(route)
        with _counting(db) as seen:
            assert client.get(route).status_code == 200
        assert len(seen) == before[route], route
