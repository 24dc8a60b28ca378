"""The JSON API refuses a body past its limit before reading it. Before, FastAPI read and parsed
a route's whole body before it checked the caller's token: anyone, without a token, could make
the server hold and parse a body of any size (on a real `warroom serve`, four 50 MB bodies at
once took it from ~160 MB to ~900 MB, each answered 401 only afterwards)."""

from __future__ import annotations

from collections.abc import Iterator

from fastapi.testclient import TestClient

from warroom.settings import Settings

H = dict[str, str]
LIMIT = 4096
JSON = {"content-type": "application/json"}


def _body(size: int) -> bytes:
    """A JSON note of exactly `size` bytes."""
    head, tail = b'{"text": "', b'"}'
    return head + b"a" * (size - len(head) - len(tail)) + tail


def _chunks(data: bytes) -> Iterator[bytes]:
    for start in range(0, len(data), 1000):
        yield data[start : start + 1000]


def test_an_api_body_past_the_limit_is_refused_before_anything_reads_it(
    client: TestClient, settings: Settings, responder_headers: H
) -> None:
    settings.max_body_bytes = LIMIT
    settings.evidence_max_bytes = LIMIT
    opened = client.post(
        "/api/v1/incidents", json={"title": "t", "severity": "SEV2"}, headers=responder_headers
    )
    assert opened.status_code in (201, 422), opened.text  # the catalog may be empty
    notes = "/api/v1/incidents/1/notes"

    # No token at all: refused for its size, at once (before, a 401 after reading it).
    refused = client.post(notes, content=_body(LIMIT + 1), headers=JSON)
    assert refused.status_code == 413, refused.text
    assert refused.json()["error"]["code"] == "payload_too_large"
    assert f"limit of {LIMIT} bytes" in refused.json()["error"]["message"]
    assert client.post(notes, content=_body(LIMIT), headers=JSON).status_code == 401

    # Sent chunked (no Content-Length): refused once it passes the limit; a small one goes on.
    chunked = client.post(notes, content=_chunks(_body(3 * LIMIT)), headers=JSON)
    assert chunked.status_code == 413, chunked.text
    small = client.post(notes, content=_chunks(_body(LIMIT)), headers=JSON)
    assert small.status_code == 401, small.text

    # Routes that carry a large text have the evidence limit more; intake keeps its own.
    text = "/api/v1/incidents/1/evidence"
    assert client.post(text, content=_body(2 * LIMIT), headers=JSON).status_code == 401
    assert client.post(text, content=_body(2 * LIMIT + 1), headers=JSON).status_code == 413
    assert (
        client.patch("/api/v1/incidents/1", content=_body(LIMIT + 1), headers=JSON).status_code
        == 413
    )
    intake = client.post("/api/v1/intake/generic", content=_body(LIMIT + 1), headers=JSON)
    assert intake.status_code == 401, intake.text
    # Not an intake endpoint, though under /intake/: the API's limit.
    routes = client.post("/api/v1/intake/routes/test", content=_body(LIMIT + 1), headers=JSON)
    assert routes.status_code == 413, routes.text


def test_the_public_subscribe_form_refuses_a_body_past_the_limit(
    client: TestClient, settings: Settings
) -> None:
    settings.max_body_bytes = LIMIT
    big = b'{"email": "a@example.org", "components": ["' + b"x" * LIMIT + b'"]}'
    refused = client.post("/status/subscribers", content=big, headers=JSON)
    assert refused.status_code == 413, refused.text
    # Within the limit it is read and answered as before (an unknown component here).
    small = b'{"email": "a@example.org", "components": ["nope"]}'
    assert client.post("/status/subscribers", content=small, headers=JSON).status_code == 422
