"""Silencing from an alert: a responder on /ui/alerts follows "Silence" on a noisy alert and
finds the new-silence form filled with that alert's labels as matchers, instead of retyping
them at 3am. Viewers get no such link; an alert of a private incident stays hidden."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.intake.conftest import AM_FIRING, am_headers, apply_config
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.intake.models import Alert, Silence

URL = "/api/v1/intake/alertmanager"
LABELS = AM_FIRING["alerts"][0]["labels"]


def _first_alert_id(db: Database) -> int:
    with db.session() as session:
        alert = session.scalars(select(Alert).where(Alert.fingerprint == "875de8422d4f4968"))
        return alert.one().id


def _textarea(page: str) -> list[str]:
    found = re.search(r'<textarea id="si-matchers"[^>]*>(.*?)</textarea>', page, re.S)
    assert found, page
    return [line for line in html.unescape(found.group(1)).splitlines() if line]


def test_a_responder_silences_an_alert_from_the_alerts_page(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    ui_login: Callable[..., Any],
    csrf: Callable[[TestClient, str], str],
) -> None:
    apply_config(db, clock)
    assert client.post(URL, json=AM_FIRING, headers=am_headers()).status_code == 202
    alert_id = _first_alert_id(db)
    ui_login(client, "responder")

    listed = client.get("/ui/alerts").text
    link = f'href="/ui/silences?alert={alert_id}"'
    assert link in listed

    page = client.get("/ui/silences", params={"alert": alert_id})
    assert page.status_code == 200
    expected = sorted(f'{k}="{v}"' for k, v in LABELS.items())
    assert sorted(_textarea(page.text)) == expected
    assert f"alert {alert_id}" in page.text and 'id="silence-from"' in page.text
    # The one field left to fill, the reason, has the focus.
    assert re.search(r'<input id="si-comment"[^>]*autofocus', page.text)

    made = client.post(
        "/ui/silences",
        data={
            "csrf_token": csrf(client, f"/ui/silences?alert={alert_id}"),
            "matchers": "\n".join(_textarea(page.text)),
            "duration": "1h",
            "comment": "noisy while we deploy",
        },
        follow_redirects=False,
    )
    assert made.status_code == 303
    with db.session() as session:
        silence = session.scalars(select(Silence)).one()
        assert sorted(silence.matchers) == expected


def test_a_viewer_is_offered_no_silence_link(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply_config(db, clock)
    assert client.post(URL, json=AM_FIRING, headers=am_headers()).status_code == 202
    ui_login(client, "viewer")
    listed = client.get("/ui/alerts").text
    assert "HighErrorRate" in listed and "/ui/silences?alert=" not in listed


def test_an_unknown_hidden_or_malformed_alert_is_refused_without_its_labels(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply_config(db, clock)
    number = client.post(URL, json=AM_FIRING, headers=am_headers()).json()["incidents"][0]
    alert_id = _first_alert_id(db)
    with db.session() as session:
        incidents.get_incident(session, number).private = True
    ui_login(client, "responder")

    hidden = client.get("/ui/silences", params={"alert": alert_id})
    assert hidden.status_code == 404
    assert f"no alert {alert_id}" in hidden.text and "10.42.3.17" not in hidden.text
    unknown = client.get("/ui/silences", params={"alert": 99999})
    assert unknown.status_code == 404 and "no alert 99999" in unknown.text
    bad = client.get("/ui/silences", params={"alert": "seven"})
    assert bad.status_code == 422 and "'seven' is not an alert number" in html.unescape(bad.text)
    with db.session() as session:
        assert session.scalars(select(Silence)).all() == []
