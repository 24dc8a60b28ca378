"""The incident page keeps a note or a link as evidence, as the API does (kind text or link):
named from its first line or the link unless named, hashed, on the timeline; a refusal shows
the page again with what was typed and why, and keeps nothing."""

from __future__ import annotations

import hashlib
import html

from fastapi.testclient import TestClient

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


def items(world: World, number: int) -> list[tuple[str, str, bytes, str, str]]:
    with world.db.session() as session:
        incident = incidents.get_incident(session, number)
        return [
            (i.kind, i.name, bytes(i.content), i.sha256, i.description)
            for i in evidence.list_evidence(session, incident)
        ]


def added_events(world: World, number: int) -> int:
    with world.db.session() as session:
        incident = incidents.get_incident(session, number)
        events = timeline.last_events(session, incident_id=incident.id, count=50)
        return sum(e.kind == "evidence:item:added" for e in events)


def test_a_note_and_a_link_are_kept_named_hashed_and_on_the_timeline(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open()
    me = ui_login(client)
    page = shown(client, number)
    assert f'action="/ui/incidents/{number}/evidence/note"' in page
    note = "p99 latency 4.2 s at 14:07\nfrom the api-gateway dashboard"
    answer = post(client, number, "/evidence/note", {"kind": "text", "content": note})
    assert answer.status_code == 303, answer.text
    link = "https://grafana.example/d/api?from=now-1h"
    post(
        client,
        number,
        "/evidence/note",
        {"kind": "link", "content": f"  {link} ", "description": "the error spike"},
    )
    long_line = "x" * 200
    post(client, number, "/evidence/note", {"kind": "text", "content": long_line, "name": ""})
    kept = items(world, number)
    assert kept[0] == (
        "text",
        "p99 latency 4.2 s at 14:07",
        note.encode(),
        hashlib.sha256(note.encode()).hexdigest(),
        "",
    )
    assert kept[1][:3] == ("link", link, link.encode()) and kept[1][4] == "the error spike"
    assert kept[2][1] == "x" * 79 + "…"  # a long first line is shortened for the name
    assert added_events(world, number) == 3
    page = shown(client, number)
    assert "p99 latency 4.2 s at 14:07" in page and f"evidence {link} added" not in page
    with world.db.session() as session:
        incident = incidents.get_incident(session, number)
        assert {i.added_by for i in evidence.list_evidence(session, incident)} == {me.email}


def test_a_refused_note_or_link_keeps_what_was_typed_and_nothing_is_stored(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open()
    ui_login(client)
    refused = post(
        client,
        number,
        "/evidence/note",
        {"kind": "link", "content": "grafana.example/d/api", "name": "dashboard"},
    )
    assert refused.status_code == 422
    text = html.unescape(refused.text)
    assert "Not kept: a link must be an http(s) URL" in text
    assert ">grafana.example/d/api</textarea>" in text and 'value="dashboard"' in text
    assert 'value="link" checked' in text
    empty = post(client, number, "/evidence/note", {"kind": "text", "content": "  \n "})
    assert empty.status_code == 422 and "write the note to keep" in html.unescape(empty.text)
    odd = post(client, number, "/evidence/note", {"kind": "file", "content": "x"})
    assert odd.status_code == 422 and "choose a note or a link" in html.unescape(odd.text)
    world.settings.evidence_max_bytes = 10
    big = post(client, number, "/evidence/note", {"kind": "text", "content": "y" * 11})
    assert big.status_code == 413 and "the limit is 10" in html.unescape(big.text)
    assert items(world, number) == [] and added_events(world, number) == 0


def test_a_viewer_cannot_keep_evidence(world: World, client: TestClient, ui_login: Login) -> None:
    number = world.open()
    ui_login(client, role="viewer")
    page = client.get(f"/ui/incidents/{number}").text
    assert "/evidence/note" not in page
    answer = post(client, number, "/evidence/note", {"kind": "text", "content": "hello"})
    assert answer.status_code == 403
    assert items(world, number) == []
