"""The alerts and silences pages (issue 13): real alerts from an Alertmanager webhook, filters,
the incident each alert joined, silences created and expired through the intake service."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.intake.conftest import AM_FIRING, am_headers, am_partial, apply_config
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.intake.models import Silence

URL = "/api/v1/intake/alertmanager"
FIRST, SECOND = "checkout 5xx ratio is 7.3%", "checkout 5xx ratio is 6.1%"


def _silences(db: Database) -> list[Silence]:
    with db.session() as session:
        return list(session.scalars(select(Silence).order_by(Silence.id)))


def test_alerts_page_shows_firing_and_resolved_alerts_with_their_incident(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply_config(db, clock)
    number = client.post(URL, json=AM_FIRING, headers=am_headers()).json()["incidents"][0]
    assert client.post(URL, json=am_partial(), headers=am_headers()).status_code == 202
    ui_login(client, "viewer")

    everything = client.get("/ui/alerts", params={"status": "all"})
    assert everything.status_code == 200
    assert FIRST in everything.text and SECOND in everything.text
    assert everything.text.count(f'href="/ui/incidents/{number}"') == 2
    assert f"INC-{number}" in everything.text

    firing = client.get("/ui/alerts", params={"status": "firing"}).text
    assert SECOND in firing and FIRST not in firing
    resolved = client.get("/ui/alerts", params={"status": "resolved"}).text
    assert FIRST in resolved and SECOND not in resolved
    # The default is the open alerts.
    assert FIRST not in client.get("/ui/alerts").text

    one = client.get("/ui/alerts", params={"status": "all", "label": 'instance="10.42.5.9:8080"'})
    assert SECOND in one.text and FIRST not in one.text
    assert FIRST not in client.get("/ui/alerts", params={"status": "all", "service": "web"}).text


def test_a_bad_label_filter_is_a_clear_error(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply_config(db, clock)
    ui_login(client, "viewer")
    page = client.get("/ui/alerts", params={"label": "no operator"})
    assert page.status_code == 422
    assert 'id="filter-error"' in page.text and "label" in page.text


def test_silence_created_from_the_page_silences_then_expires(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    ui_login: Callable[..., Any],
    csrf: Callable[[TestClient, str], str],
) -> None:
    apply_config(db, clock)
    me = ui_login(client, "responder")
    token = csrf(client, "/ui/silences")
    made = client.post(
        "/ui/silences",
        data={
            "csrf_token": token,
            "matchers": 'service="checkout"\nalertname="HighErrorRate"',
            "duration": "2h",
            "comment": "deploying the fix",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303 and made.headers["location"] == "/ui/silences"
    [silence] = _silences(db)
    assert silence.matchers == ['service="checkout"', 'alertname="HighErrorRate"']
    assert silence.author == me.email
    assert silence.starts_at == clock.now()
    assert (silence.ends_at - silence.starts_at).total_seconds() == 7200
    listing = client.get("/ui/silences").text
    assert f"Silence {silence.id} created" in listing
    assert f'data-silence="{silence.id}" data-state="active"' in listing

    # In force: the checkout alerts are kept from paging, and the alerts page says why.
    client.post(URL, json=AM_FIRING, headers=am_headers())
    assert f"suppressed: silence:{silence.id}" in client.get("/ui/alerts").text

    expired = client.post(
        f"/ui/silences/{silence.id}/expire", data={"csrf_token": token}, follow_redirects=False
    )
    assert expired.status_code == 303
    [silence] = _silences(db)
    assert silence.expired_at == clock.now()
    assert f'data-silence="{silence.id}"' not in client.get("/ui/silences").text
    every = client.get("/ui/silences", params={"all": "1"}).text
    assert f'data-silence="{silence.id}" data-state="expired"' in every


def test_a_refused_silence_names_the_field_and_writes_nothing(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    ui_login: Callable[..., Any],
    csrf: Callable[[TestClient, str], str],
) -> None:
    apply_config(db, clock)
    ui_login(client, "responder")
    token = csrf(client, "/ui/silences")
    base = {"csrf_token": token, "matchers": 'service="checkout"', "duration": "1h"}
    cases = [
        ({"matchers": "no operator"}, "matchers[0]"),
        ({"duration": "soon"}, "duration"),
        ({"comment": ""}, "comment"),
        ({"starts_at": "tomorrow"}, "starts_at"),
    ]
    for change, field in cases:
        answer = client.post("/ui/silences", data={**base, "comment": "why", **change})
        assert answer.status_code == 422, change
        error = re.search(r'id="silence-error">([^<]*)<', answer.text)
        assert error and field in error.group(1) + answer.text, change
        assert 'aria-invalid="true"' in answer.text
    assert _silences(db) == []


def test_viewers_see_silences_but_cannot_create_or_expire(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    ui_login: Callable[..., Any],
    csrf: Callable[[TestClient, str], str],
) -> None:
    apply_config(db, clock)
    ui_login(client, "viewer")
    page = client.get("/ui/silences")
    assert page.status_code == 200
    assert 'action="/ui/silences"' not in page.text
    token = csrf(client, "/ui/alerts")  # the page's filter form is GET; base.html's logout has one
    data = {"csrf_token": token, "matchers": 'a="b"', "duration": "1h", "comment": "x"}
    assert client.post("/ui/silences", data=data).status_code == 403
    assert _silences(db) == []


def test_silence_forms_need_the_csrf_token(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply_config(db, clock)
    ui_login(client, "responder")
    data = {"matchers": 'a="b"', "duration": "1h", "comment": "x", "csrf_token": "forged"}
    assert client.post("/ui/silences", data=data).status_code == 403
    assert _silences(db) == []


def test_alerts_of_a_private_incident_are_shown_only_to_its_members_and_admins(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply_config(db, clock)
    number = client.post(URL, json=AM_FIRING, headers=am_headers()).json()["incidents"][0]
    with db.session() as session:
        incidents.get_incident(session, number).private = True
    ui_login(client, "viewer")
    hidden = client.get("/ui/alerts", params={"status": "all"}).text
    assert FIRST not in hidden and SECOND not in hidden and 'id="no-alerts"' in hidden
    client.cookies.clear()
    ui_login(client, "admin")
    shown = client.get("/ui/alerts", params={"status": "all"}).text
    assert FIRST in shown and SECOND in shown
