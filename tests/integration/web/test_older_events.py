"""An incident with more than a page of events: the incident page shows the newest 100 and
leads to the older ones, a page at a time, down to the opening event (a storm incident's
first alerts, the first notes: what the postmortem asks about)."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from tests.integration.web.incident_world import Login, World, world_fixture  # noqa: F401
from warroom.incidents import service as incidents
from warroom.web.pages_incidents_view import TIMELINE_SHOWN


def _seqs(page: str) -> list[int]:
    return [int(s) for s in re.findall(r'data-seq="(\d+)"', page)]


def _older_link(page: str) -> str | None:
    found = re.search(r'<a [^>]*href="([^"]+)"[^>]*>Older events', page)
    return html.unescape(found.group(1)) if found else None


def test_events_older_than_the_newest_hundred_are_a_click_away(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open(title="Queue storm")
    with world.db.session() as session:
        incident = incidents.get_incident(session, number)
        for n in range(TIMELINE_SHOWN + 30):
            incidents.add_note(session, world.clock, incident, text=f"note {n}", actor="a@x.test")
    ui_login(client, role="viewer")

    page = client.get(f"/ui/incidents/{number}").text
    newest = _seqs(page)
    assert len(newest) == TIMELINE_SHOWN
    link = _older_link(page)
    assert link == f"/ui/incidents/{number}/events?before={min(newest)}"

    seen = list(newest)
    while link:
        older = client.get(link)
        assert older.status_code == 200
        assert "Queue storm" in older.text
        seqs = _seqs(older.text)
        assert seqs and max(seqs) < min(seen) and seqs == sorted(seqs, reverse=True)
        seen += seqs
        link = _older_link(older.text)
    assert sorted(seen) == list(range(1, max(newest) + 1))  # every event, each once
    assert "incident:incident:opened" in older.text
    assert 'href="/ui/incidents/' + str(number) + '"' in older.text  # back to the incident


def test_a_short_timeline_offers_no_older_events(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open()
    ui_login(client, role="viewer")
    assert _older_link(client.get(f"/ui/incidents/{number}").text) is None
    bad = client.get(f"/ui/incidents/{number}/events", params={"before": "x"})
    assert bad.status_code == 422 and "before" in html.unescape(bad.text)


def test_older_events_of_a_private_incident_are_refused_to_a_non_member(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open(title="Secret breach", private=True)
    ui_login(client, role="responder")
    page = client.get(f"/ui/incidents/{number}/events", params={"before": "5"})
    assert page.status_code == 404
    assert "Secret breach" not in page.text and "incident:incident:opened" not in page.text
