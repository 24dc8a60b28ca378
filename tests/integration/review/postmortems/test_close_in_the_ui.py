"""The web UI's Close on an incident whose postmortem is required and not published: refused
as by the API, the page says why (the postmortem's state and what to do), nothing changes."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.web.conftest import make_ui_user, ui_login
from tests.integration.web.incident_world import ORG, Login, World, post, shown, world_fixture
from warroom.config import service as config_service
from warroom.incidents import service as incidents

__all__ = ["make_ui_user", "ui_login", "world_fixture"]


def test_close_is_refused_and_the_page_says_why(
    world: World, client: TestClient, ui_login: Login
) -> None:
    text = ORG.replace("name: Major\n", "name: Major\n    postmortem: {required: true}\n", 1)
    doc, problems = config_service.load_files({"org.yaml": text})
    assert not problems, problems.lines()
    with world.db.session() as session:
        config_service.apply_document(session, world.clock, doc, actor="test")
    number = world.open()
    with world.db.session() as session:
        found = incidents.get_incident(session, number)
        incidents.resolve(session, world.clock, found, actor="oncall@shop.test")
    ui_login(client)
    post(client, number, "/status/close")
    html = shown(client, number)
    assert world.incident(number).status == "resolved"
    assert f"INC-{number} cannot be closed before its postmortem is published" in html
    # What to do, said for this page: not a CLI command.
    assert "open Postmortem at the top of this page to write, submit and publish it" in html
    assert "warroom postmortem" not in html
    assert 'class="flash flash-error"' in html
