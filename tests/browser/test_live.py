"""Live pages in a real browser: an Alertmanager alert reaches the dashboard without a reload
and its page's acknowledge link works from a phone in two taps; a note the CLI adds appears
on the open incident page."""

from __future__ import annotations

import re
from email.message import Message
from typing import Any

import httpx

from tests.browser.conftest import PHONE, Browse, Server, sign_in
from tests.e2e.test_alert_to_page import ack_link

STAY = "window.__stayed = 'no reload'"  # gone if the page reloads


def _text(message: Message) -> str:
    part = (
        message
        if not message.is_multipart()
        else next(p for p in message.walk() if p.get_content_type() == "text/plain")
    )
    body = part.get_payload(decode=True)
    assert isinstance(body, bytes)
    return body.decode()


def _incident_for(server: Server, alertname: str) -> dict[str, Any] | None:
    alerts = server.api("GET", "/api/v1/alerts")
    items = alerts["items"] if isinstance(alerts, dict) else alerts
    numbers = [a.get("incident_number") for a in items if alertname in str(a.get("labels"))]
    if not numbers or numbers[0] is None:
        return None
    found: dict[str, Any] = server.api("GET", f"/api/v1/incidents/{numbers[0]}")
    return found


def _page_to(server: Server, ref: str) -> Message | None:
    exact = re.compile(rf"\b{re.escape(ref)}\b")  # INC-1, not INC-12
    for message in list(server.mailbox.messages):
        if exact.search(str(message["Subject"])) or exact.search(_text(message)):
            return message
    return None


def test_alertmanager_alert_appears_live_and_is_acknowledged_from_a_phone_in_two_taps(
    browse: Browse, server: Server
) -> None:
    dashboard = browse("ic@b.test")
    dashboard.goto("/")
    dashboard.evaluate(STAY)
    alertname = f"BrowserCheckout{server.kind.capitalize()}"
    alert = {
        "labels": {"alertname": alertname, "service": "api", "severity": "critical"},
        "annotations": {"summary": "checkout answers 502"},
    }
    sent = httpx.post(f"http://127.0.0.1:{server.am_port}/api/v2/alerts", json=[alert], timeout=10)
    assert sent.status_code == 200, sent.text
    incident = server.wait("the alert's incident", lambda: _incident_for(server, alertname))
    ref, number = incident["ref"], incident["number"]
    # The dashboard shows it without a reload (the SSE stream pushed it).
    row = dashboard.locator(f'a[href="/ui/incidents/{number}"]')
    row.first.wait_for(state="visible", timeout=20_000)
    assert dashboard.evaluate("window.__stayed") == "no reload"

    message = server.wait("the page e-mail", lambda: _page_to(server, ref))
    link = ack_link(message)
    phone = browse(viewport=PHONE, is_mobile=True, has_touch=True)
    phone.goto(link)
    phone.get_by_role("button", name=f"Acknowledge {ref}").tap()  # tap 1
    opener = phone.get_by_role("link", name="Open the incident")
    opener.wait_for(state="visible")
    assert re.search("acknowledged", phone.content(), re.I)
    assert server.api("GET", f"/api/v1/incidents/{number}")["status"] == "acknowledged"
    opener.tap()  # tap 2
    phone.wait_for_url(lambda url: "/login?next=" in url)
    sign_in(phone, "ic@b.test", go=False)  # a phone that is not signed in yet signs in once...
    phone.wait_for_url(f"**/ui/incidents/{number}")  # ...and lands on the incident
    assert phone.get_by_role("heading", level=1).first.inner_text().find(ref) >= 0
    # The dashboard that stayed open follows the acknowledgement live too.
    item = dashboard.locator("li", has=dashboard.locator(f'a[href="/ui/incidents/{number}"]'))
    item.locator(".status-acknowledged").first.wait_for(timeout=20_000)
    assert dashboard.evaluate("window.__stayed") == "no reload"


def test_a_note_and_an_acknowledgement_with_the_cli_appear_live_on_the_incident_page(
    browse: Browse, server: Server
) -> None:
    number = server.open_incident("Search is slow")
    page = browse("viewer@b.test")
    page.goto(f"/ui/incidents/{number}")
    page.evaluate(STAY)
    text = f"cache hit rate fell to 12% ({server.kind})"
    assert text not in page.content()
    out = server.cli("incident", "note", str(number), text)
    assert "note" in out
    page.get_by_text(text).first.wait_for(state="visible", timeout=20_000)
    assert page.evaluate("window.__stayed") == "no reload"
    # The Status section (loaded while triggered) says it changed, rather than offering an
    # Acknowledge that would be refused.
    stale = page.locator("#status-stale")
    assert not stale.is_visible()
    server.cli("incident", "ack", str(number))
    stale.wait_for(state="visible", timeout=20_000)
    assert "Changed since this page was loaded: acknowledged" in stale.inner_text()
    assert page.evaluate("window.__stayed") == "no reload"


def test_live_pages_say_so_when_signing_out_ends_their_stream(
    browse: Browse, server: Server
) -> None:
    """After signing out (here in another tab) the dashboard and an incident page said
    "reconnecting…" for ever, as if live updates would come back; the stream had ended with
    `signed-out`. They say the updates stopped and why."""
    number = server.open_incident("Live until signed out", severity="SEV3")
    dashboard = browse("viewer@b.test")
    dashboard.goto("/")
    incident = dashboard.context.new_page()
    incident.goto(f"/ui/incidents/{number}")
    dashboard.locator("#live-status", has_text="live").wait_for()
    incident.locator("#timeline-live", has_text="live").wait_for()
    other = dashboard.context.new_page()
    other.goto("/")
    other.get_by_role("button", name="Sign out").click()
    other.wait_for_url("**/login")
    for page, status in ((dashboard, "#live-status"), (incident, "#timeline-live")):
        page.locator(status, has_text="signed out").wait_for()
        assert "reconnecting" not in page.locator(status).inner_text()
