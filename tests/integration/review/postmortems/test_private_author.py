"""The author of a private incident's postmortem: only someone who may read the incident can be
made author, and a reminder to an author who may not read it (any more) leaves its title out."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.review.postmortems.org import (
    act,
    apply,
    commander,
    open_incident,
    org,
    run_due,
)
from warroom.clock import FakeClock
from warroom.comms.cadence import PRIVATE_TITLE
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.settings import Settings

SECRET = "Payroll export leaks salaries"


def headers(make_token: MakeToken, email: str, role: str = "responder") -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(role, email=email)}"}


def private_resolved(db: Database, clock: FakeClock) -> int:
    """A private P1 opened by an alert; ic commands and resolves it (ic is the author)."""
    apply(db, clock, org())
    number = open_incident(db, clock, private=True)
    with db.session() as session:
        incidents.get_incident(session, number).title = SECRET
    commander(db, clock, number)
    act(db, clock, number, "resolve", actor="ic@corp.test")
    return number


def test_a_non_member_cannot_be_made_author_of_a_private_postmortem(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    number = private_resolved(db, clock)
    ic, rev = headers(make_token, "ic@corp.test"), headers(make_token, "rev@corp.test")
    path = f"/api/v1/incidents/{number}/postmortem"
    assert client.get(path, headers=rev).status_code == 404  # rev is no member: as if none
    refused = client.patch(path, json={"author": "rev@corp.test"}, headers=ic)
    assert refused.status_code == 422, refused.text
    error = refused.json()["error"]
    assert error["field"] == "author" and "no member" in error["message"]
    assert client.get(path, headers=ic).json()["author"] == "ic@corp.test"  # nothing changed
    # A member, or an admin (who may read every incident), can be made author.
    boss = headers(make_token, "boss@corp.test", role="admin")
    to_admin = client.patch(path, json={"author": "boss@corp.test"}, headers=ic)
    assert to_admin.status_code == 200 and to_admin.json()["author"] == "boss@corp.test"
    commander(db, clock, number, email="oncall@corp.test")  # ic hands over: no member now
    to_member = client.patch(path, json={"author": "oncall@corp.test"}, headers=boss)
    assert to_member.status_code == 200 and to_member.json()["author"] == "oncall@corp.test"


def test_an_author_no_longer_member_is_reminded_without_the_title(
    db: Database,
    clock: FakeClock,
    client: TestClient,
    make_token: MakeToken,
    settings: Settings,
    sender: senders.FakeSender,
) -> None:
    number = private_resolved(db, clock)
    ic = headers(make_token, "ic@corp.test")
    path = f"/api/v1/incidents/{number}/postmortem"
    worker = Worker(db, clock, settings, "private-author")
    clock.advance(hours=24)  # 24 h before due: ic, a member, is reminded with the title
    run_due(worker)
    [first] = [m for m in sender.sent if m.url.endswith("/ic") and "postmortem" in m.title]
    assert f"INC-{number} ({SECRET})" in first.body
    # ic hands the command over: no member any more, still the author; cannot read it.
    commander(db, clock, number, email="oncall@corp.test")
    assert client.get(path, headers=ic).status_code == 404
    clock.advance(hours=23)  # 1 h before due
    run_due(worker)
    clock.advance(hours=1)  # overdue
    run_due(worker)
    later = [m for m in sender.sent if m.url.endswith("/ic") and "postmortem" in m.title][1:]
    assert [("due in 1h" in m.title, "overdue" in m.title) for m in later] == [
        (True, False),
        (False, True),
    ]
    for message in later:
        assert SECRET not in message.title + message.body
        assert f"INC-{number} ({PRIVATE_TITLE})" in message.body
