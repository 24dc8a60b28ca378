"""Someone who cannot write a postmortem (deactivated, or a viewer) is never its author: made
author by hand they are refused (422 naming `author`, nothing written), as an action item's
owner is; such a commander is passed over for whoever resolved it, so reminders reach someone
who can write it."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.integration.review.postmortems.org import act, apply, commander, open_incident, org
from warroom.auth.models import User
from warroom.clock import FakeClock
from warroom.db import Database


def _deactivate(db: Database, email: str) -> None:
    with db.session() as session:
        session.execute(update(User).where(User.email == email).values(active=False))
        session.commit()


def test_a_deactivated_person_is_not_made_author(
    client: TestClient, db: Database, clock: FakeClock, admin_headers: dict[str, str]
) -> None:
    apply(db, clock, org())
    number = open_incident(db, clock)
    commander(db, clock, number)  # ic commands, then leaves the company
    _deactivate(db, "ic@corp.test")
    act(db, clock, number, "resolve", actor="resp@corp.test")
    path = f"/api/v1/incidents/{number}/postmortem"
    assert client.get(path, headers=admin_headers).json()["author"] == "resp@corp.test"

    _deactivate(db, "oncall@corp.test")
    refused = client.patch(path, json={"author": "oncall@corp.test"}, headers=admin_headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["field"] == "author"
    assert "deactivated" in refused.json()["error"]["message"]
    assert client.get(path, headers=admin_headers).json()["author"] == "resp@corp.test"


def test_a_viewer_who_cannot_write_it_is_not_made_author(
    client: TestClient, db: Database, clock: FakeClock, admin_headers: dict[str, str]
) -> None:
    apply(db, clock, org())
    number = open_incident(db, clock)
    commander(db, clock, number)
    with db.session() as session:  # the commander is made a viewer: they can no longer save it
        session.execute(update(User).where(User.email == "ic@corp.test").values(role="viewer"))
        session.commit()
    act(db, clock, number, "resolve", actor="resp@corp.test")
    path = f"/api/v1/incidents/{number}/postmortem"
    assert client.get(path, headers=admin_headers).json()["author"] == "resp@corp.test"

    refused = client.patch(path, json={"author": "ic@corp.test"}, headers=admin_headers)
    assert refused.status_code == 422, refused.text
    assert refused.json()["error"]["field"] == "author"
    assert "viewer" in refused.json()["error"]["message"]
