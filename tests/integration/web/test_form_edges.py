"""Forms of the web UI at their edges: a refusal that echoes a long value, text no database can
store, and a form sent after the session ended. Each answer is a readable page (never raw JSON,
never a lost message) and nothing is written."""

from __future__ import annotations

import html
import re

import pytest
from fastapi.testclient import TestClient

from tests.integration.web.conftest import csrf_of, sign_in
from tests.integration.web.incident_world import (  # noqa: F401  (the world fixture)
    Login,
    World,
    post,
    shown,
    world_fixture,
)
from warroom.audit import service as timeline
from warroom.evidence import service as evidence
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
    answer = post(client, number, "/roles", {"role": letter * 5000})
    assert answer.status_code == 303
    cookie = _flash_cookie(answer)
    assert len(cookie.encode()) < BROWSER_COOKIE_LIMIT  # a browser would drop it: no message
    page = shown(client, number)
    assert "unknown role" in page and 'class="flash flash-error"' in page
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


def test_a_form_sent_after_the_session_ended_leads_back_to_its_page(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open()
    user = ui_login(client)
    page_url = f"http://testserver/ui/incidents/{number}"
    token = csrf_of(client.get(f"/ui/incidents/{number}").text)
    client.post("/logout", data={"csrf_token": token})  # as if the session had expired
    answer = client.post(
        f"/ui/incidents/{number}/notes",
        data={"csrf_token": token, "text": "lost?"},
        headers={"Referer": page_url},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/login?next=/ui/incidents/{number}"
    login_page = html.unescape(client.get(answer.headers["location"]).text)
    assert "was not sent" in login_page
    signed_in = sign_in(client, user.email, next=f"/ui/incidents/{number}")
    assert signed_in.headers["location"] == f"/ui/incidents/{number}"
    assert client.get(signed_in.headers["location"]).status_code == 200
    assert _notes(world, number) == []

    # A form another site's page sent (the browser says so, and sends no Lax cookie) is no
    # session that ended: nothing to tell a person who may well be signed in.
    with TestClient(client.app) as elsewhere:
        forged = elsewhere.post(
            f"/ui/incidents/{number}/notes",
            data={"text": "forged"},
            headers={"Referer": "https://evil.example/", "Sec-Fetch-Site": "cross-site"},
            follow_redirects=False,
        )
    assert forged.status_code == 303 and forged.headers["location"] == "/login"
    assert "warroom_flash=" not in str(forged.headers.get_list("set-cookie"))
    assert _notes(world, number) == []

    # Without a Referer from this server (or with another site's), back to the dashboard.
    for referer in (None, "https://evil.example/ui/incidents/1"):
        client.post("/logout", data={"csrf_token": csrf_of(client.get("/").text)})
        headers = {"Referer": referer} if referer else {}
        answer = client.post(
            f"/ui/incidents/{number}/notes",
            data={"text": "x"},
            headers=headers,
            follow_redirects=False,
        )
        assert answer.status_code == 303 and answer.headers["location"] == "/login"
        sign_in(client, user.email)


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/ui/incidents?severity=%00", "severity"),
        ("/ui/incidents?service=a%00b", "service"),
        ("/ui/alerts?service=%00", "service"),
        ("/ui/action-items?owner=%00", "owner"),
        ("/ui/analytics?service=%00", "service"),
        ("/ui/events?incident=2147483648", "incident"),
        ("/ui/events?incident=1&after=99999999999999999999", "after"),
    ],
)
def test_a_page_address_no_database_can_read_is_a_readable_422(
    path: str, field: str, world: World, client: TestClient, ui_login: Login
) -> None:
    world.open()
    ui_login(client, "viewer")
    answer = client.get(path)
    assert answer.status_code == 422  # on PostgreSQL it was the database's raw JSON error
    assert answer.headers["content-type"].startswith("text/html")
    assert field in html.unescape(answer.text)


def test_an_alert_page_far_past_the_last_alert_is_an_empty_page(
    world: World, client: TestClient, ui_login: Login
) -> None:
    ui_login(client, "viewer")
    for before in ("99999999999999999999", "2147483648"):
        answer = client.get(f"/ui/alerts?status=all&before={before}")
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/html")


def test_an_evidence_file_sent_with_a_nul_in_its_type_is_refused_naming_the_field(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open()
    ui_login(client)
    token = csrf_of(client.get(f"/ui/incidents/{number}").text)
    body = (
        f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        '--b\r\nContent-Disposition: form-data; name="file"; filename="x.txt"\r\n'
        "Content-Type: text/plain\x00\r\n\r\nx\r\n--b--\r\n"
    ).encode()
    answer = client.post(
        f"/ui/incidents/{number}/evidence",
        content=body,
        headers={"Content-Type": "multipart/form-data; boundary=b"},
        follow_redirects=False,
    )
    assert answer.status_code == 422  # on PostgreSQL it was the database's raw JSON error
    assert answer.headers["content-type"].startswith("text/html")
    assert "file holds a NUL character" in html.unescape(answer.text)
    with world.db.session() as session:
        assert evidence.list_evidence(session, incidents.get_incident(session, number)) == []


@pytest.mark.parametrize("duration", ["99999999d", "9999999999999d"])
def test_a_duration_too_long_for_a_calendar_is_refused_naming_the_field(
    duration: str, world: World, client: TestClient, ui_login: Login
) -> None:
    """A silence for 99999999d (past year 9999) or a next update in 9999999999999d (past what a
    timedelta holds) answered 500 Internal Server Error; it is the form's refusal now."""
    number = world.open()
    ui_login(client)
    token = csrf_of(client.get("/ui/silences").text)
    silence = client.post(
        "/ui/silences",
        data={"csrf_token": token, "matchers": 'service="checkout"', "duration": duration,
              "comment": "deploy"},
    )  # fmt: skip
    assert silence.status_code == 422
    assert "duration" in html.unescape(silence.text) and "too long" in html.unescape(silence.text)
    update = post(client, number, "/updates", {"state": "investigating", "internal": "x",
                                                "next_update": duration})  # fmt: skip
    assert update.status_code == 422  # shown again as typed, with why
    errors = re.findall(r'class="error" role="alert">([^<]*)', update.text)
    assert len(errors) == 1 and "next update" in errors[0], errors  # "too long", "within 7 days"
