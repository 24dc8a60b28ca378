"""What a download of uploaded evidence may do in a browser, and what an upload may declare.

An uploaded file is someone's bytes with someone's Content-Type: served back from warroom's
origin it must be a download that nothing sniffs or runs, over the API as in the web UI.
"""

from __future__ import annotations

from collections.abc import Iterator
from tempfile import SpooledTemporaryFile
from typing import Any
from unittest.mock import patch

from fastapi.testclient import TestClient

from tests.integration.web.conftest import PASSWORD, sign_in
from warroom.auth import service as auth_service
from warroom.auth.passwords import hash_password
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.evidence.uploads import FORM_SLACK
from warroom.settings import Settings

H = dict[str, str]
BASE = "/api/v1/incidents/1/evidence"
PAGE = b"<html><script>fetch('/api/v1/tokens')</script></html>"


def _incident(client: TestClient, headers: H) -> None:
    body = {"title": "Signer compromised", "severity": "SEV1"}
    assert client.post("/api/v1/incidents", json=body, headers=headers).status_code == 201


def _upload(client: TestClient, headers: H, content_type: str) -> dict[str, object]:
    files = {"file": ("page.html", PAGE, content_type)}
    answer = client.post(f"{BASE}/files", files=files, headers=headers)
    assert answer.status_code == 201, answer.text
    body: dict[str, object] = answer.json()
    return body


def test_an_uploaded_html_page_downloads_inert_over_the_api(
    seeded: Database, client: TestClient, responder_headers: H
) -> None:
    _incident(client, responder_headers)
    item = _upload(client, responder_headers, "text/html")
    got = client.get(f"{BASE}/{item['id']}/content", headers=responder_headers)
    assert got.status_code == 200 and got.content == PAGE
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["x-content-type-options"] == "nosniff"
    # Opened anyway (a proxy dropping the disposition), the page runs nothing of warroom's.
    policy = got.headers["content-security-policy"]
    assert "sandbox" in policy and "default-src 'none'" in policy


def test_a_content_type_no_column_holds_is_kept_as_octet_stream(
    seeded: Database, client: TestClient, responder_headers: H
) -> None:
    _incident(client, responder_headers)
    long_type = "text/" + "x" * 300
    item = _upload(client, responder_headers, long_type)
    assert item["content_type"] == "application/octet-stream"
    got = client.get(f"{BASE}/{item['id']}/content", headers=responder_headers)
    assert got.status_code == 200 and got.headers["content-type"] == "application/octet-stream"


def test_a_content_type_that_is_not_a_media_type_is_kept_as_octet_stream(
    seeded: Database, client: TestClient, responder_headers: H
) -> None:
    _incident(client, responder_headers)
    for declared in ("html", "text/html, text/plain", "text /html", 'text/plain; name="é"'):
        item = _upload(client, responder_headers, declared)
        assert item["content_type"] == "application/octet-stream", declared
    kept = _upload(client, responder_headers, "image/png")
    assert kept["content_type"] == "image/png"
    charset = _upload(client, responder_headers, "text/plain; charset=utf-8")
    assert charset["content_type"] == "text/plain; charset=utf-8"


def _signed_in(client: TestClient, db: Database, clock: FakeClock) -> None:
    """The client signed in to the web UI as a responder (its session cookie kept)."""
    with db.session() as session:
        user = auth_service.ensure_user(
            session, clock, email="web@example.com", name="Web", role="responder"
        )
        user.password_hash = hash_password(PASSWORD)
        session.commit()
    assert sign_in(client, "web@example.com").status_code == 303


def test_an_item_declared_as_script_or_page_is_served_as_bytes(
    seeded: Database, client: TestClient, clock: FakeClock, responder_headers: H
) -> None:
    """The web UI's pages trust script-src 'self': an item served as text/javascript would be
    a script any injected `<script src=/ui/incidents/1/evidence/N>` could run (a disposition
    does not stop a script tag); served as bytes with nosniff, the browser refuses it."""
    _incident(client, responder_headers)
    _signed_in(client, seeded, clock)
    for declared in ("text/javascript", "text/html", "image/svg+xml", "text/css", "text/xml"):
        item = _upload(client, responder_headers, declared)
        assert item["content_type"] == declared  # kept as declared, for the record
        api = client.get(f"{BASE}/{item['id']}/content", headers=responder_headers)
        web = client.get(f"/ui/incidents/1/evidence/{item['id']}")
        for got in (api, web):
            assert got.status_code == 200 and got.content == PAGE, declared
            assert got.headers["content-type"] == "application/octet-stream", declared
            assert got.headers["x-content-type-options"] == "nosniff"
    for inert in ("image/png", "application/pdf", "text/plain; charset=utf-8"):
        item = _upload(client, responder_headers, inert)
        got = client.get(f"/ui/incidents/1/evidence/{item['id']}")
        assert got.headers["content-type"] == inert


