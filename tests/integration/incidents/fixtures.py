"""Fixtures shared by the incident, audit and evidence tests (imported by their conftests)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from tests.factories import seed_catalog
from warroom import events
from warroom.db import Database

MINE = ("warroom.incidents", "warroom.audit", "warroom.evidence")


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
def only_our_subscribers(request: pytest.FixtureRequest) -> Iterator[None]:
    """Exact timelines in these tests: other domains' subscribers are set aside unless the
    test asks for `all_domains`."""
    if "all_domains" in request.fixturenames:
        yield
        return
    saved = list(events._subscribers)
    events._subscribers[:] = [
        (p, h) for p, h in saved if getattr(h, "__module__", "").startswith(MINE)
    ]
    try:
        yield
    finally:
        events._subscribers[:] = saved
