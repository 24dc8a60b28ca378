"""The public status page's inputs: bad input is a 4xx naming the field and writes nothing,
and every page documents its real media type and its JSON errors (issue 9, schemathesis)."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.integration.statuspage.page import apply
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.openapi import MAX_ID
from warroom.statuspage.models import Subscriber

JSON = "application/json"


def subscribers_in(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Subscriber)) or 0


@pytest.mark.parametrize(
    ("body", "content_type", "status", "field"),
    [
        (b'{"email": "r@example.com"', JSON, 400, "body"),
        (b"\xff\xfe", JSON, 400, "body"),
        (b'{"email": 7}', JSON, 422, "email"),
        (b'{"email": "r@example.com", "components": "api"}', JSON, 422, "components"),
        (b'{"email": "r@example.com", "components": [1]}', JSON, 422, "components[0]"),
        (b'{"email": "r@example.com", "components": ["a\\u0000"]}', JSON, 422,
         "components[0]"),
        (b'{"email": "r@example.com", "components": ["\\ud800"]}', JSON, 422,
         "components[0]"),
    ],
)  # fmt: skip
def test_bad_subscribe_bodies_are_4xx_naming_the_field_and_write_nothing(
    client: TestClient, db: Database, body: bytes, content_type: str, status: int, field: str
) -> None:
    answer = client.post("/status/subscribers", content=body,
                         headers={"Content-Type": content_type})  # fmt: skip
    assert answer.status_code == status, answer.text
    assert answer.json()["error"]["field"] == field
    assert subscribers_in(db) == 0


def test_too_many_components_are_refused(client: TestClient, db: Database) -> None:
    wanted = {"email": "r@example.com", "components": ["api"] * 201}
    answer = client.post("/status/subscribers", json=wanted)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == "components"
    assert subscribers_in(db) == 0


def test_a_good_json_subscription_is_accepted(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    apply(db, clock)  # components named by a subscription must exist
    wanted = {"email": "r@example.com", "components": ["api"]}
    answer = client.post("/status/subscribers", json=wanted)
    assert answer.status_code == 202, answer.text
    assert answer.headers["content-type"].startswith("text/html")
    assert subscribers_in(db) == 1


@pytest.mark.parametrize("status_id", [0, MAX_ID + 1, 2**63])
def test_status_ids_out_of_range_are_422_naming_it(client: TestClient, status_id: int) -> None:
    answer = client.get(f"/status/incidents/{status_id}")
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == "status_id"


def operation(app: FastAPI, method: str, path: str) -> dict[str, Any]:
    return dict(app.openapi()["paths"][path][method])


@pytest.mark.parametrize(
    ("method", "path", "media", "code"),
    [
        ("get", "/status", "text/html", "200"),
        ("get", "/status/incidents/{status_id}", "text/html", "200"),
        ("get", "/status/history", "text/html", "200"),
        ("get", "/status/feed.atom", "application/atom+xml", "200"),
        ("post", "/status/subscribers", "text/html", "202"),
        ("get", "/status/subscribers/{action}/{token}", "text/html", "200"),
        ("post", "/status/subscribers/{action}/{token}", "text/html", "200"),
        ("get", "/api/v1/incidents/{number}/brief", "text/markdown", "200"),
    ],
)
def test_pages_document_their_media_type_and_json_errors(
    app: FastAPI, method: str, path: str, media: str, code: str
) -> None:
    answers = operation(app, method, path)["responses"]
    assert list(answers[code]["content"]) == [media]
    errors = {c: a for c, a in answers.items() if c.startswith(("4", "5"))}
    assert "503" in errors
    for answer in errors.values():
        assert list(answer["content"]) == ["application/json"], (path, answers)


def test_the_brief_answers_markdown_and_json_errors(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    missing = client.get("/api/v1/incidents/INC-404/brief", headers=admin_headers)
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/json"
    assert missing.json()["error"]["field"] is not None
