"""What a responder meets on the incident page at 3am: a refused status update keeps what was
typed, the page says when someone must start working the incident (as `incident show` does),
and every button that cannot be taken back asks first."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.web.incident_world import (  # noqa: F401  (the world fixture)
    Login,
    World,
    post,
    shown,
    world_fixture,
)
from warroom.actions import service as actions
from warroom.catalog.models import Severity
from warroom.comms import service as comms
from warroom.incidents import service as incidents
from warroom.runbooks import checklist
from warroom.runbooks import service as runbooks


def test_a_refused_status_update_is_shown_again_as_typed_with_why(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open()
    ui_login(client)
    draft = {
        "state": "identified",
        "internal": "Cause: the 1.4 deploy <broke> checkout",
        "public": "Some payments fail; we found why",
        "next_update": "banana",
        "force": "1",
        "do": "post",
    }
    answer = post(client, number, "/updates", draft)
    assert answer.status_code == 422
    page = html.unescape(answer.text)
    assert "Not posted: next update: 'banana' is not a duration" in page
    assert ">Cause: the 1.4 deploy <broke> checkout</textarea>" in page
    assert ">Some payments fail; we found why</textarea>" in page
    assert 'name="next_update" maxlength="20" value="banana"' in page
    assert '<option value="identified" selected>' in page
    assert 'name="force" value="1" checked' in page
    with world.db.session() as session:
        incident = incidents.get_incident(session, number)
        assert comms.list_updates(session, incident.id) == []

    # Corrected, it posts and goes back to the page as before.
    fixed = post(client, number, "/updates", {**draft, "next_update": "30m"})
    assert fixed.status_code == 303 and fixed.headers["location"].endswith("#updates")
    assert "internal and public status update posted (identified)" in shown(client, number)


def test_the_page_says_when_someone_must_start_working_it(
    world: World, client: TestClient, ui_login: Login
) -> None:
    with world.db.session() as session:
        session.query(Severity).filter_by(key="SEV2").one().respond_within_s = 900
    number = world.open()
    ui_login(client)
    status = re.search(r'<section id="status".*?</section>', shown(client, number), re.S)
    assert status and re.search(
        r'<dt>Start work</dt><dd><time class="deadline"[^>]*title="respond by">in 15 min', status[0]
    ), status[0]
    post(client, number, "/notes", {"text": "Looking at the deploy"})  # the first response
    status = re.search(r'<section id="status".*?</section>', shown(client, number), re.S)
    assert status and "Start work" not in status[0]
    assert "Responded" in status[0]


def _danger_forms(page: str) -> list[str]:
    """Each form holding a btn-danger button: its opening tag and the button's."""
    found = []
    for form in re.findall(r"<form\b[^>]*>.*?</form>", page, re.S):
        button = re.search(r'<button class="btn btn-danger[^"]*"[^>]*>', form)
        if button:
            found.append(form.split(">", 1)[0] + ">" + button[0])
    return found


def test_every_button_that_cannot_be_taken_back_asks_first(
    world: World, client: TestClient, ui_login: Login, make_token: MakeToken
) -> None:
    number = world.open(severity="SEV2", services=["checkout"])
    ui_login(client, "admin")
    post(client, number, "/actions", {"action": "pause-market", "param_market": "EU"})
    world.work()
    page = html.unescape(shown(client, number))
    forms = _danger_forms(page)
    assert len(forms) == 2, forms  # Resolve and Revert #1
    assert all("data-confirm=" in f for f in forms), forms
    assert f'data-confirm="Resolve INC-{number} (Checkout fails)?"' in page
    assert 'data-confirm="Revert #1 (Pause a market)? Its undo is requested now."' in page

    make_token("responder", email="bob@shop.test")  # a person to deactivate, a token to revoke
    admin = html.unescape(client.get("/ui/admin").text)
    forms = _danger_forms(admin)
    assert len(forms) == 2 and all("data-confirm=" in f for f in forms), forms


