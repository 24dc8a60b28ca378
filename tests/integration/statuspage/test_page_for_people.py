"""What a person reading the status page in a browser sees.

On a real warroom serve (examples/oracle) a public update written on several lines ("Affected
regions:\\n- EU\\n- US") read as one run-on line on /status, as HTML folds newlines; and a
published incident's link opened after the incident was taken off the page (a feed entry, a
link shared before the unpublish) answered the browser a raw {"error": {...}}."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.statuspage.page import apply, open_incident
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.statuspage import maintenance

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}
LINES = "Affected regions:\n- EU\n- US <script>x</script>\n\nWe keep watching."


def _publish(client: TestClient, headers: dict[str, str], number: int, **extra: object) -> int:
    body = {"number": number, "name": "Checkout errors", "components": ["api"]} | extra
    answer = client.post("/api/v1/status/incidents", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def test_the_lines_of_a_public_text_stay_lines(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    apply(db, clock)
    number = open_incident(db, clock)
    status_id = _publish(client, admin_headers, number, message="First line\nSecond line")
    clock.advance(minutes=1)
    body = {"state": "identified", "internal": "x", "public": LINES}
    answer = client.post(f"/api/v1/incidents/{number}/updates", json=body, headers=admin_headers)
    assert answer.status_code == 201, answer.text
    start = (clock.now().replace(microsecond=0)).isoformat()
    window = {"name": "Upgrade", "body": "Step one\nStep two", "components": ["db"],
              "scheduled_for": start, "scheduled_until": "2099-01-01T00:00:00Z"}  # fmt: skip
    assert client.post("/api/v1/status/maintenances", json=window,
                       headers=admin_headers).status_code == 201  # fmt: skip
    shown = "Affected regions:<br>\n- EU<br>\n- US &lt;script&gt;x&lt;/script&gt;<br>\n<br>\nWe"
    for path in ("/status", f"/status/incidents/{status_id}", "/status/history"):
        html = client.get(path).text
        assert shown in html, path
        assert "First line<br>\nSecond line" in html, path
        assert "<script>" not in html, path
    assert "Step one<br>\nStep two" in client.get("/status").text
    # The JSON and the feed carry the text as written.
    item = client.get("/status/api/v2/incidents.json").json()["incidents"][0]
    assert item["incident_updates"][0]["body"].startswith(LINES)
    assert "<br>" not in client.get("/status/feed.atom").text


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_an_incident_no_longer_on_the_page_is_a_page_to_a_browser(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str],
    method: str,
) -> None:  # fmt: skip
    apply(db, clock)
    number = open_incident(db, clock)
    status_id = _publish(client, admin_headers, number)
    deleted = client.delete(f"/api/v1/status/incidents/{number}", headers=admin_headers)
    assert deleted.status_code == 204
    for status in (status_id, 999):
        answer = client.request(method, f"/status/incidents/{status}", headers=BROWSER)
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")
        assert answer.headers["vary"] == "Accept"  # a shared cache keeps the two apart
        if method == "GET":
            assert "Example Status" in answer.text and "No public incident" in answer.text
            assert 'href="http://127.0.0.1:8080/status"' in answer.text
    # Other clients still get the JSON error.
    answer = client.get(f"/status/incidents/{status_id}")
    assert answer.status_code == 404 and answer.json()["error"]["field"] == "id"
    assert answer.headers["vary"] == "Accept"


def test_an_incident_says_what_it_affects_and_the_history_when_windows_ran(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    """The HTML named no component of an incident (only summary.json did), and the history
    listed completed maintenance without its times."""
    apply(db, clock)  # clock: 2026-01-01 12:00 UTC
    number = open_incident(db, clock)
    status_id = _publish(client, admin_headers, number, components=["api", "web"])
    for path in ("/status", f"/status/incidents/{status_id}", "/status/history"):
        assert "Affects: Public API, Website" in client.get(path).text, path
    window = {"name": "Upgrade", "components": ["db"], "scheduled_for": "2026-01-01T13:00:00Z",
              "scheduled_until": "2026-01-01T14:00:00+00:00"}  # fmt: skip
    made = client.post("/api/v1/status/maintenances", json=window, headers=admin_headers)
    assert made.status_code == 201
    cancel = f"/api/v1/status/maintenances/{made.json()['id']}/cancel"
    clock.advance(hours=1)
    with db.session() as session:
        maintenance.start(session, clock, int(made.json()["id"]))
        session.commit()
    clock.advance(minutes=30)
    assert client.post(cancel, headers=admin_headers).status_code == 200  # ends it now
    history = client.get("/status/history").text
    assert "maintenance · completed · 2026-01-01 13:00 \u2013 2026-01-01 13:30 UTC" in history
    assert "Affects: Database" in history
