"""POST /api/v1/notifications/test: only yourself or an admin, and not over and over."""

from __future__ import annotations

from fastapi.testclient import TestClient
from httpx import Response
from sqlalchemy import func, select

from tests.conftest import MakeToken
from tests.integration.paging.world import apply
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.notify.models import Message

ORG = """\
users:
  - email: oncall1@atlas.test
    name: On-call One
    contact_methods:
      - {name: webhook, url: "json://127.0.0.1:9/hook"}
  - email: other@atlas.test
    name: Other
    contact_methods:
      - {name: webhook, url: "json://127.0.0.1:9/other"}
"""


def _headers(make_token: MakeToken, role: str, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(role, email=email)}"}


def _tests_queued(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count(Message.id))) or 0)


def _test(client: TestClient, headers: dict[str, str], user: str) -> Response:
    return client.post("/api/v1/notifications/test", json={"user": user}, headers=headers)


def test_a_responder_may_test_only_their_own_contact_methods(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    apply(db, clock, ORG)
    oncall = _headers(make_token, "responder", "oncall1@atlas.test")
    other = _test(client, oncall, "other@atlas.test")
    assert other.status_code == 403 and other.json()["error"]["field"] == "user"
    assert _tests_queued(db) == 0
    own = _test(client, oncall, "OnCall1@atlas.test")
    assert own.status_code == 202, own.text
    assert _tests_queued(db) == 1
    admin = _headers(make_token, "admin", "boss@atlas.test")
    assert _test(client, admin, "other@atlas.test").status_code == 202
    assert _tests_queued(db) == 2


def test_repeated_test_pages_are_rate_limited_per_person(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    apply(db, clock, ORG)
    admin = _headers(make_token, "admin", "boss@atlas.test")
    assert _test(client, admin, "oncall1@atlas.test").status_code == 202
    again = _test(client, admin, "oncall1@atlas.test")
    assert again.status_code == 429
    assert again.headers["Retry-After"] == "60"
    assert again.json()["error"]["field"] == "user"
    assert _tests_queued(db) == 1
    clock.advance(seconds=45)
    later = _test(client, admin, "oncall1@atlas.test")
    assert later.headers["Retry-After"] == "15"
    assert _test(client, admin, "other@atlas.test").status_code == 202
    clock.advance(seconds=15)
    assert _test(client, admin, "oncall1@atlas.test").status_code == 202
    assert _tests_queued(db) == 3
