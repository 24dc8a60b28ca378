"""Four eyes on a postmortem, through the API: an approval is of the text as it stands, by
someone who did not write it. A new text in review needs approving again, a reviewer made author
loses their approval, whoever saved the text cannot approve it, and any responder may publish
once enough approvals count."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.review.postmortems.org import act, apply, commander, open_incident, org
from warroom.audit.sentences import describe
from warroom.clock import FakeClock
from warroom.db import Database


def headers(make_token: MakeToken, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token('responder', email=email)}"}


def post(client: TestClient, path: str, who: dict[str, str], body: Any = None) -> Any:
    return client.post(path, json=body or {}, headers=who)


def in_review(db: Database, clock: FakeClock, client: TestClient, ic: dict[str, str]) -> str:
    """A resolved P1 (ic commands it, so ic is the author) whose postmortem is in review."""
    apply(db, clock, org())
    number = open_incident(db, clock)
    commander(db, clock, number)
    act(db, clock, number, "resolve", actor="ic@corp.test")
    path = f"/api/v1/incidents/{number}/postmortem"
    assert post(client, f"{path}/submit", ic).json()["state"] == "in_review"
    return path


def current(shown: dict[str, Any]) -> list[str]:
    return [r["reviewer"] for r in shown["reviews"] if r["withdrawn_at"] is None]


def test_a_new_text_in_review_needs_approving_again(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    ic, rev = headers(make_token, "ic@corp.test"), headers(make_token, "rev@corp.test")
    path = in_review(db, clock, client, ic)
    approved = post(client, f"{path}/approve", rev, {"note": "fine"}).json()
    assert current(approved) == ["rev@corp.test"]
    unchanged = client.put(
        path, json={"markdown": approved["markdown"], "version": approved["version"]}, headers=ic
    )
    assert unchanged.status_code == 200 and current(unchanged.json()) == ["rev@corp.test"]
    swapped = client.put(
        path,
        json={"markdown": "# A text nobody reviewed\n", "version": unchanged.json()["version"]},
        headers=ic,
    )
    assert swapped.status_code == 200, swapped.text
    assert swapped.json()["state"] == "in_review" and current(swapped.json()) == []
    refused = post(client, f"{path}/publish", ic)
    assert refused.status_code == 409 and refused.json()["error"]["field"] == "approvals"
    assert client.get(path, headers=ic).json()["state"] == "in_review"
    events = client.get(path.replace("/postmortem", "/timeline?limit=200"), headers=ic).json()
    [edited] = [e for e in events["items"] if e["kind"] == "review:postmortem:edited"]
    assert edited["payload"]["approvals_withdrawn"] == ["rev@corp.test"]
    said = describe(edited["kind"], edited["payload"])  # as the CLI and web timeline say it
    assert said.endswith("; approval by rev@corp.test withdrawn"), said
    # The reviewer approves the new text; now it publishes, that text.
    assert post(client, f"{path}/approve", rev).status_code == 200
    published = post(client, f"{path}/publish", ic)
    assert published.status_code == 200, published.text
    assert published.json()["markdown"] == "# A text nobody reviewed\n"


def test_a_reviewer_made_author_cannot_publish_on_their_own_approval(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    ic, rev = headers(make_token, "ic@corp.test"), headers(make_token, "rev@corp.test")
    path = in_review(db, clock, client, ic)
    assert post(client, f"{path}/approve", rev).status_code == 200
    moved = client.patch(path, json={"author": "rev@corp.test"}, headers=ic)
    assert moved.status_code == 200 and moved.json()["author"] == "rev@corp.test"
    assert current(moved.json()) == []  # an author does not approve their own
    refused = post(client, f"{path}/publish", rev)
    assert refused.status_code == 409 and refused.json()["error"]["field"] == "approvals"
    again = post(client, f"{path}/approve", rev)
    assert again.status_code == 409 and again.json()["error"]["field"] == "reviewer"
    # ic never saved the text (the generated draft went to review): ic may approve it now.
    assert post(client, f"{path}/approve", ic).status_code == 200
    published = post(client, f"{path}/publish", rev)
    assert published.status_code == 200 and published.json()["state"] == "published"


def test_whoever_saved_the_text_cannot_approve_it_and_any_responder_publishes(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    ic, rev = headers(make_token, "ic@corp.test"), headers(make_token, "rev@corp.test")
    other = headers(make_token, "oncall@corp.test")
    path = in_review(db, clock, client, ic)
    shown = client.get(path, headers=rev).json()
    rewritten = client.put(
        path, json={"markdown": "# Rewritten by rev\n", "version": shown["version"]}, headers=rev
    )
    assert rewritten.status_code == 200
    own = post(client, f"{path}/approve", rev)
    assert own.status_code == 409 and own.json()["error"]["field"] == "reviewer"
    assert "saved this version" in own.json()["error"]["message"]
    assert post(client, f"{path}/publish", rev).status_code == 409
    # Someone else approves rev's text; a responder who is neither author nor reviewer publishes.
    assert post(client, f"{path}/approve", other).status_code == 200
    published = post(client, f"{path}/publish", headers(make_token, "resp@corp.test"))
    assert published.status_code == 200, published.text
    assert published.json()["published_by"] == "resp@corp.test"
    assert current(published.json()) == ["oncall@corp.test"]
