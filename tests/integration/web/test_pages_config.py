"""The config page (issue 13): the running revision, the plan of pasted or uploaded files (the
plan `config plan` prints, secrets masked, references refused as over the API, nothing
written), applying for admins only, and the simulation of a ladder on the running config."""

from __future__ import annotations

import html
import os
import re
import threading
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.paging.world import ORG, apply
from warroom.clock import FakeClock
from warroom.config.models import ConfigRevision
from warroom.db import Database
from warroom.web import pages_config

CANARY = "CANARY-0d1e2f3a4b5c6d7e8f90"
WITH_SECRET = (
    ORG + 'integrations:\n  - {key: am, type: alertmanager, secret: "first-secret-0123456789"}\n'
)
PROPOSED = WITH_SECRET.replace("first-secret-0123456789", CANARY).replace(
    "        escalate_after: 5m\n", "        escalate_after: 10m\n"
)


def revisions(db: Database) -> list[tuple[int, str]]:
    with db.session() as session:
        rows = session.execute(select(ConfigRevision.id, ConfigRevision.applied_by))
        return [(int(r.id), str(r.applied_by)) for r in rows.all()]


def plan_text(page: str) -> str:
    found = re.search(r'<pre class="plan">(.*?)</pre>', page, re.S)
    assert found, "no plan on the page"
    return html.unescape(found.group(1))


