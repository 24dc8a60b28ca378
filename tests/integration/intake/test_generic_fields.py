"""The generic endpoint names the field of a bad link text by its place in the body."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.intake.conftest import GENERIC_SECRET, Counts
from warroom.db import Database

HEADERS = {"Authorization": f"Bearer {GENERIC_SECRET}"}
LINK = {"href": "https://grafana.example.com/d/abc", "text": 5}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "disk", "links": [LINK]}, "links[0].text"),
        (
            {"alerts": [{"title": "a"}, {"title": "b", "links": [{}, LINK]}]},
            "alerts[1].links[0].href",
        ),
        ({"alerts": [{"title": "a"}, {"title": "b", "links": [LINK]}]}, "alerts[1].links[0].text"),
    ],
)
def test_a_bad_link_text_is_named_by_its_place(
    client: TestClient, configured: Database, counts: Counts, body: dict, field: str
) -> None:
    before = counts()
    r = client.post("/api/v1/intake/generic", json=body, headers=HEADERS)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] == field
    assert field in r.json()["error"]["message"]
    assert counts() == before
