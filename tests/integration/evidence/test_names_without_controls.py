"""An evidence item's name is a one-line label that `warroom evidence list` and `warroom
timeline` print to a terminal: a control character in it (an ESC that recolours or retitles the
reader's terminal, a newline that forges a table row) is refused with 422 naming `name`, from
the JSON route and the upload alike, and nothing is written; on both databases."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from warroom.db import Database

H = dict[str, str]
BASE = "/api/v1/incidents/1/evidence"


def _incident(client: TestClient, headers: H) -> None:
    body = {"title": "Feeds stale", "severity": "SEV0"}
    assert client.post("/api/v1/incidents", json=body, headers=headers).status_code == 201


@pytest.mark.parametrize("name", ["log\x1b[31mRED", "a\nINC-9 resolved by root", "tab\there"])
def test_a_name_with_a_control_character_is_refused(
    seeded: Database, client: TestClient, responder_headers: H, name: str
) -> None:
    _incident(client, responder_headers)
    text = client.post(
        BASE, json={"kind": "text", "name": name, "content": "x"}, headers=responder_headers
    )
    assert text.status_code == 422, text.text
    assert text.json()["error"]["field"] == "name" and "control character" in text.text
    upload = client.post(
        f"{BASE}/files",
        files={"file": ("log.txt", b"hello", "text/plain")},
        data={"name": name},
        headers=responder_headers,
    )
    assert upload.status_code == 422, upload.text
    assert upload.json()["error"]["field"] == "name"
    assert client.get(BASE, headers=responder_headers).json() == []


def test_a_plain_name_with_spaces_and_accents_is_kept(
    seeded: Database, client: TestClient, responder_headers: H
) -> None:
    _incident(client, responder_headers)
    added = client.post(
        BASE,
        json={"kind": "text", "name": "Grafana — résumé 10:42", "content": "x"},
        headers=responder_headers,
    )
    assert added.status_code == 201 and added.json()["name"] == "Grafana — résumé 10:42"
