"""The private-incident sweep: a private incident with its content in every domain (title,
summary, note, alert, evidence, hypothesis, task, status update, action item, postmortem,
runbook step note, action run, a page) and every read surface (API, web pages and fragments,
the incident's forms) asked for by people who are no members: a viewer, a responder, and a
responder who held a role until a handover (owning its work does not make one a member). No
answer may carry any of its text; its member reads it on the same surfaces, so the sweep can
see a leak. Add a surface to API, PAGES or FORMS (`{n}`, `{item}`, `{evidence}`, `{alert}`,
`{message}` are filled in).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.integration.review.postmortems.org import act, apply, commander, org
from tests.integration.web.conftest import csrf_of, make_ui_user, sign_in
from warroom.auth import service as auth_service
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.intake.models import Alert
from warroom.notify import service as notify

__all__ = ["make_ui_user"]  # a fixture used below

CANARY = "PVTSWEEPQ7"
MEMBER = "ic@corp.test"  # a responder by the org's config
# A viewer, a responder, and a responder who was the scribe until a handover (no member now).
OUTSIDERS = {
    "viewer": "nosy-viewer@example.com",
    "responder": "nosy-responder@example.com",
    "former": "ex-scribe@example.com",
}
ROLES = {"viewer": "viewer", "responder": "responder", "former": "responder", "member": "responder"}
WHO = tuple(OUTSIDERS)
EXTRA = """\
runbooks:
  - {key: rb, markdown: "# Checks\\n\\n- look at the graphs"}
action_settings: {enabled: true}
actions:
  - id: annotate
    title: Annotate
    kind: command
    argv: [kubectl, annotate, "{{ text }}"]
    params: [{name: text, type: string, max_length: 500}]
    reversible: false