def test_running_revision_is_shown_to_viewers_without_plan_controls(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply(db, clock, WITH_SECRET)
    ui_login(client, "viewer")
    page = client.get("/ui/config")
    assert page.status_code == 200
    [(revision_id, _)] = revisions(db)
    assert f'id="revision-id">{revision_id} ' in page.text
    assert 'id="revision-by">test<' in page.text
    assert "<code>escalation_policies</code>" in page.text
    assert "secret: &#39;***&#39;" in page.text or "secret: &#39;***&#39;" in page.text
    assert "first-secret-0123456789" not in page.text
    assert 'action="/ui/config/plan' not in page.text  # planning and applying are for admins


def test_plan_of_pasted_config_shows_the_diff_masks_secrets_and_writes_nothing(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    ui_login: Callable[..., Any],
    csrf: Callable[[TestClient, str], str],
) -> None:
    apply(db, clock, WITH_SECRET)
    ui_login(client, "admin")
    token = csrf(client, "/ui/config")
    answer = client.post(
        "/ui/config/plan", data={"csrf_token": token, "text": PROPOSED, "filename": "org.yaml"}
    )
    assert answer.status_code == 200, answer.text
    plan = plan_text(answer.text)
    assert "~ update escalation_policy atlas" in plan
    assert 'levels[0].escalate_after: "5m" → "10m"' in plan
    # The secret changed: the plan says so, masked, exactly as `config plan` prints it.
    assert '~ update integration am\n    secret_hash: "***" → "***"' in plan
    assert CANARY not in answer.text and "first-secret" not in answer.text
    assert "Plan: 0 to create, 2 to update, 0 to delete" in answer.text
    assert len(revisions(db)) == 1  # a plan writes nothing

    uploaded = client.post(
        "/ui/config/plan",
        data={"csrf_token": token},
        files={"upload": ("org.yaml", PROPOSED.encode(), "application/yaml")},
    )
    assert uploaded.status_code == 200
    assert plan_text(uploaded.text) == plan


def test_references_and_broken_files_are_refused_like_the_api_refuses_them(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    ui_login: Callable[..., Any],
    csrf: Callable[[TestClient, str], str],
) -> None:
    apply(db, clock, WITH_SECRET)
    ui_login(client, "admin")
    token = csrf(client, "/ui/config")
    with_env = WITH_SECRET.replace('"first-secret-0123456789"', '"${HOME}"')
    refused = client.post("/ui/config/plan", data={"csrf_token": token, "text": with_env})
    assert refused.status_code == 422
    assert 'id="plan-problems"' in refused.text
    assert "warroom config apply` on the server" in html.unescape(refused.text)
    assert os.environ["HOME"] not in refused.text
    broken = client.post(
        "/ui/config/plan",
        data={"csrf_token": token, "text": "schedules: [", "filename": "bad.yaml"},
    )
    assert broken.status_code == 422 and "bad.yaml:" in broken.text
    empty = client.post("/ui/config/plan", data={"csrf_token": token, "text": " "})
    assert empty.status_code == 422 and "paste a config file" in empty.text
    assert len(revisions(db)) == 1


def test_only_admins_plan_or_apply_and_an_admin_apply_makes_a_revision(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    ui_login: Callable[..., Any],
    csrf: Callable[[TestClient, str], str],
) -> None:
    apply(db, clock, WITH_SECRET)
    ui_login(client, "responder")
    token = csrf(client, "/ui/config")
    data = {"csrf_token": token, "text": PROPOSED}
    assert client.post("/ui/config/plan", data=data).status_code == 403
    assert client.post("/ui/config/apply", data=data).status_code == 403
    assert len(revisions(db)) == 1

    client.cookies.clear()
    admin = ui_login(client, "admin")
    token = csrf(client, "/ui/config")
    applied = client.post(
        "/ui/config/apply", data={"csrf_token": token, "text": PROPOSED}, follow_redirects=False
    )
    assert applied.status_code == 303
    assert revisions(db)[-1][1] == admin.email and len(revisions(db)) == 2
    assert "Applied revision" in client.get("/ui/config").text


def test_simulation_shows_who_is_paged_when(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply(db, clock)
    ui_login(client, "responder")
    page = client.get(
        "/ui/config/simulate", params={"severity": "P0", "service": "api", "hours": "2"}
    )
    assert page.status_code == 200, page.text
    rows = re.findall(r'<tr class="sim-page">(.*?)</tr>', page.text, re.S)
    cells = [re.findall(r"<td>(.*?)</td>", row, re.S) for row in rows]
    firsts = [(c[0], c[3], c[5]) for c in cells]
    assert ("0 min", "oncall1@atlas.test", "level 1") in firsts
    assert ("5 min", "lead@atlas.test", "level 2") in firsts
    assert ("30 min", "lead@atlas.test", "unresolved 30m") in firsts
    assert "Escalation policy: <strong>atlas</strong>" in page.text

    acked = client.get(
        "/ui/config/simulate", params={"severity": "P0", "service": "api", "ack_after": "2m"}
    )
    assert "level 2" not in acked.text  # acknowledged before the second level

    bad = client.get("/ui/config/simulate", params={"severity": "SEV9"})
    assert bad.status_code == 422 and "unknown severity &#39;SEV9&#39;" in bad.text


@pytest.mark.parametrize("ack_after", ["99999999d", "3h"])
def test_an_acknowledgement_after_the_play_ends_is_refused_naming_the_field(
    ack_after: str,
    client: TestClient,
    db: Database,
    clock: FakeClock,
    ui_login: Callable[..., Any],
) -> None:
    """ack_after=99999999d answered 500 (a date past year 9999 inside the simulation); an
    acknowledgement after the hours played is none: the form says so."""
    apply(db, clock)
    ui_login(client, "responder")
    params = {"severity": "P0", "service": "api", "ack_after": ack_after, "hours": "2"}
    page = client.get("/ui/config/simulate", params=params)
    assert page.status_code == 422
    assert "ack_after" in page.text and "after the end of the play" in page.text


def test_viewers_cannot_run_simulations(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply(db, clock)
    ui_login(client, "viewer")
    assert client.get("/ui/config/simulate", params={"severity": "P0"}).status_code == 403


def test_a_second_simulation_while_one_plays_is_told_busy_at_once(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply(db, clock)
    ui_login(client, "responder")
    params = {"severity": "P0", "service": "api", "hours": "2"}
    answers: list[Any] = []
    asking = threading.Thread(
        target=lambda: answers.append(client.get("/ui/config/simulate", params=params))
    )
    with pages_config._SIMULATING:  # one plays (held here): the next does not queue behind it
        asking.start()
        asking.join(30)  # a safety net only: the answer comes at once, or the test fails
        queued = asking.is_alive()
    asking.join()
    assert not queued, "the second simulation waited for the first instead of answering busy"
    [busy] = answers
    assert busy.status_code == 503
    assert "a simulation is already playing" in busy.text
    assert client.get("/ui/config/simulate", params=params).status_code == 200
