"""Listing what belongs to incidents stays one statement of fixed size however many private
incidents the caller may not see: the filter was one bound parameter per hidden incident, and
past SQLite's 32,766 or PostgreSQL's 65,535 parameters every list a non-admin asked for
(alerts, notifications, action runs, postmortems, action items, drills, the web pages that show
them) failed with a 500.

66,000 private incidents are written with one INSERT ... SELECT; a viewer who is no member of any
lists each kind of thing and gets the public incident's row, not the hidden ones'.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, insert, literal, select

from tests.factories import make_incident
from tests.integration.web.conftest import make_ui_user, ui_login
from warroom.clock import FakeClock
from warroom.db import Database, JSONDoc, UTCDateTime
from warroom.incidents.models import Incident
from warroom.intake.models import Alert

__all__ = ["make_ui_user", "ui_login"]  # fixtures

H = dict[str, str]
HIDDEN = 66_000  # past PostgreSQL's 65,535 parameters in a statement
# SQLite's default limit; Debian's library is built with 250,000.
SQLITE_PARAMETERS = 32_766


@pytest.fixture
def sqlite_default_limit(db: Database) -> Iterator[None]:
    """SQLite connections hold the upstream default limit on a statement's parameters."""

    def limit(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, SQLITE_PARAMETERS)

    if db.dialect != "sqlite":
        yield
        return
    event.listen(db.engine, "checkout", limit)
    yield
    event.remove(db.engine, "checkout", limit)


def _bulk_private(db: Database, clock: FakeClock, count: int) -> None:
    """`count` private incidents of someone else's, in one INSERT ... SELECT (a recursive
    count: no row crosses the wire)."""
    now = clock.now()
    n = select(literal(1).label("i")).cte("n", recursive=True)
    n = n.union_all(select(n.c.i + 1).where(n.c.i < count))
    values = {
        "number": n.c.i + 1_000_000,
        "title": literal("private"),
        "summary": literal(""),
        "severity": literal("SEV2"),
        "status": literal("triggered"),
        "impact": literal({}, JSONDoc()),
        "drill": literal(False),
        "private": literal(True),
        "tags": literal([], JSONDoc()),
        "source": literal("manual"),
        "created_by": literal("someone@example.com"),
        "reopen_count": literal(0),
        **{
            column: literal(now, UTCDateTime())
            for column in (
                "opened_at",
                "updated_at",
                "last_internal_update_at",
                "last_external_update_at",
            )
        },
    }
    query = select(*(v.label(k) for k, v in values.items()))
    with db.session() as session:
        session.execute(insert(Incident).from_select(list(values), query))
        session.commit()


def _alert(db: Database, clock: FakeClock, incident_id: int) -> int:
    with db.session() as session:
        now = clock.now().astimezone(UTC)
        alert = Alert(
            integration="api",
            fingerprint=f"fp-{incident_id}",
            status="firing",
            labels={},
            annotations={},
            links=[],
            raw={},
            first_seen_at=now,
            last_seen_at=now,
            incident_id=incident_id,
        )
        session.add(alert)
        session.commit()
        return alert.id


def test_lists_answer_with_more_hidden_incidents_than_a_statement_has_parameters(
    db: Database,
    clock: FakeClock,
    client: TestClient,
    viewer_headers: H,
    admin_headers: H,
    ui_login: Callable[..., Any],
    sqlite_default_limit: None,
) -> None:
    with db.session() as session:
        public = make_incident(session, clock, title="public", actor="boss@example.com").id
    alert = _alert(db, clock, public)
    _bulk_private(db, clock, HIDDEN)
    with db.session() as session:
        hidden = session.scalars(select(Incident.id).where(Incident.number == 1_000_001)).one()
    hidden_alert = _alert(db, clock, hidden)
    for url in (
        "/api/v1/alerts",
        "/api/v1/notifications",
        "/api/v1/actions/runs",
        "/api/v1/postmortems",
        "/api/v1/action-items",
        "/api/v1/drills",
        "/api/v1/drills/report",
        "/api/v1/incidents",
    ):
        answer = client.get(url, headers=viewer_headers)
        assert answer.status_code == 200, (url, answer.text[:300])
    alerts = client.get("/api/v1/alerts", headers=viewer_headers).json()
    assert [a["id"] for a in alerts] == [alert]
    assert client.get(f"/api/v1/alerts/{hidden_alert}", headers=viewer_headers).status_code == 404
    assert client.get(f"/api/v1/alerts/{alert}", headers=viewer_headers).status_code == 200
    everything = client.get("/api/v1/alerts", headers=admin_headers).json()
    assert [a["id"] for a in everything] == [hidden_alert, alert]
    incidents = client.get("/api/v1/incidents", headers=viewer_headers).json()
    assert [i["title"] for i in incidents["items"]] == ["public"]
    ui_login(client, "viewer")
    for url in ("/ui/", "/ui/alerts", "/ui/postmortems", "/ui/action-items", "/ui/incidents"):
        page = client.get(url)
        assert page.status_code == 200, (url, page.text[:300])
