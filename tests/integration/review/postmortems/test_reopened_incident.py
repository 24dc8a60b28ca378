"""A reopened incident's postmortem: publishing waits until it is resolved again (409 naming
the incident's status, nothing written); a postmortem published before the reopening goes back
to draft when it is resolved again (text kept, approvals withdrawn, due from then), and one in
review loses the approvals given so far, so closing waits for a review that covers what
happened since; on both databases."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.review.postmortems.org import act, apply, commander, open_incident, org
from tests.integration.review.postmortems.test_api import headers, post
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents


def in_review_with_approval(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> tuple[int, str]:
    apply(db, clock, org())
    number = open_incident(db, clock)
    commander(db, clock, number)
    act(db, clock, number, "resolve")  # 2026-01-01 12:00
    ic, rev = headers(make_token, "ic@corp.test"), headers(make_token, "rev@corp.test")
    base = f"/api/v1/incidents/{number}"
    saved = client.put(
        f"{base}/postmortem", json={"markdown": "# First part", "version": 1}, headers=ic
    )
    assert saved.status_code == 200, saved.text
    assert post(client, f"{base}/postmortem/submit", ic).status_code == 200
    assert post(client, f"{base}/postmortem/approve", rev).status_code == 200
    return number, base


def test_publishing_is_refused_while_the_incident_is_reopened(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    number, base = in_review_with_approval(db, clock, client, make_token)
    ic, rev = headers(make_token, "ic@corp.test"), headers(make_token, "rev@corp.test")
    act(db, clock, number, "reopen")
    refused = post(client, f"{base}/postmortem/publish", ic)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["field"] == "status" and "acknowledged" in error["message"]
    assert client.get(f"{base}/postmortem", headers=ic).json()["state"] == "in_review"
    act(db, clock, number, "resolve")  # the approval was of a text from before: approve again
    assert post(client, f"{base}/postmortem/approve", rev).status_code == 200
    published = post(client, f"{base}/postmortem/publish", ic)
    assert published.status_code == 200, published.text


def test_a_published_postmortem_goes_back_to_draft_when_resolved_again(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    number, base = in_review_with_approval(db, clock, client, make_token)
    ic = headers(make_token, "ic@corp.test")
    assert post(client, f"{base}/postmortem/publish", ic).status_code == 200
    clock.advance(hours=5)
    act(db, clock, number, "reopen")
    assert client.get(f"{base}/postmortem", headers=ic).json()["state"] == "published"
    clock.advance(hours=1)
    act(db, clock, number, "resolve")  # 2026-01-01 18:00
    pm = client.get(f"{base}/postmortem", headers=ic).json()
    assert pm["state"] == "draft" and pm["markdown"] == "# First part"
    assert pm["published_at"] is None and pm["due_at"].startswith("2026-01-03T18:00")
    assert [r["withdrawn_at"] is not None for r in pm["reviews"]] == [True]
    refused = post(client, f"{base}/close", ic)
    assert refused.status_code == 409 and refused.json()["error"]["field"] == "postmortem"
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        [event] = timeline.events_since(
            session, incident_id=incident.id, kinds=["review:postmortem:reopened"]
        )
        assert event.payload["published_by_was"] == "ic@corp.test"
        assert event.payload["approvals_withdrawn"] == ["rev@corp.test"]


def test_approvals_given_before_a_second_resolution_are_withdrawn(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    number, base = in_review_with_approval(db, clock, client, make_token)
    ic, rev = headers(make_token, "ic@corp.test"), headers(make_token, "rev@corp.test")
    act(db, clock, number, "reopen")
    act(db, clock, number, "resolve")
    pm = client.get(f"{base}/postmortem", headers=ic).json()
    assert pm["state"] == "in_review"
    assert [r["withdrawn_at"] is not None for r in pm["reviews"]] == [True]
    refused = post(client, f"{base}/postmortem/publish", ic)
    assert refused.status_code == 409 and refused.json()["error"]["field"] == "approvals"
    assert post(client, f"{base}/postmortem/approve", rev).status_code == 200
    assert post(client, f"{base}/postmortem/publish", ic).status_code == 200
