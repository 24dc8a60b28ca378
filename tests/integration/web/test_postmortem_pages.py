"""Postmortem pages (issue 14): the list with overdue, a postmortem rendered safely with its
review buttons, the editor's preview and save (a stale save keeps the typed text), the review
and publication through the forms, exports, and the role checks."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.integration.review.postmortems.org import act, apply, commander, open_incident, org
from tests.integration.web.conftest import csrf_of
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.review.postmortems import service as postmortems

EVIL = "# Report\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2))\n\n**bold**\n"


def resolved(db: Database, clock: FakeClock) -> int:
    apply(db, clock, org())
    number = open_incident(db, clock)
    commander(db, clock, number)
    act(db, clock, number, "resolve")
    return number


def post(client: TestClient, page: str, action: str, **data: str) -> Any:
    token = csrf_of(client.get(page).text)
    return client.post(action, data={"csrf_token": token, **data}, follow_redirects=False)


def test_list_show_and_overdue(
    db: Database,
    clock: FakeClock,
    app: FastAPI,
    client: TestClient,
    ui_login: Callable[..., Any],
) -> None:
    number = resolved(db, clock)
    ui_login(client, "viewer")
    page = client.get("/ui/postmortems")
    assert page.status_code == 200
    row = re.search(rf'<tr id="postmortem-{number}"[^>]*>(.*?)</tr>', page.text, re.S)
    assert row and "ic@corp.test" in row.group(1) and "OVERDUE" not in row.group(1)
    assert 'href="/ui/postmortems"' in page.text  # in the navigation
    shown = client.get(f"/ui/postmortems/{number}")
    assert shown.status_code == 200 and "<h2>Five whys</h2>" in shown.text
    assert "Send for review" not in shown.text  # a viewer gets no buttons
    assert client.get("/ui/postmortems/999").status_code == 404
    clock.advance(hours=49)
    with TestClient(app) as later:  # the first session has expired meanwhile
        ui_login(later, "viewer")
        late = later.get("/ui/postmortems?overdue=true").text
        assert f'id="postmortem-{number}"' in late and "OVERDUE" in late
        assert 'id="pm-overdue"' in later.get(f"/ui/postmortems/{number}").text


def test_a_viewer_cannot_take_a_step(
    db: Database, clock: FakeClock, client: TestClient, ui_login: Callable[..., Any]
) -> None:
    number = resolved(db, clock)
    ui_login(client, "viewer")
    token = csrf_of(client.get("/").text) if 'name="csrf_token"' in client.get("/").text else "x"
    refused = client.post(
        f"/ui/postmortems/{number}/submit", data={"csrf_token": token}, follow_redirects=False
    )
    assert refused.status_code == 403
    assert client.get(f"/ui/postmortems/{number}/edit").status_code == 403


def test_edit_preview_save_and_a_stale_save(
    db: Database,
    clock: FakeClock,
    app: FastAPI,
    client: TestClient,
    ui_login: Callable[..., Any],
) -> None:
    number = resolved(db, clock)
    ui_login(client, "responder", "ic@corp.test")
    edit = f"/ui/postmortems/{number}/edit"
    form = client.get(edit)
    assert form.status_code == 200 and "## Five whys" in form.text  # the draft, escaped in place
    preview = post(client, edit, edit, markdown=EVIL, version="1", op="preview")
    assert preview.status_code == 200
    shown = re.search(r'id="pm-preview"[^>]*>(.*?)</section>', preview.text, re.S)
    assert shown is not None
    assert "<script>" not in shown.group(1) and "&lt;script&gt;" in shown.group(1)
    assert 'href="javascript:' not in shown.group(1) and "<strong>bold</strong>" in shown.group(1)
    saved = post(client, edit, edit, markdown=EVIL, version="1", op="save")
    assert saved.status_code == 303 and saved.headers["location"] == f"/ui/postmortems/{number}"
    page = client.get(f"/ui/postmortems/{number}").text
    assert "version 2" in page and "<script>alert" not in page and "<h1>Report</h1>" in page
    stale = post(client, edit, edit, markdown="# My late edit\n", version="1", op="save")
    assert stale.status_code == 409
    assert "changed since you read it" in stale.text
    assert "# My late edit" in stale.text  # what was typed is still in the editor
    with db.session() as session:
        from warroom.incidents import service as incidents

        incident = incidents.get_incident(session, number)
        pm = postmortems.get_for_incident(session, incident.id)
        assert pm is not None and pm.markdown == EVIL and pm.version == 2


def test_review_and_publish_through_the_forms_then_export(
    db: Database,
    clock: FakeClock,
    app: FastAPI,
    client: TestClient,
    ui_login: Callable[..., Any],
) -> None:
    number = resolved(db, clock)
    page = f"/ui/postmortems/{number}"
    ui_login(client, "responder", "ic@corp.test")
    sent = post(client, page, f"{page}/submit")
    assert sent.status_code == 303
    shown = client.get(page).text
    assert 'id="pm-state">in review' in shown and "sent for review" in shown
    assert ">Approve</button>" not in shown  # the author does not approve their own
    early = post(client, page, f"{page}/publish")
    assert early.status_code == 303
    assert "approval(s); 1 needed" in client.get(page).text  # the refusal, flashed
    with TestClient(app) as reviewer_client:
        ui_login(reviewer_client, "responder", "rev@corp.test")
        approved = post(reviewer_client, page, f"{page}/approve", note="clear and fair")
        assert approved.status_code == 303
        assert "rev@corp.test approved" in reviewer_client.get(page).text
    post(client, page, f"{page}/publish")
    done = client.get(page).text
    assert 'id="pm-state">published' in done and "Send for review" not in done
    html = client.get(f"{page}/export.html")
    assert html.status_code == 200 and html.headers["content-type"].startswith("text/html")
    assert "attachment" in html.headers["content-disposition"]
    md = client.get(f"{page}/export.md")
    assert md.text.startswith(f"# Postmortem: INC-{number}")


def test_start_one_for_an_incident_that_needs_none(
    db: Database, clock: FakeClock, client: TestClient, ui_login: Callable[..., Any]
) -> None:
    apply(db, clock, org())
    number = open_incident(db, clock, severity="P3")
    act(db, clock, number, "resolve")
    ui_login(client, "responder")
    page = f"/ui/postmortems/{number}"
    missing = client.get(page)
    assert missing.status_code == 404 and "Start a postmortem" in missing.text
    token = csrf_of(missing.text)
    made = client.post(f"{page}/create", data={"csrf_token": token}, follow_redirects=False)
    assert made.status_code == 303
    assert 'id="pm-state">draft' in client.get(page).text


def test_whoever_saved_the_text_is_told_someone_else_approves_it(
    db: Database,
    clock: FakeClock,
    app: FastAPI,
    client: TestClient,
    ui_login: Callable[..., Any],
) -> None:
    number = resolved(db, clock)
    page, edit = f"/ui/postmortems/{number}", f"/ui/postmortems/{number}/edit"
    with TestClient(app) as scribe:
        ui_login(scribe, "responder", "scribe@corp.test")
        saved = post(scribe, edit, edit, markdown="# What happened\n", version="1", op="save")
        assert saved.status_code == 303
        ui_login(client, "responder", "ic@corp.test")
        assert post(client, page, f"{page}/submit").status_code == 303
        shown = scribe.get(page).text  # in review: the scribe wrote this text
    assert ">Approve</button>" not in shown
    assert "Not yours to approve: scribe@corp.test saved this version" in shown
    with TestClient(app) as reviewer:
        ui_login(reviewer, "responder", "rev@corp.test")
        assert ">Approve</button>" in reviewer.get(page).text


def test_a_drills_overdue_postmortem_is_listed_but_not_counted(
    db: Database, clock: FakeClock, client: TestClient, ui_login: Callable[..., Any]
) -> None:
    """As the API, the gauge and `postmortem list`: a drill is practice, not a late review."""
    apply(db, clock, org())
    real, drill = open_incident(db, clock), open_incident(db, clock, drill=True)
    for number in (real, drill):
        commander(db, clock, number)
        act(db, clock, number, "resolve")
    clock.advance(hours=49)  # both past their 48 h
    ui_login(client, "viewer")
    page = client.get("/ui/postmortems?overdue=true").text
    assert f'id="postmortem-{drill}"' in page and f'id="postmortem-{real}"' in page
    summary = re.search(r'<p class="muted">([^<]*overdue[^<]*)</p>', page)
    assert summary is not None, page
    assert " ".join(summary.group(1).split()) == (
        "1 overdue of 2 shown (and 1 of drills, not counted)."
    )