"""

API = (
    "/api/v1/incidents",
    "/api/v1/incidents?status=triggered&severity=P1&service=api",
    "/api/v1/incidents?drills=false&since=2000-01-01T00:00:00Z",
    "/api/v1/incidents/{n}",
    "/api/v1/incidents/{n}/roles",
    "/api/v1/incidents/{n}/timeline",
    "/api/v1/incidents/{n}/hypotheses",
    "/api/v1/incidents/{n}/tasks",
    "/api/v1/incidents/{n}/evidence",
    "/api/v1/incidents/{n}/evidence/export",
    "/api/v1/incidents/{n}/evidence/{evidence}",
    "/api/v1/incidents/{n}/evidence/{evidence}/content",
    "/api/v1/incidents/{n}/updates",
    "/api/v1/incidents/{n}/brief",
    "/api/v1/incidents/{n}/pages",
    "/api/v1/incidents/{n}/escalation",
    "/api/v1/incidents/{n}/runbooks",
    "/api/v1/incidents/{n}/actions",
    "/api/v1/incidents/{n}/action-items",
    "/api/v1/incidents/{n}/postmortem",
    "/api/v1/incidents/{n}/postmortem/export?format=md",
    "/api/v1/incidents/{n}/postmortem/export?format=html",
    "/api/v1/alerts",
    "/api/v1/alerts?status=firing",
    "/api/v1/alerts/{alert}",
    "/api/v1/notifications",
    "/api/v1/notifications/{message}",
    "/api/v1/notifications/{message}/text",
    "/api/v1/actions/runs",
    "/api/v1/action-items",
    "/api/v1/action-items?owner=ic@corp.test",
    "/api/v1/action-items?owner=nosy-responder@example.com",
    "/api/v1/action-items/{item}",
    "/api/v1/postmortems",
    "/api/v1/postmortems?overdue=true",
    "/api/v1/analytics?since=1d",
    "/api/v1/drills",
    "/api/v1/drills/report?since=1d",
    "/api/v1/oncall",
    "/api/v1/engine/status",
    "/api/v1/heartbeats",
    "/api/v1/me",
    "/api/v1/users",
    "/api/v1/services",
    "/api/v1/severities",
    "/api/v1/teams",
    "/api/v1/config",
    "/api/v1/escalation-policies",
    "/api/v1/oncall/check",
    "/api/v1/status/components",
    "/status",
    "/status/history",
    "/status/feed.atom",
    "/status/api/v2/summary.json",
    "/status/api/v2/incidents.json",
)
PAGES = (
    "/",
    "/ui/dashboard/fragment",
    "/ui/incidents",
    "/ui/incidents?state=all",
    "/ui/incidents?state=all&severity=P1&service=api",
    "/ui/incidents/{n}",
    "/ui/incidents/{n}/timeline",
    "/ui/incidents/{n}/evidence/{evidence}",
    "/ui/incidents/{n}/action-items",
    "/ui/events?incident={n}",
    "/ui/alerts",
    "/ui/silences",
    "/ui/analytics?since=1d",
    "/ui/postmortems",
    "/ui/postmortems/{n}",
    "/ui/postmortems/{n}/edit",
    "/ui/postmortems/{n}/export.md",
    "/ui/action-items",
    "/ui/action-items?incident=INC-{n}",
    "/ui/action-items/{item}",
    "/ui/oncall",
    "/ui/services",
    "/ui/config",
    "/ui/config/simulate?severity=P1&service=api",
)
# Forms a responder could send about the incident: refused without a word of it.
FORMS = (
    "/ui/incidents/{n}/status/ack",
    "/ui/incidents/{n}/severity",
    "/ui/incidents/{n}/roles",
    "/ui/incidents/{n}/roles/release",
    "/ui/incidents/{n}/notes",
    "/ui/incidents/{n}/actions",
    "/ui/incidents/{n}/updates",
    "/ui/incidents/{n}/evidence",
    "/ui/incidents/{n}/runbooks",
    "/ui/incidents/{n}/runbooks/rb/steps/1",
    "/ui/incidents/{n}/hypotheses",
    "/ui/incidents/{n}/tasks",
    "/ui/incidents/{n}/action-items",
    "/ui/action-items/{item}",
    "/ui/action-items/{item}/status",
    "/ui/postmortems/{n}/edit",
    "/ui/postmortems/{n}/submit",
)
# Where the member must find the incident's text (each domain at least once).
MEMBER_SEES = (
    "/api/v1/incidents",
    "/api/v1/incidents/{n}",
    "/api/v1/incidents/{n}/timeline",
    "/api/v1/incidents/{n}/hypotheses",
    "/api/v1/incidents/{n}/tasks",
    "/api/v1/incidents/{n}/evidence/{evidence}/content",
    "/api/v1/incidents/{n}/updates",
    "/api/v1/incidents/{n}/postmortem",
    "/api/v1/incidents/{n}/runbooks",
    "/api/v1/actions/runs",
    "/api/v1/alerts",
    "/api/v1/alerts/{alert}",
    "/api/v1/notifications",
    "/api/v1/action-items",
    "/api/v1/postmortems",
    "/",
    "/ui/incidents",
    "/ui/incidents/{n}",
    "/ui/alerts",
    "/ui/postmortems",
    "/ui/action-items",
)


@dataclass(frozen=True)
class World:
    ids: dict[str, int]
    headers: dict[str, dict[str, str]]

    def url(self, template: str) -> str:
        return template.format(**self.ids)


def _token(db: Database, clock: FakeClock, email: str, role: str) -> dict[str, str]:
    with db.session() as session:
        user = auth_service.ensure_user(session, clock, email=email, name="T", role=role)
        token = auth_service.create_token(session, clock, user, name="sweep")[1]
    return {"Authorization": f"Bearer {token}"}


def _as_member(client: TestClient, headers: dict[str, str], path: str, body: Any) -> Any:
    answer = client.post(path, json=body, headers=headers)
    assert answer.status_code in (200, 201, 202), (path, answer.text)
    return answer.json()


def _open(db: Database, clock: FakeClock) -> tuple[int, int]:
    with db.session() as session:
        incident = incidents.open_incident(
            session,
            clock,
            actor=MEMBER,
            title=f"{CANARY} title",
            summary=f"{CANARY} summary",
            severity="P1",
            services=["api"],
            private=True,
        )
        session.flush()
        return incident.id, incident.number


def _alert_and_pages(db: Database, clock: FakeClock, incident_id: int, number: int) -> list[int]:
    with db.session() as session:
        alert = Alert(
            integration="alertmanager", fingerprint="pvt", status="firing",
            labels={"alertname": f"{CANARY} alert"}, annotations={}, summary=f"{CANARY} alert",
            links=[], raw={}, first_seen_at=clock.now(), last_seen_at=clock.now(), service="api",
            incident_id=incident_id, incident_number=number,
        )  # fmt: skip
        session.add(alert)
        session.flush()
        ids = [alert.id]
        for email in (MEMBER, *OUTSIDERS.values()):  # as if paged before a handover
            user = auth_service.get_user_by_email(session, email)
            message = notify.queue_message(
                session, clock, url="json://127.0.0.1:9/hook", title=f"[P1] {CANARY} page",
                body=f"{CANARY} page", incident_id=incident_id, user_id=user.id,
                idempotency_key=f"pvt:{email}", purpose="page",
            )  # fmt: skip
            session.flush()
            ids.append(message.id)
    return ids


def _hand_over(db: Database, clock: FakeClock, number: int, before: str, after: str) -> None:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        for email in (before, after):
            incidents.assign_role(
                session, clock, incident, role="scribe", user_email=email, actor=MEMBER
            )


@pytest.fixture
def world(db: Database, clock: FakeClock, client: TestClient) -> World:
    apply(db, clock, org(EXTRA))
    headers = {who: _token(db, clock, email, ROLES[who]) for who, email in OUTSIDERS.items()}
    headers["member"] = _token(db, clock, MEMBER, "responder")
    incident_id, n = _open(db, clock)
    commander(db, clock, n, MEMBER)
    _hand_over(db, clock, n, OUTSIDERS["former"], "rev@corp.test")
    member = headers["member"]
    base = f"/api/v1/incidents/{n}"
    _as_member(client, member, f"{base}/notes", {"text": f"{CANARY} note"})
    evidence = _as_member(
        client,
        member,
        f"{base}/evidence",
        {"kind": "text", "name": f"{CANARY} evidence", "content": f"{CANARY} content"},
    )
    _as_member(client, member, f"{base}/hypotheses", {"text": f"{CANARY} hypothesis"})
    # Owning or assigned work makes no one a member. An action item's owner, a task's assignee
    # and a hypothesis' owner must be members when given it (422 otherwise): the ex-scribe takes
    # the role back for that moment and hands it over again, still holding the work.
    former = OUTSIDERS["former"]
    _hand_over(db, clock, n, "rev@corp.test", former)
    _as_member(client, member, f"{base}/tasks", {"text": f"{CANARY} task", "assignee": former})
    _as_member(client, member, f"{base}/hypotheses", {"text": f"{CANARY} hunch", "owner": former})
    owned = {"title": f"{CANARY} chore", "owner": former, "impact": "low", "effort": "low"}
    _as_member(client, member, f"{base}/action-items", owned)
    _hand_over(db, clock, n, former, "rev@corp.test")
    update = {"state": "investigating", "internal": f"{CANARY} internal"}
    _as_member(client, member, f"{base}/updates", update)
    item = _as_member(
        client,
        member,
        f"{base}/action-items",
        {"title": f"{CANARY} item", "owner": MEMBER, "impact": "high", "effort": "low"},
    )
    act(db, clock, n, "resolve", MEMBER)  # (a P1's postmortem is drafted on resolve)
    pm = client.get(f"{base}/postmortem", headers=member).json()
    saved = client.put(
        f"{base}/postmortem",
        json={"markdown": f"# {CANARY} postmortem\n", "version": pm["version"]},
        headers=member,
    )
    assert saved.status_code == 200, saved.text
    act(db, clock, n, "reopen", MEMBER)  # open again: on the dashboard and the open lists
    _as_member(client, member, f"{base}/runbooks", {"key": "rb"})
    _as_member(client, member, f"{base}/runbooks/rb/steps/1/notes", {"text": f"{CANARY} step"})
    run = {"action": "annotate", "params": {"text": f"{CANARY} run"}}
    _as_member(client, member, f"{base}/actions", run)
    alert, *messages = _alert_and_pages(db, clock, incident_id, n)
    ids = {"n": n, "evidence": evidence["id"], "item": item["id"], "alert": alert}
    return World(ids | {"message": messages[0]}, headers)


@pytest.fixture
def browser(
    app: FastAPI, make_ui_user: Callable[..., Any]
) -> Iterator[Callable[[str], TestClient]]:
    """browser(who) -> a client signed in to the UI as that person."""
    opened: list[TestClient] = []

    def open_as(who: str) -> TestClient:
        email = MEMBER if who == "member" else OUTSIDERS[who]
        make_ui_user(ROLES[who], email)
        client = TestClient(app)
        client.__enter__()
        opened.append(client)
        assert sign_in(client, email).status_code == 303
        return client

    yield open_as
    for client in opened:
        client.__exit__(None, None, None)


def test_the_api_shows_an_outsider_nothing(client: TestClient, world: World) -> None:
    """Every route of API asked by every outsider, on one world (one set-up per database);
    every answer that fails or carries the incident's text is named."""
    leaks = []
    for who in WHO:
        for template in API:
            answer = client.get(world.url(template), headers=world.headers[who])
            if answer.status_code >= 500 or CANARY in answer.text:
                leaks.append(f"{who} {template}: {answer.status_code} {answer.text[:200]}")
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("who", WHO)
def test_the_pages_show_an_outsider_nothing(
    world: World, browser: Callable[[str], TestClient], who: str
) -> None:
    client = browser(who)
    leaks = []
    for template in PAGES:
        answer = client.get(world.url(template))
        if answer.status_code >= 500 or CANARY in answer.text:
            leaks.append(f"{template}: {answer.status_code}")
    assert not leaks, "\n".join(leaks)


@pytest.mark.parametrize("who", WHO)
def test_forms_tell_an_outsider_nothing(
    world: World, browser: Callable[[str], TestClient], who: str
) -> None:
    client = browser(who)
    token = csrf_of(client.get("/ui/silences").text)
    leaks = []
    for template in FORMS:
        answer = client.post(world.url(template), data={"csrf_token": token, "text": "x"})
        if answer.status_code not in (403, 404) or CANARY in answer.text:
            leaks.append(f"{template}: {answer.status_code}")
    assert not leaks, "\n".join(leaks)


def test_the_member_sees_it_all(
    client: TestClient, world: World, browser: Callable[[str], TestClient]
) -> None:
    missing = []
    ui = browser("member")
    for template in MEMBER_SEES:
        if template.startswith("/api/"):
            answer = client.get(world.url(template), headers=world.headers["member"])
        else:
            answer = ui.get(world.url(template))
        if answer.status_code != 200 or CANARY not in answer.text:
            missing.append(f"{template}: {answer.status_code}")
    assert not missing, "\n".join(missing)
