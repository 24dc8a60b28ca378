"""The incident page a responder opens at 3am, in a real browser: what is firing (the alert
Alertmanager sent, its description and runbook link) and times that say which zone they are in."""

from __future__ import annotations

import re
from typing import Any

import httpx

from tests.browser.conftest import PHONE, Browse, Server


def _incident_of(server: Server, alertname: str) -> int | None:
    found = server.api("GET", "/api/v1/alerts")
    for alert in found["items"] if isinstance(found, dict) else found:
        if alert["labels"].get("alertname") == alertname and alert["incident_number"]:
            return int(alert["incident_number"])
    return None


def test_the_incident_page_shows_the_firing_alert_with_its_runbook(
    browse: Browse, server: Server
) -> None:
    alertname = f"QueueBacklog{server.kind.capitalize()}"
    runbook = "https://runbooks.example.com/api/queue-backlog"
    alert: dict[str, Any] = {
        "labels": {"alertname": alertname, "service": "api", "severity": "critical"},
        "annotations": {
            "summary": "orders queue holds 90k messages",
            "description": "The consumer stopped at 02:58; <b>nothing</b> is processed.",
            "runbook_url": runbook,
        },
    }
    sent = httpx.post(f"http://127.0.0.1:{server.am_port}/api/v2/alerts", json=[alert], timeout=10)
    assert sent.status_code == 200, sent.text
    number = server.wait("the alert's incident", lambda: _incident_of(server, alertname))

    page = browse("ic@b.test")
    page.goto(f"/ui/incidents/{number}")
    page.get_by_role("navigation", name="Sections of this incident").get_by_role(
        "link", name="Alerts"
    ).click()
    section = page.get_by_role("region", name="Alerts")
    assert section.is_visible()
    assert "1 firing" in section.inner_text()
    assert section.get_by_text("orders queue holds 90k messages").is_visible()
    # Markup in an annotation is text, not markup.
    assert section.get_by_text("<b>nothing</b> is processed", exact=False).is_visible()
    assert section.locator("b").count() == 0
    link = section.get_by_role("link", name="Runbook")
    assert link.get_attribute("href") == runbook


def test_times_on_the_incident_page_name_their_zone(browse: Browse, server: Server) -> None:
    """A responder in Tokyo read "Dec 7, 2026, 3:18 AM" with nothing saying it was not UTC,
    the zone the CLI and the pages sent by e-mail use."""
    number = server.open_incident("Times in Tokyo")
    page = browse("viewer@b.test", timezone_id="Asia/Tokyo", locale="en-US")
    page.goto(f"/ui/incidents/{number}")
    opened = page.locator("#status time.local").first
    opened.wait_for()
    assert re.search(r"GMT\+9$", opened.inner_text()), opened.inner_text()
    assert opened.get_attribute("title", timeout=5_000) is not None  # the UTC time, on hover
    assert (opened.get_attribute("title") or "").endswith("UTC")


def test_a_refused_form_says_why_where_the_page_lands(browse: Browse, server: Server) -> None:
    """Assigning a role to an unknown address sent the phone back to #roles, and the refusal
    was printed at the top of the page, ~2,000 px above: the form was empty again, the role
    still 'nobody', and nothing on screen said why."""
    number = server.open_incident("Roles at 3am")
    page = browse("ic@b.test", viewport=PHONE, is_mobile=True, has_touch=True)
    page.goto(f"/ui/incidents/{number}")
    page.get_by_label("Person (e-mail)").fill("nobody-here@b.test")
    page.locator("#roles").get_by_role("button", name="Assign").click()
    page.wait_for_url(f"**/ui/incidents/{number}#roles")
    refusal = page.get_by_text("nobody-here@b.test", exact=False).first
    refusal.wait_for()
    assert page.locator("#roles .flash-error").count() == 1
    top, bottom, height = refusal.evaluate(
        "e => { const r = e.getBoundingClientRect(); return [r.top, r.bottom, innerHeight]; }"
    )
    assert top >= 0 and bottom <= height, (top, bottom, height)


def test_a_link_with_a_malformed_anchor_still_gets_a_live_page(
    browse: Browse, server: Server
) -> None:
    """A link ending in '#%zz' must not stop warroom.js: the timeline stays live, times local."""
    number = server.open_incident("Odd link")
    page = browse("viewer@b.test")
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"/ui/incidents/{number}#%zz")
    page.locator("#timeline-live", has_text="live").wait_for()
    assert page.locator("#status time.local").first.get_attribute("title")  # converted
    assert errors == []
