"""The post-incident review's surfaces (issue 14) at their edges: what a person outside a private
incident can read of its postmortem, action items, analytics and drill figures (through the API
and the pages), who may start a drill, and whether config or a drill request sent over the
network can make the server read a file or render a template that reaches outside its sandbox.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.review.postmortems.org import act, apply, commander, org
from tests.integration.web.conftest import csrf, csrf_of, make_ui_user, ui_login
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.review.postmortems import render

__all__ = ["csrf", "make_ui_user", "ui_login"]  # fixtures used by the page tests below

CANARY = "PRIVATECANARY"
MEMBER = "ic@corp.test"


@dataclass(frozen=True)
class World:
    private: int  # a resolved P1 with a postmortem and an action item
    drill: int  # a private drill incident
    item_id: int
    headers: dict[str, dict[str, str]]


def _open(db: Database, clock: FakeClock, title: str, **extra: Any) -> int:
    with db.session() as session:
        incident = incidents.open_incident(
            session, clock, actor=MEMBER, title=title, severity="P1", services=["api"], **extra
        )
        session.flush()
        return incident.number


@pytest.fixture
def world(
    db: Database, clock: FakeClock, client: TestClient, make_token: Callable[..., str]
) -> World:
    apply(db, clock, org())
    private = _open(db, clock, f"{CANARY} checkout", private=True)
    commander(db, clock, private, MEMBER)
    act(db, clock, private, "ack", MEMBER)
    act(db, clock, private, "resolve", MEMBER)
    drill = _open(db, clock, f"{CANARY} rehearsal", private=True, drill=True)
    act(db, clock, drill, "ack", MEMBER)
    headers = {
        role: {"Authorization": f"Bearer {make_token(role)}"}
        for role in ("viewer", "responder", "admin")
    }
    # (the config made MEMBER a responder; the token takes that role)
    headers["member"] = {"Authorization": f"Bearer {make_token(email=MEMBER)}"}
    added = client.post(
        f"/api/v1/incidents/{private}/action-items",
        json={"title": f"{CANARY} fix", "owner": MEMBER, "impact": "high", "effort": "low"},
        headers=headers["admin"],
    )
    assert added.status_code == 201, added.text
    got = client.get(f"/api/v1/incidents/{private}/postmortem", headers=headers["admin"])
    assert got.status_code == 200 and got.json()["author"] == MEMBER  # made on resolve
    return World(private, drill, added.json()["id"], headers)


LISTS = (
    "/api/v1/postmortems",
    "/api/v1/postmortems?overdue=true",
    "/api/v1/action-items",
    "/api/v1/action-items?owner=ic@corp.test",
    "/api/v1/analytics?since=1d",
    "/api/v1/drills",
    "/api/v1/drills/report?since=1d",
)


def test_outsiders_read_nothing_of_a_private_incidents_review(
    client: TestClient, world: World
) -> None:
    one = (
        f"/api/v1/incidents/{world.private}/postmortem",
        f"/api/v1/incidents/{world.private}/postmortem/export?format=html",
        f"/api/v1/incidents/{world.private}/action-items",
        f"/api/v1/action-items/{world.item_id}",
        f"/api/v1/action-items?incident=INC-{world.private}",
    )
    for who in ("viewer", "responder"):
        for url in LISTS:
            answer = client.get(url, headers=world.headers[who])
            assert answer.status_code == 200, (who, url, answer.text)
            assert CANARY not in answer.text, (who, url)
        for url in one:
            answer = client.get(url, headers=world.headers[who])
            assert answer.status_code in (403, 404), (who, url, answer.status_code)
            assert CANARY not in answer.text, (who, url)
    # The member and an admin see them: the checks above could see a leak.
    for who in ("member", "admin"):
        report = client.get("/api/v1/drills/report?since=1d", headers=world.headers[who])
        assert f"{CANARY} rehearsal" in report.text, who
        for url in ("/api/v1/postmortems", "/api/v1/action-items", *one[:4]):
            assert CANARY in client.get(url, headers=world.headers[who]).text, (who, url)


def test_outsiders_cannot_act_on_a_private_incidents_review(
    client: TestClient, world: World
) -> None:
    writes: tuple[tuple[str, str, dict[str, Any] | None], ...] = (
        ("POST", f"/api/v1/incidents/{world.private}/postmortem", {}),
        ("PUT", f"/api/v1/incidents/{world.private}/postmortem", {"markdown": "x", "version": 1}),
        ("POST", f"/api/v1/incidents/{world.private}/postmortem/submit", None),
        ("POST", f"/api/v1/incidents/{world.private}/postmortem/publish", None),
        (
            "POST",
            f"/api/v1/incidents/{world.private}/action-items",
            {"title": "x", "owner": MEMBER, "impact": "low", "effort": "low"},
        ),
        ("PATCH", f"/api/v1/action-items/{world.item_id}", {"status": "done"}),
        ("POST", f"/api/v1/action-items/{world.item_id}/export", None),
    )
    for method, url, body in writes:
        answer = client.request(method, url, json=body, headers=world.headers["responder"])
        assert answer.status_code in (403, 404), (method, url, answer.status_code)
    item = client.get(f"/api/v1/action-items/{world.item_id}", headers=world.headers["admin"])
    assert item.json()["status"] == "open"
    pm = client.get(f"/api/v1/incidents/{world.private}/postmortem", headers=world.headers["admin"])
    assert pm.json()["state"] == "draft" and pm.json()["version"] == 1


def test_outsiders_see_nothing_on_the_review_pages(
    client: TestClient, world: World, ui_login: Callable[..., Any]
) -> None:
    ui_login(client, "responder")
    for url in ("/ui/postmortems", "/ui/action-items", "/ui/analytics?since=1d"):
        page = client.get(url)
        assert page.status_code == 200 and CANARY not in page.text, url
    for url in (
        f"/ui/postmortems/{world.private}",
        f"/ui/postmortems/{world.private}/edit",
        f"/ui/postmortems/{world.private}/export.md",
        f"/ui/incidents/{world.private}/action-items",
        f"/ui/action-items/{world.item_id}",
        f"/ui/action-items?incident=INC-{world.private}",
        f"/ui/events?incident={world.private}",
    ):
        page = client.get(url)
        # (the list's incident filter names the refusal in the page: 422)
        assert page.status_code in (403, 404, 422), (url, page.status_code)
        assert CANARY not in page.text, url
    token = csrf_of(client.get("/ui/postmortems").text)
    for url, data in (
        (f"/ui/postmortems/{world.private}/publish", {}),
        (f"/ui/postmortems/{world.private}/edit", {"op": "save", "markdown": "x", "version": "1"}),
        (f"/ui/action-items/{world.item_id}/status", {"status": "done"}),
        (f"/ui/incidents/{world.private}/action-items", {"title": "x", "owner": MEMBER}),
    ):
        answer = client.post(url, data={"csrf_token": token, **data}, follow_redirects=False)
        # refused with a page, or (review steps) a redirect whose flash names the refusal
        assert answer.status_code in (303, 403, 404), (url, answer.status_code)
        assert CANARY not in answer.text, url
    item = client.get(f"/api/v1/action-items/{world.item_id}", headers=world.headers["admin"])
    assert item.json()["status"] == "open"
    pm = client.get(f"/api/v1/incidents/{world.private}/postmortem", headers=world.headers["admin"])
    assert pm.json()["state"] == "draft" and pm.json()["version"] == 1
    listed = client.get(
        f"/api/v1/incidents/{world.private}/action-items", headers=world.headers["admin"]
    )
    assert len(listed.json()) == 1


def test_viewers_cannot_start_drills(client: TestClient, world: World) -> None:
    body = {"severity": "P1", "title": "practice"}
    refused = client.post("/api/v1/drills", json=body, headers=world.headers["viewer"])
    assert refused.status_code == 403
    started = client.post("/api/v1/drills", json=body, headers=world.headers["responder"])
    assert started.status_code == 201 and started.json()["title"].startswith("DRILL")


def test_a_drill_request_cannot_name_a_file_on_the_server(
    client: TestClient, world: World, tmp_path: Any
) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text("steps:\n  - {at: 0m, fire: leak, summary: SECRETFILE}\n")
    headers = world.headers["responder"]
    before = client.get("/api/v1/drills", headers=world.headers["admin"]).json()
    by_key = {"severity": "P1", "scenario_file": str(secret)}
    refused = client.post("/api/v1/drills", json=by_key, headers=headers)
    assert refused.status_code == 422 and "scenario_file" in refused.text
    inside = f"steps:\n  - at: 0m\n    fire: leak\n    summary_file: {secret}\n"
    refused = client.post(
        "/api/v1/drills", json={"severity": "P1", "scenario": inside}, headers=headers
    )
    assert refused.status_code == 422 and refused.json()["error"]["field"] == "scenario"
    assert "SECRETFILE" not in refused.text
    drills = client.get("/api/v1/drills", headers=world.headers["admin"]).json()
    assert drills == before  # no drill started (the world's private drill incident is one)


def test_config_over_the_network_cannot_read_review_files(
    client: TestClient, world: World, tmp_path: Any
) -> None:
    secret = tmp_path / "secret.md.j2"
    secret.write_text("SECRETFILE\n")
    sections = (
        f"postmortems:\n  template_file: {secret}\n",
        f"postmortems:\n  templates:\n    P1_file: {secret}\n",
        "drills:\n  - {name: d, severity: P1, every: weekly, scenario_file: " + f"{secret}}}\n",
        f"action_items:\n  export:\n    webhook_url_file: {secret}\n",
    )
    for text in sections:
        for who, expected in (("responder", 403), ("admin", 422)):
            answer = client.post(
                "/api/v1/config/apply",
                json={"files": {"org.yaml": org() + text}, "dry_run": True},
                headers=world.headers[who],
            )
            assert answer.status_code == expected, (who, text, answer.text)
            assert "SECRETFILE" not in answer.text


def test_postmortem_templates_stay_in_their_sandbox(tmp_path: Any) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRETFILE")
    for source in (
        f'{{% include "{secret}" %}}',
        f'{{% import "{secret}" as s %}}',
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
    ):
        problem = render.check(source)
        assert problem is not None, source
        assert "SECRETFILE" not in render.render_report(source, {"x": 1} | _sample()), source


def _sample() -> dict[str, Any]:
    from warroom.review.postmortems.sample import sample_context

    return sample_context()


def test_markdown_export_carries_no_script_or_script_links(
    client: TestClient, world: World
) -> None:
    url = f"/api/v1/incidents/{world.private}/postmortem"
    evil = (
        "# R\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(3)>\n\n"
        "[a](javascript:alert(2)) [b](JAVASCRIPT:alert(4)) [c](data:text/html,x)\n\n"
        "[d](<javascript:alert(5)>) ![e](javascript:alert(6))\n"
    )
    saved = client.put(url, json={"markdown": evil, "version": 1}, headers=world.headers["admin"])
    assert saved.status_code == 200, saved.text
    page = client.get(f"{url}/export?format=html", headers=world.headers["admin"]).text
    lowered = page.lower()
    assert "<script" not in lowered and "<img src=x" not in lowered
    assert 'href="javascript' not in lowered and 'src="javascript' not in lowered
    assert 'href="data:' not in lowered


def test_the_tracker_webhook_stays_an_admins_secret(
    db: Database,
    clock: FakeClock,
    settings: Any,
    client: TestClient,
    world: World,
    ui_login: Callable[..., Any],
) -> None:
    from tests.integration.notify.receivers import free_port
    from warroom.engine.worker import Worker

    secret = "tr4ckerS3cretPath"
    hook = f"http://127.0.0.1:{free_port()}/hooks/{secret}?token={secret}"
    section = f'action_items:\n  export:\n    webhook_url: "{hook}"\n    max_attempts: 1\n'
    body = {"files": {"org.yaml": org() + section}}
    refused = client.post("/api/v1/config/apply", json=body, headers=world.headers["responder"])
    assert refused.status_code == 403
    applied = client.post("/api/v1/config/apply", json=body, headers=world.headers["admin"])
    assert applied.status_code == 200 and secret not in applied.text
    public = _open(db, clock, "Public checkout")
    added = client.post(
        f"/api/v1/incidents/{public}/action-items",
        json={"title": "Fix", "owner": MEMBER, "impact": "low", "effort": "low", "export": True},
        headers=world.headers["responder"],
    )
    assert added.status_code == 201, added.text
    worker = Worker(db, clock, settings, "tracker")
    while worker.run_once():
        pass
    item = client.get(f"/api/v1/action-items/{added.json()['id']}", headers=world.headers["viewer"])
    assert item.json()["export"]["state"] == "failed" and secret not in item.text
    shown = client.get("/api/v1/config", headers=world.headers["admin"])
    assert shown.status_code == 200 and secret not in shown.text
    ui_login(client, "viewer")
    page = client.get(f"/ui/action-items/{added.json()['id']}")
    assert page.status_code == 200 and "failed" in page.text.lower() and secret not in page.text
    timeline = client.get(f"/ui/incidents/{public}")
    assert timeline.status_code == 200 and secret not in timeline.text
    with TestClient(client.app) as admin_browser:
        ui_login(admin_browser, "admin")
        config_page = admin_browser.get("/ui/config")
        assert config_page.status_code == 200 and secret not in config_page.text