def test_refused_work_is_shown_again_as_typed_with_why(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open()
    ui_login(client)
    task = {"text": "Roll back 1.4 on every <node>", "assignee": "bobb@shop.test"}
    answer = post(client, number, "/tasks", task)
    assert answer.status_code == 422
    tasks = html.unescape(re.search(r'<section id="tasks".*?</section>', answer.text, re.S)[0])
    assert 'value="Roll back 1.4 on every <node>"' in tasks
    assert 'value="bobb@shop.test"' in tasks
    assert "Not added: assignee: no user with e-mail 'bobb@shop.test'" in tasks

    idea = {"text": "The cache is cold", "owner": "nobody@shop.test"}
    answer = post(client, number, "/hypotheses", idea)
    assert answer.status_code == 422
    ideas = html.unescape(re.search(r'<section id="hypotheses".*?</section>', answer.text, re.S)[0])
    assert 'value="The cache is cold"' in ideas and 'value="nobody@shop.test"' in ideas
    assert "Not added: owner: no user with e-mail 'nobody@shop.test'" in ideas

    answer = post(client, number, "/severity", {"severity": "SEV1", "reason": " "})
    assert answer.status_code == 422
    status = html.unescape(re.search(r'<section id="status".*?</section>', answer.text, re.S)[0])
    assert '<option value="SEV1" selected>' in status
    assert "Not changed: a severity change needs a reason" in status

    with world.db.session() as session:
        incident = incidents.get_incident(session, number)
        assert incidents.list_tasks(session, incident) == []
        assert incidents.list_hypotheses(session, incident) == []
        assert incident.severity == "SEV2"
    # Accepted, each goes back to the page as before.
    done = post(client, number, "/tasks", {**task, "assignee": ""})
    assert done.status_code == 303 and done.headers["location"].endswith("#tasks")
    assert "task added" in shown(client, number)


def test_a_runbook_steps_notes_are_shown_on_it(
    world: World, client: TestClient, ui_login: Login
) -> None:
    """`warroom step note` (the API's step notes) wrote notes the page never showed."""
    number = world.open()
    with world.db.session() as session:
        runbooks.attach(session, world.clock, number, "checkout-errors", "lead@shop.test")
        checklist.add_note(
            session,
            world.clock,
            number,
            "checkout-errors",
            2,
            actor="lead@shop.test",
            text="deploy 1.4 went out at 02:50 <UTC>",
        )
    ui_login(client, "viewer")
    page = shown(client, number)
    assert re.search(
        r'2\. Check the last deploy</span>\s*<ul class="step-notes"><li>deploy 1\.4 went out at '
        r'02:50 <UTC> <span class="muted">— lead@shop\.test</span>',
        page,
    ), page


def test_an_actions_required_parameter_must_be_filled_in_before_it_is_sent(
    world: World, client: TestClient, ui_login: Login
) -> None:
    """An empty required parameter went to the server, which refused it with a flash."""
    number = world.open(severity="SEV2", services=["checkout"])
    ui_login(client)
    page = shown(client, number)
    assert re.search(r'<input id="param-pause-market-market" name="param_market" required', page)


def test_a_refused_action_request_is_shown_again_as_typed(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open(severity="SEV2", services=["checkout"])
    ui_login(client)
    ask = {"action": "pause-market", "param_market": "eu-west", "dry_run": "1"}
    answer = post(client, number, "/actions", ask)
    assert answer.status_code == 422
    section = html.unescape(re.search(r'<section id="actions".*?</section>', answer.text, re.S)[0])
    assert "Not requested: market must match" in section
    form = re.search(r'<details class="action-def" open>.*?</details>', section, re.S)
    assert form and "pause-market" in form[0], section
    assert 'name="param_market" required' in form[0] and 'value="eu-west"' in form[0]
    assert 'name="dry_run" value="1" checked' in form[0]
    with world.db.session() as session:
        assert actions.list_runs(session) == []
