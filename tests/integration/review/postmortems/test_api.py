"""The postmortem API: closing waits for publication, states and reviewers, edit conflicts,
export as Markdown and HTML (nothing executable passes through), the list and its overdue."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.review.postmortems.org import act, apply, commander, open_incident, org
from warroom.clock import FakeClock
from warroom.db import Database


def headers(make_token: MakeToken, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token('responder', email=email)}"}


def resolved_p1(db: Database, clock: FakeClock, *, severity: str = "P1") -> int:
    apply(db, clock, org())
    number = open_incident(db, clock, severity=severity)
    commander(db, clock, number)
    act(db, clock, number, "resolve")
    return number


def post(client: TestClient, path: str, who: dict[str, str], body: Any = None) -> Any:
    return client.post(path, json=body or {}, headers=who)


def test_close_is_refused_until_the_postmortem_is_published(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    number = resolved_p1(db, clock)
    ic, rev = headers(make_token, "ic@corp.test"), headers(make_token, "rev@corp.test")
    base = f"/api/v1/incidents/{number}"
    refused = post(client, f"{base}/close", ic)
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["field"] == "postmortem"
    assert "postmortem" in error["message"] and "draft" in error["message"]
    assert client.get(base, headers=ic).json()["status"] == "resolved"  # nothing written
    assert post(client, f"{base}/postmortem/submit", ic).json()["state"] == "in_review"
    assert post(client, f"{base}/close", ic).status_code == 409
    assert post(client, f"{base}/postmortem/approve", rev, {"note": "clear"}).status_code == 200
    published = post(client, f"{base}/postmortem/publish", ic)
    assert published.status_code == 200 and published.json()["state"] == "published"
    closed = post(client, f"{base}/close", ic)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"


def test_a_severity_without_postmortem_closes_at_once(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    number = resolved_p1(db, clock, severity="P3")
    ic = headers(make_token, "ic@corp.test")
    assert client.get(f"/api/v1/incidents/{number}/postmortem", headers=ic).status_code == 404
    assert post(client, f"/api/v1/incidents/{number}/close", ic).status_code == 200


def test_states_and_reviewers(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    number = resolved_p1(db, clock)
    ic, rev = headers(make_token, "ic@corp.test"), headers(make_token, "rev@corp.test")
    other = headers(make_token, "oncall@corp.test")
    path = f"/api/v1/incidents/{number}/postmortem"
    assert post(client, f"{path}/approve", rev).status_code == 409  # still a draft
    assert post(client, f"{path}/publish", ic).status_code == 409
    post(client, f"{path}/submit", ic)
    own = post(client, f"{path}/approve", ic)
    assert own.status_code == 409 and own.json()["error"]["field"] == "reviewer"
    early = post(client, f"{path}/publish", ic)
    assert early.status_code == 409 and early.json()["error"]["field"] == "approvals"
    clock.advance(minutes=5)
    approved = post(client, f"{path}/approve", rev, {"note": "good"}).json()
    assert [(r["reviewer"], r["note"]) for r in approved["reviews"]] == [("rev@corp.test", "good")]
    assert approved["reviews"][0]["approved_at"].startswith("2026-01-01T12:05")
    back = post(client, f"{path}/return", ic, {"reason": "add the five whys"})
    assert back.json()["state"] == "draft"
    assert back.json()["reviews"][0]["withdrawn_at"] is not None
    assert post(client, f"{path}/return", ic, {"reason": "again"}).status_code == 409
    post(client, f"{path}/submit", ic)
    post(client, f"{path}/approve", other)
    done = post(client, f"{path}/publish", ic).json()
    assert done["state"] == "published" and done["published_by"] == "ic@corp.test"
    current = [r["reviewer"] for r in done["reviews"] if r["withdrawn_at"] is None]
    assert current == ["oncall@corp.test"]
    final = client.put(path, json={"markdown": "# late", "version": done["version"]}, headers=ic)
    assert final.status_code == 409
    events = client.get(f"/api/v1/incidents/{number}/timeline?limit=200", headers=ic).json()
    kinds = [e["kind"] for e in events["items"] if e["kind"].startswith("review:")]
    assert kinds == [
        "review:postmortem:created",
        "review:postmortem:submitted",
        "review:postmortem:approved",
        "review:postmortem:returned",
        "review:postmortem:submitted",
        "review:postmortem:approved",
        "review:postmortem:published",
    ]


def test_a_stale_edit_is_refused(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    number = resolved_p1(db, clock)
    ic, rev = headers(make_token, "ic@corp.test"), headers(make_token, "rev@corp.test")
    path = f"/api/v1/incidents/{number}/postmortem"
    shown = client.get(path, headers=ic).json()
    assert shown["generated"] is True and shown["version"] == 1
    mine = client.put(path, json={"markdown": "# Mine\n", "version": 1}, headers=ic)
    assert mine.status_code == 200 and mine.json()["version"] == 2
    assert mine.json()["generated"] is False
    theirs = client.put(path, json={"markdown": "# Theirs\n", "version": 1}, headers=rev)
    assert theirs.status_code == 409
    error = theirs.json()["error"]
    assert error["field"] == "version" and "ic@corp.test" in error["message"]
    assert client.get(path, headers=ic).json()["markdown"] == "# Mine\n"
    empty = client.put(path, json={"markdown": "   ", "version": 2}, headers=ic)
    assert empty.status_code == 422 and empty.json()["error"]["field"] == "markdown"


def test_export_as_markdown_and_html_without_script(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    number = resolved_p1(db, clock)
    ic = headers(make_token, "ic@corp.test")
    path = f"/api/v1/incidents/{number}/postmortem"
    evil = (
        "# Report\n\n<script>alert(1)</script>\n\n[click](javascript:alert(2))\n\n"
        '<img src=x onerror="alert(3)">\n\n| a | b |\n|---|---|\n| 1 | **2** |\n'
    )
    client.put(path, json={"markdown": evil, "version": 1}, headers=ic)
    md = client.get(f"{path}/export?format=md", headers=ic)
    assert md.headers["content-type"].startswith("text/markdown") and md.text == evil
    html = client.get(f"{path}/export?format=html", headers=ic)
    assert html.headers["content-type"].startswith("text/html")
    body = html.text
    assert "<script>" not in body and "<img" not in body
    assert 'href="javascript:' not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "<td><strong>2</strong></td>" in body and "<h1>Report</h1>" in body
    assert client.get(f"{path}/export?format=pdf", headers=ic).status_code == 422


def test_list_and_overdue(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    number = resolved_p1(db, clock)
    ic = headers(make_token, "ic@corp.test")
    listed = client.get("/api/v1/postmortems", headers=ic).json()
    assert [p["number"] for p in listed["postmortems"]] == [number]
    assert listed["overdue"] == 0
    assert client.get("/api/v1/postmortems?overdue=true", headers=ic).json()["postmortems"] == []
    clock.advance(hours=49)
    late = client.get("/api/v1/postmortems?overdue=true", headers=ic).json()
    assert [p["number"] for p in late["postmortems"]] == [number] and late["overdue"] == 1
    assert late["postmortems"][0]["overdue"] is True


def test_create_by_hand_and_reassign(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    number = resolved_p1(db, clock, severity="P3")
    ic = headers(make_token, "ic@corp.test")
    path = f"/api/v1/incidents/{number}/postmortem"
    made = client.post(path, json={"due_within_hours": 24}, headers=ic)
    assert made.status_code == 201 and made.json()["due_at"].startswith("2026-01-02T12:00")
    moved = client.patch(path, json={"author": "rev@corp.test"}, headers=ic)
    assert moved.json()["author"] == "rev@corp.test"
    unknown = client.patch(path, json={"author": "nobody@corp.test"}, headers=ic)
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "author"
    open_one = open_incident(db, clock, severity="P3")
    refused = client.post(f"/api/v1/incidents/{open_one}/postmortem", json={}, headers=ic)
    assert refused.status_code == 409


def test_raised_after_resolve_gets_one_and_a_config_change_says_how_to_start_one(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    number = resolved_p1(db, clock, severity="P3")
    ic = headers(make_token, "ic@corp.test")
    base = f"/api/v1/incidents/{number}"
    raised = client.post(
        f"{base}/severity", json={"severity": "P1", "reason": "worse than thought"}, headers=ic
    )
    assert raised.status_code == 200, raised.text
    made = client.get(f"{base}/postmortem", headers=ic).json()
    assert made["state"] == "draft" and made["author"] == "ic@corp.test"
    # P3 starts to require postmortems after this one was resolved: none exists for it.
    other = open_incident(db, clock, severity="P3")
    act(db, clock, other, "resolve")
    apply(
        db,
        clock,
        org().replace("    name: Low\n", "    name: Low\n    postmortem: {required: true}\n"),
    )
    refused = post(client, f"/api/v1/incidents/{other}/close", ic)
    assert refused.status_code == 409
    message = refused.json()["error"]["message"]
    assert f"none exists yet): warroom postmortem create {other}" in message


def test_a_due_time_out_of_range_is_refused_naming_the_field(
    db: Database, clock: FakeClock, client: TestClient, make_token: MakeToken
) -> None:
    number = resolved_p1(db, clock)
    ic = headers(make_token, "ic@corp.test")
    path = f"/api/v1/incidents/{number}/postmortem"
    for bad in ("0001-01-01T00:00:00+01:00", "1999-12-31T23:00:00Z", "not a time"):
        answer = client.patch(path, json={"due_at": bad}, headers=ic)
        assert answer.status_code == 422, (bad, answer.text)
        assert "due_at" in answer.text
    moved = client.patch(path, json={"due_at": "2026-01-05T10:00:00+02:00"}, headers=ic)
    assert moved.status_code == 200 and moved.json()["due_at"].startswith("2026-01-05T08:00")
