"""A config apply and an admin-page change of people at once leave warroom an active admin.

The apply counted the active admins (its lockout guard) without taking the turn the admin page
takes for changes of people (5d60c6e): with ann and bob admins, an apply that makes ann a
responder and ann demoting bob on the page at the same moment each saw the other's admin still
there, and warroom was left with none. Forced on PostgreSQL: the apply stops just before it
records its revision; ann's change must wait for it, then is refused (she is no admin any
more). On SQLite both are writers, one after the other."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import BindApp
from tests.integration.concurrency.world import Pause, Run, paused, wait_blocked_or_done
from tests.integration.web.conftest import PASSWORD, csrf_of, sign_in
from warroom.auth import service as auth_service
from warroom.auth.models import User
from warroom.auth.passwords import hash_password
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.settings import Settings

ANN_A_RESPONDER = "users:\n  - {email: ann@example.com, name: Ann, role: responder}\n"


def _apply(db: Database, clock: FakeClock) -> None:
    doc, problems = config_service.load_files({"org.yaml": ANN_A_RESPONDER})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")


def _admins(db: Database) -> list[str]:
    with db.session() as session:
        query = select(User.email).where(User.role == "admin", User.active.is_(True))
        return sorted(session.scalars(query))


def test_an_apply_and_a_demotion_on_the_admin_page_leave_an_admin(
    bind_app: BindApp, db: Database, clock: FakeClock, tmp_path: Any
) -> None:
    settings = Settings(database_url=db.url, secret_key="test-secret", data_dir=tmp_path)
    app = bind_app(settings, db, clock)
    with db.session() as session:
        ids = {}
        for email in ("ann@example.com", "bob@example.com"):
            user = auth_service.ensure_user(session, clock, email=email, name=email, role="admin")
            user.password_hash = hash_password(PASSWORD)
            session.flush()
            ids[email] = user.id
    with TestClient(app) as ann:
        assert sign_in(ann, "ann@example.com").status_code == 303
        form = csrf_of(ann.get("/ui/admin").text)
        pause = Pause(r"INSERT INTO config_revisions")
        with paused(db, pause):
            apply = Run(lambda: _apply(db, clock))
            apply.start()
            pause.wait_reached()  # the apply made ann a responder, counted bob, and waits
            demote = Run(
                lambda: ann.post(
                    f"/ui/admin/users/{ids['bob@example.com']}/role",
                    data={"role": "responder", "csrf_token": form},
                    follow_redirects=False,
                )
            )
            demote.start()
            blocked = db.url.startswith("sqlite") or wait_blocked_or_done(db, demote)
            pause.resume()
            apply.outcome()
            answer = demote.outcome()
    assert _admins(db) == ["bob@example.com"], "warroom was left with no active admin"
    assert blocked, "ann's change waits for the apply"
    assert answer.status_code in (303, 403), answer.text  # refused: no admin any more
    with db.session() as session:
        count = session.scalar(select(func.count(User.id)).where(User.role == "admin"))
        assert count == 1
