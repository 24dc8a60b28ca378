"""Page links act in their holder's name: deactivating the holder, or making them a viewer,
voids every link."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import MakeToken
from tests.factories import make_incident, make_user
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.paging import links
from warroom.settings import Settings


def _setup(db: Database, clock: FakeClock, settings: Settings) -> tuple[int, str, str]:
    with db.session() as session:
        user = make_user(session, clock, "oncall@example.com")
        number = make_incident(session, clock).number
        user_id = user.id

    def link(purpose: str) -> str:
        token = links.make_token(
            settings.secret_key,
            purpose=purpose,
            incident_number=number,
            user_id=user_id,
            now=clock.now(),
        )
        return f"/p/{token}"

    return number, link("ack"), link("resolve")


def _deactivate(db: Database, email: str) -> None:
    from warroom.auth import service as auth_service

    with db.session() as session:
        auth_service.get_user_by_email(session, email).active = False


def _status(db: Database, number: int) -> str:
    with db.session() as session:
        return incidents.get_incident(session, number).status


def test_links_of_a_deactivated_user_are_void(
    client: TestClient, db: Database, clock: FakeClock, settings: Settings
) -> None:
    number, ack, resolve = _setup(db, clock, settings)
    assert client.get(ack).status_code == 200  # valid while the holder is active

    _deactivate(db, "oncall@example.com")

    for url in (ack, resolve):
        shown = client.get(url)
        assert shown.status_code == 410
        assert "no longer active" in shown.text
        assert "<form" not in shown.text
        acted = client.post(url)
        assert acted.status_code == 410
        assert "no longer active" in acted.text
    assert _status(db, number) == "triggered"


def test_links_of_an_active_user_still_act(
    client: TestClient, db: Database, clock: FakeClock, settings: Settings
) -> None:
    number, ack, _ = _setup(db, clock, settings)
    done = client.post(ack)
    assert done.status_code == 200 and "acknowledged" in done.text
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        assert (incident.status, incident.acknowledged_by) == ("acknowledged", "oncall@example.com")


def test_links_of_a_deleted_user_are_void(
    client: TestClient, db: Database, clock: FakeClock, settings: Settings
) -> None:
    from warroom.auth.models import User

    number, ack, _ = _setup(db, clock, settings)
    with db.session() as session:
        user = session.query(User).filter_by(email="oncall@example.com").one()
        session.delete(user)
    assert client.post(ack).status_code == 410
    assert _status(db, number) == "triggered"


def test_links_of_a_person_made_a_viewer_are_void(
    client: TestClient, db: Database, clock: FakeClock, settings: Settings
) -> None:
    """A viewer may not acknowledge or resolve (API, CLI, pages): nor may the links they were
    sent before an admin took that right away (as a token never has more rights than its user)."""
    from warroom.auth import service as auth_service

    number, ack, resolve = _setup(db, clock, settings)
    with db.session() as session:
        auth_service.get_user_by_email(session, "oncall@example.com").role = "viewer"
    for url in (ack, resolve):
        shown = client.get(url)
        assert shown.status_code == 410 and "<form" not in shown.text, shown.text
        acted = client.post(url)
        assert acted.status_code == 410 and "is a viewer" in acted.text, acted.text
    assert _status(db, number) == "triggered"


def test_invite_links_of_an_admin_who_left_or_was_demoted_are_void(
    client: TestClient, db: Database, clock: FakeClock, make_token: MakeToken
) -> None:
    # The inviting admin holds every link they made (the API answers it): once they are
    # deactivated or no longer an admin, a link nobody used must not set a password for them.
    from warroom.auth.models import User

    make_token("admin", email="boss@example.com")  # a second admin stays
    leaver = {"Authorization": f"Bearer {make_token('admin', email='leaver@example.com')}"}
    links = {}
    for email in ("new-admin@example.com", "new-lead@example.com"):
        made = client.post(
            "/api/v1/users/invite", json={"email": email, "role": "admin"}, headers=leaver
        )
        assert made.status_code == 201, made.text
        links[email] = made.json()["link"].split("8080", 1)[1]
        assert client.get(links[email]).status_code == 200
    with db.session() as session:
        leaving = session.scalar(select(User).where(User.email == "leaver@example.com"))
        assert leaving is not None
        leaving.role = "responder"
    assert client.get(links["new-admin@example.com"]).status_code == 404
    with db.session() as session:
        leaving = session.scalar(select(User).where(User.email == "leaver@example.com"))
        assert leaving is not None
        leaving.role, leaving.active = "admin", False
    for link in links.values():
        assert client.get(link).status_code == 404
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        form = {
            "csrf_token": token.group(1),
            "password": "a-new-password",
            "confirm": "a-new-password",
        }
        assert client.post(link, data=form).status_code == 404
    with db.session() as session:
        taken = session.scalars(select(User).where(User.password_hash.is_not(None))).all()
        assert taken == []