def test_an_upload_over_the_limit_is_refused_before_it_is_spooled(
    seeded: Database, settings: Settings, client: TestClient, responder_headers: H
) -> None:
    """The multipart body was parsed (its file written to a temporary file on the server's
    disk) before the route saw it was too large: the limit is now kept as the body comes,
    by its Content-Length or, sent chunked, by what was read."""
    settings.evidence_max_bytes = 1000
    _incident(client, responder_headers)
    spooled: list[int] = []
    real = SpooledTemporaryFile.write

    def write(self: Any, data: bytes) -> int:
        spooled.append(len(data))
        return int(real(self, data))

    huge = b"x" * 3_000_000
    with patch.object(SpooledTemporaryFile, "write", write):
        declared = client.post(
            f"{BASE}/files", files={"file": ("huge.bin", huge)}, headers=responder_headers
        )

        def chunks() -> Iterator[bytes]:
            yield b"--b\r\nContent-Disposition: form-data; name=file; filename=c.bin\r\n\r\n"
            for _ in range(100):
                yield b"y" * 30_000
            yield b"\r\n--b--\r\n"

        chunked = client.post(
            f"{BASE}/files",
            content=chunks(),
            headers={**responder_headers, "Content-Type": "multipart/form-data; boundary=b"},
        )
    for answer in (declared, chunked):
        assert answer.status_code == 413, answer.text
        assert answer.json()["error"]["field"] == "file"
        assert "limit of 1000 bytes" in answer.json()["error"]["message"]
    assert sum(spooled) <= 1000 + FORM_SLACK
    assert client.get(BASE, headers=responder_headers).json() == []
    ok = client.post(
        f"{BASE}/files", files={"file": ("ok.bin", b"x" * 1000)}, headers=responder_headers
    )
    assert ok.status_code == 201, ok.text


def test_a_file_description_is_held_to_the_json_routes_limit(
    seeded: Database, client: TestClient, responder_headers: H
) -> None:
    """The JSON route refused a description over 5000 characters; the file upload stored
    200 000 (on every listing and export since)."""
    _incident(client, responder_headers)
    files = {"file": ("a.txt", b"stack trace", "text/plain")}
    long = client.post(
        f"{BASE}/files", files=files, data={"description": "d" * 5001}, headers=responder_headers
    )
    assert long.status_code == 422 and long.json()["error"]["field"] == "description"
    assert client.get(BASE, headers=responder_headers).json() == []
    fits = client.post(
        f"{BASE}/files", files=files, data={"description": "d" * 5000}, headers=responder_headers
    )
    assert fits.status_code == 201, fits.text


def test_the_web_ui_download_sends_the_apis_headers(
    seeded: Database, client: TestClient, clock: FakeClock, responder_headers: H
) -> None:
    """Both downloads take their headers from one helper (evidence.service.download_headers),
    the sandboxing Content-Security-Policy included: the UI's own policy, which web/security.py
    sets on every UI response, no longer replaces it."""
    _incident(client, responder_headers)
    _signed_in(client, seeded, clock)
    item = _upload(client, responder_headers, "application/pdf")
    api = client.get(f"{BASE}/{item['id']}/content", headers=responder_headers)
    web = client.get(f"/ui/incidents/1/evidence/{item['id']}")
    assert web.status_code == 200 and web.content == PAGE
    for name in ("x-content-type-options", "content-disposition", "x-evidence-sha256"):
        assert web.headers[name] == api.headers[name], name
    assert api.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert web.headers["content-security-policy"] == "default-src 'none'; sandbox"
    page = client.get("/ui/incidents/1")  # a page keeps the UI's own policy
    assert "sandbox" not in page.headers["content-security-policy"]
    assert "default-src 'self'" in page.headers["content-security-policy"]
