"""Fixtures shared by the incident, audit and evidence tests (imported by their conftests)."""

from __future__ import annotations

from collections.abc import Iterator
from fnmatch import fnmatchcase

import pytest
from sqlalchemy.orm import Session

from tests.factories import seed_catalog
from warroom import events
from warroom.audit import service as audit_service
from warroom.clock import Clock
from warroom.db import Database

MINE = ("warroom.incidents", "warroom.audit", "warroom.evidence", "tests.")


@pytest.fixture
def seeded(db: Database) -> Database:
    """The database with SEV0..SEV3 and a few services."""
    with db.session() as session:
        seed_catalog(session)
    return db


@pytest.fixture
def session(seeded: Database) -> Iterator[Session]:
    """A session on the seeded database; tests commit what they want kept."""
    s = seeded.sessions()
    try:
        yield s
    finally:
        s.rollback()
        s.close()


@pytest.fixture
def all_domains() -> None:
    """Ask for this to keep every domain's event subscribers (paging, intake...) active."""


@pytest.fixture(autouse=True)
def only_our_subscribers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Exact timelines in these tests: other domains' subscribers (paging, intake...) are not
    called unless the test asks for `all_domains`."""
    if "all_domains" in request.fixturenames:
        return

    def publish(session: Session, clock: Clock, event: events.DomainEvent) -> None:
        for pattern, handler in list(events._subscribers):
            if getattr(handler, "__module__", "").startswith(MINE) and fnmatchcase(
                event.kind, pattern
            ):
                handler(session, clock, event)

    monkeypatch.setattr(audit_service, "publish", publish)
