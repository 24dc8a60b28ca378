"""Two admins who take each other's admin role (or deactivate each other) at the same moment
leave warroom with one active admin, not none ("the last active admin stays an active admin"),
and the second change, once its turn comes, is refused: its sender is no admin any more.

Each change counted the other active admins, then wrote: two changes in flight each counted
the other's admin as still there, and both went through. Forced on PostgreSQL: the first change
stops right after its count; the second must wait for it, then is refused. On SQLite the count
is read inside the write transaction (another writer is locked out at that moment)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import BindApp
from tests.integration.concurrency.world import Pause, Run, WriteProbe, paused, wait_blocked_or_done
from tests.integration.web.conftest import PASSWORD, csrf_of, sign_in
from warroom.auth import service as auth_service
from warroom.auth.models import User
from warroom.auth.passwords import hash_password
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.settings import Settings

# The guard's count of the other active admins.
COUNT = r"SELECT count\(users\.id\)"
CHANGES = [("role", {"role": "responder"}), ("active", {"active": "0"})]


@pytest.fixture
def admins(
    bind_app: BindApp, db: Database, clock: FakeClock, tmp_path: Any
) -> Iterator[list[tuple[TestClient, int, str]]]:
    """Three admins, each signed in in a browser of their own: (browser, user id, form token)."""
    settings = Settings(database_url=db.url, secret_key="test-secret", data_dir=tmp_path)
    app = bind_app(settings, db, clock)
    found = []
    with TestClient(app) as one, TestClient(app) as two, TestClient(app) as three:
        people = ((one, "ann@example.com"), (two, "bob@example.com"), (three, "cy@example.com"))
        for client, email in people:
            with db.session() as session:
                user = auth_service.ensure_user(
                    session, clock, email=email, name=email, role="admin"
                )
                user.password_hash = hash_password(PASSWORD)
                session.flush()
                user_id = user.id
            assert sign_in(client, email).status_code == 303
            found.append((client, user_id, csrf_of(client.get("/ui/admin").text)))
        yield found


def _change(browser: tuple[TestClient, int, str], other: int, what: str, data: Any) -> Any:
    client, _, token = browser
    url = f"/ui/admin/users/{other}/{what}"
    return client.post(url, data=data | {"csrf_token": token}, follow_redirects=False)


def _active_admins(db: Database) -> int:
    with db.session() as session:
        query = select(func.count(User.id)).where(User.role == "admin", User.active.is_(True))
        return int(session.scalar(query) or 0)


@pytest.mark.parametrize(("what", "data"), CHANGES)
def test_two_admins_demoting_each_other_at_once_leave_one(
    admins: list[tuple[TestClient, int, str]], db: Database, what: str, data: Any
) -> None:
    ann, bob, cy = admins
    with db.session() as session:  # two admins: ann and bob
        session.get(User, cy[1]).role = "responder"  # type: ignore[union-attr]
    first: list[int] = []
    pause = Pause(COUNT, only=lambda: not first)
    probe = WriteProbe(db)
    if db.url.startswith("sqlite"):
        pause.inside = probe
    with paused(db, pause):
        one = Run(lambda: _change(ann, bob[1], what, data))
        one.start()
        pause.wait_reached()  # ann's change counted bob as the other admin, and waits
        first.append(-1)
        two = Run(lambda: _change(bob, ann[1], what, data))
        two.start()
        # PostgreSQL: bob's change passed the page's role check and waits for ann's to end.
        blocked = db.url.startswith("sqlite") or wait_blocked_or_done(db, two)
        pause.resume()
        answers = [one.outcome(), two.outcome()]
    assert _active_admins(db) == 1, "both changes went through: warroom has no admin left"
    if db.url.startswith("sqlite"):
        # bob's change ran before or after ann's, never between her count and her write.
        assert probe.locked_out, "another change could have been written between count and write"
        return
    assert blocked, "bob's change waits for ann's"
    assert [a.status_code for a in answers] == [303, 303]
    assert "you are no longer one" in bob[0].get("/ui/admin").text


def test_an_admin_demoted_meanwhile_changes_nobody(
    admins: list[tuple[TestClient, int, str]], db: Database
) -> None:
    """Ann takes bob's admin role while bob takes ann's, with cy a third admin: bob's change,
    sent while he was an admin, waits for ann's; once it goes on he is a responder, and a
    responder changes nobody (it was carried out: ann lost her role to a non-admin)."""
    ann, bob, _ = admins
    first: list[int] = []
    pause = Pause(COUNT, only=lambda: not first)
    with paused(db, pause):
        one = Run(lambda: _change(ann, bob[1], "role", {"role": "responder"}))
        one.start()
        pause.wait_reached()
        first.append(-1)
        two = Run(lambda: _change(bob, ann[1], "role", {"role": "responder"}))
        two.start()
        blocked = db.url.startswith("sqlite") or wait_blocked_or_done(db, two)
        pause.resume()
        one.outcome(), two.outcome()
    with db.session() as session:
        roles = {u.email: u.role for u in session.scalars(select(User))}
    assert roles == {
        "ann@example.com": "admin",
        "bob@example.com": "responder",
        "cy@example.com": "admin",
    }
    assert blocked
