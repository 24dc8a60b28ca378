"""Conditional GETs of the public page: every public read carries an ETag and Cache-Control,
answers 304 to a reader that has it, and a new tag once what it shows changes.

Before, only `/status` said `Cache-Control` (the JSON, whose constant was named for it, did
not) and no answer had an ETag: a widget polling summary.json got the whole body every time.
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.statuspage.page import apply, open_incident
from warroom.clock import FakeClock
from warroom.comms import service as comms
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.statuspage import service as statuspage

ROUTES = [
    "/status",
    "/status/incidents/{id}",
    "/status/history",
    "/status/feed.atom",
    "/status/api/v2/summary.json",
    "/status/api/v2/status.json",
    "/status/api/v2/components.json",
    "/status/api/v2/incidents.json",
    "/status/api/v2/incidents/unresolved.json",
    "/status/api/v2/scheduled-maintenances.json",
]


def _published(db: Database, clock: FakeClock) -> tuple[int, int]:
    """An open SEV1 incident published on `api`: its number and public id."""
    apply(db, clock)
    number = open_incident(db, clock)
    with db.session() as session:
        record = statuspage.publish(
            session, clock, number, name="Slow API", components=["api"],
            message="We are investigating.", actor="ic@corp.test",
        )  # fmt: skip
        session.commit()
        return number, record.id


@pytest.mark.parametrize("route", ROUTES)
def test_a_reader_with_the_tag_gets_a_304_until_the_page_changes(
    db: Database, clock: FakeClock, client: TestClient, route: str
) -> None:
    number, public_id = _published(db, clock)
    path = route.format(id=public_id)

    first = client.get(path)
    assert first.status_code == 200
    tag = first.headers["etag"]
    assert tag.startswith('"') and tag.endswith('"')
    assert first.headers["cache-control"] == "public, max-age=10"

    again = client.get(path, headers={"If-None-Match": tag})
    assert again.status_code == 304
    assert again.content == b""
    assert (again.headers["etag"], again.headers["cache-control"]) == (tag, "public, max-age=10")
    for header in (f'"other", {tag}', f"W/{tag}", "*"):
        assert client.get(path, headers={"If-None-Match": header}).status_code == 304, header
    assert client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200

    # Internal work changes nothing public: the tag stays (it tells nothing of it either).
    clock.advance(minutes=5)
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.add_note(session, clock, incident, text="zq internal note", actor="ic@corp.test")
        comms.post_update(session, clock, number=number, state="identified",
                          internal="zq internal only", actor="ic@corp.test",
                          smtp_url="mailto://127.0.0.1:9")  # fmt: skip
        session.commit()
    assert client.get(path, headers={"If-None-Match": tag}).status_code == 304

    clock.advance(minutes=5)
    with db.session() as session:
        comms.post_update(session, clock, number=number, state="identified",
                          internal="zq internal", public="We found the cause.",
                          actor="ic@corp.test", smtp_url="mailto://127.0.0.1:9")  # fmt: skip
        session.commit()
    # A public update moves what every route shows (at least the page's updated_at).
    changed = client.get(path, headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["etag"] != tag


@pytest.mark.parametrize("route", ROUTES)
def test_head_answers_as_get_without_a_body(
    db: Database, clock: FakeClock, client: TestClient, route: str
) -> None:
    """Uptime monitors ask with HEAD: it was a 405 on every public route."""
    _, public_id = _published(db, clock)
    path = route.format(id=public_id)
    get, head = client.get(path), client.head(path)
    assert head.status_code == 200
    assert head.content == b""
    assert head.headers["etag"] == get.headers["etag"]
    assert head.headers["content-type"] == get.headers["content-type"]
    assert client.head(path, headers={"If-None-Match": get.headers["etag"]}).status_code == 304


def test_head_is_not_listed_twice_in_the_api_document(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not [p for p, ops in paths.items() if p.startswith("/status") and "head" in ops]


@pytest.mark.parametrize("route", [r for r in ROUTES if "{id}" not in r])
def test_a_quiet_page_keeps_its_tag_as_time_passes(
    db: Database, clock: FakeClock, client: TestClient, route: str
) -> None:
    """With no incident in the history the feed said <updated> now on every request (on a real
    serve each poll of /status/feed.atom had a new ETag), so a feed reader never got a 304 and
    saw the feed change each time though nothing had happened."""
    apply(db, clock)
    first = client.get(route)
    clock.advance(minutes=7)
    again = client.get(route, headers={"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304, route
