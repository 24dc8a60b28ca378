"""What is firing, on the incident page: the alerts that opened or joined the incident, firing
ones first, with their description, runbook and source links, labels and annotations; and the
alerts page filtered to one incident. Only http(s) links become links; a private incident's
alerts stay hidden from whoever may not read it."""

from __future__ import annotations

import copy
import html
import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.integration.intake.conftest import AM_FIRING, am_headers, am_partial, apply_config
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents.models import Incident
from warroom.intake.models import Alert

URL = "/api/v1/intake/alertmanager"
FIRST, SECOND = "checkout 5xx ratio is 7.3%", "checkout 5xx ratio is 6.1%"


def _section(page: str) -> str:
    found = re.search(r'<section id="incident-alerts".*?</section>', page, re.S)
    assert found, "the incident page has no alerts section"
    return html.unescape(found.group(0))


def test_the_incident_page_shows_what_is_firing_first_with_its_runbook(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply_config(db, clock)
    number = client.post(URL, json=AM_FIRING, headers=am_headers()).json()["incidents"][0]
    assert client.post(URL, json=am_partial(), headers=am_headers()).status_code == 202
    ui_login(client, "viewer")

    page = client.get(f"/ui/incidents/{number}")
    assert page.status_code == 200
    assert '<a href="#incident-alerts">Alerts</a>' in page.text
    section = _section(page.text)
    assert "1 firing, 1 resolved" in section
    # The one still firing comes first, with what the monitoring said about it.
    assert section.index(SECOND) < section.index(FIRST)
    assert "More than 5% of requests to checkout fail on 10.42.5.9:8080." in section
    assert 'href="https://runbooks.example.com/checkout/high-error-rate"' in section
    assert 'instance="10.42.5.9:8080"' in section
    assert f'href="/ui/alerts?status=all&incident={number}"' in section


def test_only_http_links_are_links_and_markup_stays_text(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply_config(db, clock)
    body = copy.deepcopy(AM_FIRING)
    body["alerts"] = body["alerts"][:1]
    body["alerts"][0]["annotations"] = {
        "summary": "<img src=x onerror=alert(1)>",
        "description": "<script>alert(2)</script>",
        "dashboard": "javascript:alert(3)",
        "grafana_url": "https://grafana.example.com/d/checkout",
    }
    number = client.post(URL, json=body, headers=am_headers()).json()["incidents"][0]
    with db.session() as session:  # a link stored before intake kept only http(s) ones
        session.execute(update(Alert).values(links=[{"href": "javascript:alert(4)", "text": "X"}]))
        session.commit()
    ui_login(client, "viewer")

    raw = client.get(f"/ui/incidents/{number}").text
    section = re.search(r'<section id="incident-alerts".*?</section>', raw, re.S)
    assert section
    assert "<img src=x" not in section.group(0) and "<script>" not in section.group(0)
    assert "&lt;img src=x onerror=alert(1)&gt;" in section.group(0)
    assert 'href="javascript' not in raw
    # An annotation holding a web address is a link (a runbook_url, a dashboard).
    assert '<a href="https://grafana.example.com/d/checkout" rel="noopener noreferrer">' in raw


def test_alerts_of_a_private_incident_are_refused_to_a_non_member(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply_config(db, clock)
    number = client.post(URL, json=AM_FIRING, headers=am_headers()).json()["incidents"][0]
    with db.session() as session:
        session.execute(update(Incident).values(private=True))
        session.commit()
    ui_login(client, "responder")

    page = client.get("/ui/alerts", params={"status": "all", "incident": str(number)})
    assert page.status_code == 404
    assert FIRST not in page.text and SECOND not in page.text


def test_the_alerts_page_lists_one_incident_s_alerts(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply_config(db, clock)
    first = client.post(URL, json=AM_FIRING, headers=am_headers()).json()["incidents"][0]
    other = copy.deepcopy(AM_FIRING)
    for alert in other["alerts"]:
        alert["labels"] = {**alert["labels"], "alertname": "DiskFull"}
        alert["annotations"] = {"summary": f"disk full {alert['fingerprint']}"}
        alert["fingerprint"] = alert["fingerprint"][::-1]
    second = client.post(URL, json=other, headers=am_headers()).json()["incidents"][0]
    assert first != second
    ui_login(client, "viewer")

    page = client.get("/ui/alerts", params={"status": "all", "incident": str(first)})
    assert page.status_code == 200
    assert FIRST in page.text and "disk full" not in page.text
    assert f"INC-{first}" in page.text
    assert client.get("/ui/alerts", params={"incident": "9999"}).status_code == 404
    bad = client.get("/ui/alerts", params={"incident": "x"})
    assert bad.status_code == 422 and "incident" in html.unescape(bad.text)
