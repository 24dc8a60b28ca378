"""Each form of the incident page changes the incident through its service, checks the role
and the CSRF token, and shows a refused change as the domain's message."""

from __future__ import annotations

import html
import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.integration.web.incident_world import (  # noqa: F401  (the world fixture)
    Login,
    World,
    post,
    shown,
    world_fixture,
)
from warroom.audit import service as timeline
from warroom.catalog.models import Severity
from warroom.comms import service as comms
from warroom.evidence import service as evidence
from warroom.incidents import service as incidents
from warroom.paging import links
from warroom.runbooks import checklist
from warroom.runbooks import service as runbooks


def kinds(world: World, number: int) -> list[str]:
    with world.db.session() as session:
        incident = incidents.get_incident(session, number)
        return [e.kind for e in timeline.last_events(session, incident_id=incident.id, count=50)]


def read(world: World, number: int, what: Any) -> Any:
    """What a service function says of the incident (in a fresh session)."""
    with world.db.session() as session:
        return what(session, incidents.get_incident(session, number))


def test_lifecycle_and_a_refused_transition(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open()
    me = ui_login(client)
    answer = post(client, number, "/status/ack", {"note": "on it"})
    assert answer.status_code == 303 and answer.headers["location"].startswith(
        f"/ui/incidents/{number}"
    )
    incident = world.incident(number)
    assert incident.status == "acknowledged" and incident.acknowledged_by == me.email
    assert f"INC-{number} acknowledged" in shown(client, number)

    post(client, number, "/status/ack")
    html = shown(client, number)
    assert f"cannot ack INC-{number}: it is acknowledged" in html
    assert 'class="flash flash-error"' in html
    assert kinds(world, number).count("incident:status:acknowledged") == 1

    post(client, number, "/status/resolve", {"note": "fixed"})
    assert world.incident(number).status == "resolved"
    post(client, number, "/status/reopen")
    assert world.incident(number).status == "acknowledged"
    assert kinds(world, number)[-1] == "incident:status:reopened"


def test_severity_needs_a_reason(world: World, client: TestClient, ui_login: Login) -> None:
    number = world.open()
    ui_login(client)
    refused = post(client, number, "/severity", {"severity": "SEV1", "reason": ""})
    assert "a severity change needs a reason" in html.unescape(refused.text)
    assert world.incident(number).severity == "SEV2"
    post(client, number, "/severity", {"severity": "SEV1", "reason": "all markets down"})
    assert world.incident(number).severity == "SEV1"
    assert kinds(world, number)[-1] == "incident:severity:raised"


def test_roles_take_assign_release(
    world: World, client: TestClient, ui_login: Login, make_ui_user: Any
) -> None:
    number = world.open()
    me = ui_login(client)
    other = make_ui_user("responder")
    post(client, number, "/roles", {"role": "incident_commander"})
    post(client, number, "/roles", {"role": "scribe", "user_email": other.email})
    post(client, number, "/roles", {"role": "communications_lead", "user_email": "nobody@x.test"})
    assert "no user with email 'nobody@x.test'" in shown(client, number)
    held = read(world, number, incidents.current_roles)
    assert [(r.role, r.user_email) for r in held] == [
        ("incident_commander", me.email),
        ("scribe", other.email),
    ]
    post(client, number, "/roles/release", {"role": "scribe", "user_email": other.email})
    held = read(world, number, incidents.current_roles)
    assert [r.role for r in held] == ["incident_commander"]
    assert kinds(world, number)[-1] == "incident:role:unassigned"


def test_note_hypothesis_task(world: World, client: TestClient, ui_login: Login) -> None:
    number = world.open()
    me = ui_login(client)  # a task goes to a person warroom knows
    post(client, number, "/notes", {"text": "Error rate 40%"})
    refused = post(client, number, "/notes", {"text": "   "})
    assert refused.status_code == 422 and "Not added: a note needs text" in refused.text
    post(client, number, "/hypotheses", {"text": "Bad deploy"})
    [hypothesis] = read(world, number, incidents.list_hypotheses)
    post(client, number, f"/hypotheses/{hypothesis.id}", {"status": "confirmed"})
    post(client, number, "/tasks", {"text": "Roll back", "assignee": me.email})
    [task] = read(world, number, incidents.list_tasks)
    post(client, number, f"/tasks/{task.id}", {"done": "1"})

    [hypothesis] = read(world, number, incidents.list_hypotheses)
    [task] = read(world, number, incidents.list_tasks)
    assert hypothesis.status == "confirmed"
    assert task.done and task.assignee == me.email
    assert kinds(world, number)[-5:] == [
        "incident:note:added",
        "incident:hypothesis:added",
        "incident:hypothesis:updated",
        "incident:task:added",
        "incident:task:done",
    ]
    assert "Error rate 40%" in shown(client, number)


def test_runbook_attach_tick_and_skip(world: World, client: TestClient, ui_login: Login) -> None:
    number = world.open()
    ui_login(client)
    post(client, number, "/runbooks", {"key": "checkout-errors"})
    post(client, number, "/runbooks/checkout-errors/steps/1", {"state": "done"})
    post(client, number, "/runbooks/checkout-errors/steps/2", {"state": "skipped"})
    assert "reason is required" in shown(client, number)
    post(client, number, "/runbooks/checkout-errors/steps/2", {"state": "skipped", "reason": "no"})

    def states(session: Any, incident: Any) -> dict[int, str]:
        run = checklist.find_run(session, incident.id, "checkout-errors")
        return {k: v.state for k, v in checklist.states_of(session, run).items()}

    assert read(world, number, states) == {1: "done", 2: "skipped"}
    assert "1/2 done (1 skipped)" in shown(client, number)
    assert read(world, number, lambda s, i: len(runbooks.runs_of(s, i.id))) == 1


def test_evidence_upload_within_the_limit(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open()
    ui_login(client)
    world.settings.evidence_max_bytes = 64
    files = {"file": ("trace.txt", b"stack trace", "text/plain")}
    post(client, number, "/evidence", {"description": "from pod 3"}, files=files)
    big = {"file": ("dump.bin", b"x" * 65, "application/octet-stream")}
    post(client, number, "/evidence", {}, files=big)
    assert "larger than the limit of 64 bytes" in shown(client, number)
    [item] = read(world, number, evidence.list_evidence)
    assert (item.name, item.size, item.description) == ("trace.txt", 11, "from pod 3")
    download = client.get(f"/ui/incidents/{number}/evidence/{item.id}")
    assert download.content == b"stack trace"


def test_status_update_preview_then_public_and_internal(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open()
    me = ui_login(client)
    draft = {"state": "identified", "internal": "Cause: bad deploy", "public": "We found it"}
    preview = post(client, number, "/updates", {**draft, "do": "preview", "next_update": "30m"})
    assert preview.status_code == 200
    assert "Preview: internal message" in preview.text
    assert f"INC-{number} update: identified" in preview.text  # the status_update template
    assert f"Posted by {me.email}" in preview.text
    assert "We will post the next update by" in preview.text  # the public_update template
    assert read(world, number, lambda s, i: comms.list_updates(s, i.id)) == []

    post(client, number, "/updates", {**draft, "do": "post"})
    assert f"INC-{number} is not on the public status page" in shown(client, number)
    post(client, number, "/updates", {"state": "monitoring", "internal": "Watching", "do": "post"})
    assert "not on the public status page" not in shown(client, number)  # no public text
    bogus = post(client, number, "/updates", {"state": "bogus", "internal": "x", "do": "post"})
    assert bogus.status_code == 422 and "unknown state &#39;bogus&#39;" in bogus.text
    updates = read(world, number, lambda s, i: comms.list_updates(s, i.id))
    assert [(u.state, u.internal_text, u.public_text) for u in updates] == [
        ("identified", "Cause: bad deploy", "We found it"),
        ("monitoring", "Watching", None),
    ]
    assert "comms:update:external" in kinds(world, number)


def test_the_preview_says_when_the_cadence_makes_the_next_update_due(
    world: World, client: TestClient, ui_login: Login
) -> None:
    """With no next update typed, posting plans the severity's cadence (30 min internal, 1 h
    public here); the preview said 'when there is news' all the same."""
    with world.db.session() as session:
        session.execute(
            update(Severity)
            .where(Severity.key == "SEV2")
            .values(internal_update_every_s=1800, external_update_every_s=3600)
        )
    number = world.open()
    ui_login(client)
    draft = {"state": "identified", "internal": "Cause: bad deploy", "public": "We found it"}
    preview = post(client, number, "/updates", {**draft, "do": "preview"}).text
    assert "when there is news" not in preview
    now = world.clock.now()
    internal_due = (now + timedelta(minutes=30)).strftime("%Y-%m-%d %H:%M UTC")
    public_due = (now + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M UTC")
    assert f"Next update: {internal_due}" in preview
    assert public_due in preview  # the public text promises the public cadence


def test_starter_template_fills_the_composer(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open(title="Checkout fails", services=["checkout"])
    ui_login(client)
    html = client.get(f"/ui/incidents/{number}?starter=identified").text
    public = re.search(r'<textarea id="upd-public"[^>]*>([^<]*)</textarea>', html)
    assert public and "identified the cause of the problems with checkout" in public.group(1)
    assert '<option value="identified" selected>identified</option>' in html


def test_viewer_and_csrf_are_refused(world: World, client: TestClient, ui_login: Login) -> None:
    number = world.open()
    ui_login(client, role="viewer")
    token = re.search(r'name="csrf_token" value="([^"]+)"', shown(client, number))
    assert token
    refused = client.post(
        f"/ui/incidents/{number}/status/ack",
        data={"csrf_token": token.group(1)},
        follow_redirects=False,
    )
    assert refused.status_code == 403

    responder = TestClient(client.app)
    ui_login(responder)
    for data in ({}, {"csrf_token": "forged"}, {"csrf_token": token.group(1)}):
        answer = responder.post(
            f"/ui/incidents/{number}/status/ack", data=data, follow_redirects=False
        )
        assert answer.status_code == 403, data
    assert world.incident(number).status == "triggered"
    assert "incident:status:acknowledged" not in kinds(world, number)


def test_link_page_acknowledges_and_offers_the_incident(
    world: World, client: TestClient, ui_login: Login, make_ui_user: Any
) -> None:
    number = world.open()
    holder = make_ui_user("responder")
    token = links.make_token(
        world.settings.secret_key,
        purpose="ack",
        incident_number=number,
        user_id=holder.user_id,
        now=world.clock.now(),
    )
    confirm = client.get(f"/p/{token}")
    assert 'name="viewport"' in confirm.text and "<button" in confirm.text
    done = client.post(f"/p/{token}")
    assert done.status_code == 200 and f"INC-{number} acknowledged" in done.text
    assert f'href="/ui/incidents/{number}">Open the incident</a>' in done.text
    assert world.incident(number).acknowledged_by == holder.email

    answer = client.get(f"/ui/incidents/{number}", follow_redirects=False)
    assert answer.status_code == 303 and answer.headers["location"].startswith("/login")
    ui_login(client)
    assert "acknowledged" in shown(client, number)


def test_private_incident_refuses_a_non_member(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open(private=True, title="Quiet one")
    ui_login(client)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/ui/incidents").text)
    assert token
    answer = client.post(
        f"/ui/incidents/{number}/notes",
        data={"csrf_token": token.group(1), "text": "let me in"},
        follow_redirects=False,
    )
    assert answer.status_code == 404
    assert f"no incident INC-{number}" in answer.text and "Quiet one" not in answer.text
    assert "incident:note:added" not in kinds(world, number)


def test_unknown_incident_is_a_404_page(world: World, client: TestClient, ui_login: Login) -> None:
    ui_login(client, role="viewer")
    page = client.get("/ui/incidents/4040")
    assert page.status_code == 404 and "no incident INC-4040" in page.text
