"""Forms of the web UI at their edges: a refusal that echoes a long value, and text no database
can store. Each answer is a readable page (never raw JSON, never a lost message) and nothing is
written."""

from __future__ import annotations

import html

import pytest
from fastapi.testclient import TestClient

from tests.integration.web.incident_world import (  # noqa: F401  (the world fixture)
    Login,
    World,
    post,
    shown,
    world_fixture,
)
from warroom.audit import service as timeline
from warroom.incidents import service as incidents

BROWSER_COOKIE_LIMIT = 4096  # bytes of name=value a browser keeps; a larger cookie is dropped


def _flash_cookie(answer: object) -> str:
    cookies = [
        c
        for c in answer.headers.get_list("set-cookie")
        if c.startswith("warroom_flash=")  # type: ignore[attr-defined]
    ]
    assert len(cookies) == 1, answer.headers  # type: ignore[attr-defined]
    return cookies[0].split(";")[0]


def _notes(world: World, number: int) -> list[str]:
    with world.db.session() as session:
        incident = incidents.get_incident(session, number)
        events = timeline.last_events(session, incident_id=incident.id, count=50)
        return [str(e.payload.get("text")) for e in events if e.kind == "incident:note:added"]


def _hypotheses(world: World, number: int) -> list[str]:
    with world.db.session() as session:
        incident = incidents.get_incident(session, number)
        return [h.text for h in incidents.list_hypotheses(session, incident)]


@pytest.mark.parametrize("letter", ["X", "é", "語"])
def test_a_refusal_echoing_a_long_value_still_reaches_the_page(
    letter: str, world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open()
    ui_login(client)
    answer = post(client, number, "/severity", {"severity": letter * 5000, "reason": "why"})
    assert answer.status_code == 303
    cookie = _flash_cookie(answer)
    assert len(cookie.encode()) < BROWSER_COOKIE_LIMIT  # a browser would drop it: no message
    page = shown(client, number)
    assert "unknown severity" in page and 'class="flash flash-error"' in page
    assert world.incident(number).severity == "SEV2"


@pytest.mark.parametrize("text", ["before\x00after", "\x00"])
def test_text_no_database_can_store_is_refused_naming_the_field(
    text: str, world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open()
    ui_login(client)
    answer = post(client, number, "/hypotheses", {"text": text})
    assert answer.status_code == 422  # on PostgreSQL it was a raw JSON answer, on SQLite stored
    assert answer.headers["content-type"].startswith("text/html")
    assert "text holds a NUL character" in html.unescape(answer.text)
    assert _hypotheses(world, number) == []
    # The same form with storable text works.
    assert post(client, number, "/hypotheses", {"text": "fine"}).status_code == 303
    assert _hypotheses(world, number) == ["fine"]
