"""Deactivating a person ends their credentials for good: their API tokens are revoked, their
web sessions end, their pending invites are void and so are the page links they were sent.
Reactivating them later brings none of these back (they get new ones).

Before, deactivation only made every credential fail the "is the person active" check, so
the same token answered 200, then 401, then 200 again once they were reactivated (their
calendar feed's URL too, until this stop). Each way a
person is deactivated is checked: the admin page, and a config apply (the CLI's `warroom
config apply` and the API's apply run it) that drops them from the users."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import BindApp
from tests.factories import make_incident
from tests.integration.web.conftest import PASSWORD, csrf_of, sign_in
from warroom.auth import invites
from warroom.auth import service as auth_service
from warroom.auth.models import ApiToken, User
from warroom.auth.passwords import hash_password
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.paging import links, people
from warroom.principal import Principal
from warroom.settings import Settings

ADMIN, LEAVER = "ann@example.com", "bob@example.com"


def _person(db: Database, clock: FakeClock, email: str, role: str) -> int:
    with db.session() as session:
        user = auth_service.ensure_user(session, clock, email=email, name=email, role=role)
        user.password_hash = hash_password(PASSWORD)
        session.flush()
        return user.id


class Credentials:
    """Everything a person holds: a token, a signed-in browser, an invite link, a page link."""

    def __init__(self, db: Database, clock: FakeClock, settings: Settings, browser: TestClient):
        self.db, self.clock, self.browser = db, clock, browser
        with db.session() as session:
            user = auth_service.get_user_by_email(session, LEAVER)
            self.user_id = user.id
            _, self.token = auth_service.create_token(session, clock, user, name="laptop")
            admin = auth_service.get_user_by_email(session, ADMIN)
            inviter = Principal(user_id=admin.id, email=admin.email, role="admin")
            _, _, self.invite = invites.create_invite(
                session,
                clock,
                inviter,
                email=LEAVER,
                name=None,
                role=None,
                valid_seconds=86400,
                reset=True,  # they have a password already
            )
            number = make_incident(session, clock).number
            self.feed = f"/ical/users/{people.user_feed_token(session, user)}.ics"
        self.link = "/p/" + links.make_token(
            settings.secret_key,
            purpose="ack",
            incident_number=number,
            user_id=self.user_id,
            now=clock.now(),
        )
        assert sign_in(browser, LEAVER).status_code == 303

    def working(self, api: TestClient) -> dict[str, bool]:
        with self.db.session() as session:
            try:
                invites.open_invite(session, self.clock, self.invite)
                invite = True
            except Exception:
                invite = False
        me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {self.token}"})
        page = self.browser.get("/ui/incidents", follow_redirects=False)
        return {
            "token": me.status_code == 200,
            "session": page.status_code == 200,
            "invite": invite,
            "page link": api.get(self.link).status_code == 200,
            "calendar feed": api.get(self.feed).status_code == 200,
        }


def _app(bind_app: BindApp, db: Database, clock: FakeClock, tmp_path: Any) -> Any:
    settings = Settings(database_url=db.url, secret_key="test-secret", data_dir=tmp_path)
    return settings, bind_app(settings, db, clock)


def test_deactivated_on_the_admin_page_and_reactivated_holds_nothing(
    bind_app: BindApp, db: Database, clock: FakeClock, tmp_path: Any
) -> None:
    settings, app = _app(bind_app, db, clock, tmp_path)
    _person(db, clock, ADMIN, "admin")
    leaver = _person(db, clock, LEAVER, "responder")
    with TestClient(app) as api, TestClient(app) as admin, TestClient(app) as theirs:
        held = Credentials(db, clock, settings, theirs)
        assert held.working(api) == dict.fromkeys(held.working(api), True)
        clock.advance(seconds=60)
        assert sign_in(admin, ADMIN).status_code == 303
        form = csrf_of(admin.get("/ui/admin").text)
        for active in ("0", "1"):  # deactivated, then reactivated
            answer = admin.post(
                f"/ui/admin/users/{leaver}/active",
                data={"active": active, "csrf_token": form},
                follow_redirects=False,
            )
            assert answer.status_code == 303, answer.text
            clock.advance(seconds=60)
        assert held.working(api) == dict.fromkeys(held.working(api), False)
    with db.session() as session:
        token = session.scalar(select(ApiToken).where(ApiToken.user_id == leaver))
        assert token is not None and token.revoked_at is not None


ORG = """\
users:
  - {email: ann@example.com, name: Ann, role: admin}
  - {email: bob@example.com, name: Bob}
"""


def _apply(db: Database, clock: FakeClock, text: str) -> None:
    doc, problems = config_service.load_files({"org.yaml": text})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")


def test_removed_from_the_config_and_added_back_holds_nothing(
    bind_app: BindApp, db: Database, clock: FakeClock, tmp_path: Any
) -> None:
    settings, app = _app(bind_app, db, clock, tmp_path)
    _apply(db, clock, ORG)
    with db.session() as session:
        for user in session.scalars(select(User)):
            user.password_hash = hash_password(PASSWORD)
    with TestClient(app) as api, TestClient(app) as theirs:
        held = Credentials(db, clock, settings, theirs)
        assert held.working(api) == dict.fromkeys(held.working(api), True)
        clock.advance(seconds=60)
        _apply(db, clock, ORG.split("  - {email: bob")[0])  # bob leaves
        clock.advance(seconds=60)
        _apply(db, clock, ORG)  # and comes back
        assert held.working(api) == dict.fromkeys(held.working(api), False)
