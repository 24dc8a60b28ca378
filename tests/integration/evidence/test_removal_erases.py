"""Removing evidence erases its bytes (a secret uploaded by mistake must not stay readable in
the database); an empty upload is refused (both databases)."""

from __future__ import annotations

import hashlib
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import event, text

from warroom.db import Database
from warroom.evidence.tamper import verify_all

H = dict[str, str]
BASE = "/api/v1/incidents/1/evidence"
SECRET = b"AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI-K7MDENG-bPxRfiCYEXAMPLEKEY-" * 200


def _incident(client: TestClient, headers: H) -> None:
    body = {"title": "Signer compromised", "severity": "SEV2"}
    assert client.post("/api/v1/incidents", json=body, headers=headers).status_code == 201


def _as_sqlite_builds_without_secure_delete(database: Database) -> None:
    """Debian's SQLite zeroes freed pages by default; others keep what was deleted."""
    if database.engine.dialect.name != "sqlite":
        return
    database.engine.dispose()
    event.listen(database.engine, "connect", lambda c, _: c.execute("PRAGMA secure_delete=OFF"))


def test_a_removed_items_bytes_are_erased_and_its_record_kept(
    seeded: Database, client: TestClient, responder_headers: H
) -> None:
    _as_sqlite_builds_without_secure_delete(seeded)
    _incident(client, responder_headers)
    added = client.post(
        f"{BASE}/files",
        files={"file": ("env.txt", SECRET, "text/plain")},
        headers=responder_headers,
    )
    assert added.status_code == 201, added.text
    removed = client.delete(f"{BASE}/1?reason=a secret, by mistake", headers=responder_headers)
    assert removed.status_code == 200, removed.text
    with seeded.engine.connect() as conn:
        left = conn.execute(text("SELECT content FROM evidence_items WHERE id = 1")).scalar_one()
    assert bytes(left) == b""
    # The tombstone still says what was there (its hash is on the hash-chained timeline).
    (shown,) = client.get(BASE, headers=responder_headers).json()
    assert shown["sha256"] == hashlib.sha256(SECRET).hexdigest()
    assert shown["size"] == len(SECRET) and shown["removed_reason"] == "a secret, by mistake"
    with seeded.session() as session:
        report = verify_all(session)
    assert report.checked["evidence"] == 1 and report.findings["evidence"] == []
    if seeded.engine.dialect.name == "sqlite":  # nor left in the file's freed pages
        seeded.engine.dispose()
        database = seeded.engine.url.database
        assert database is not None
        assert b"wJalrXUtnFEMI" not in Path(database).read_bytes()


def test_a_revived_tombstone_without_its_bytes_is_named(
    seeded: Database, client: TestClient, responder_headers: H
) -> None:
    _incident(client, responder_headers)
    client.post(
        BASE, json={"kind": "text", "name": "n", "content": "oops"}, headers=responder_headers
    )
    client.delete(f"{BASE}/1?reason=mistake", headers=responder_headers)
    with seeded.engine.begin() as conn:
        conn.execute(text("UPDATE evidence_items SET removed_at = NULL WHERE id = 1"))
    with seeded.session() as session:
        (problem,) = verify_all(session).findings["evidence"]
    assert problem.startswith("INC-1: evidence item 1 (n): removed by event")
    assert problem.endswith("its tombstone was cleared (revived)")


def test_an_empty_file_is_refused_naming_the_file(
    seeded: Database, client: TestClient, responder_headers: H
) -> None:
    _incident(client, responder_headers)
    empty = client.post(
        f"{BASE}/files", files={"file": ("trace.log", b"", "text/plain")}, headers=responder_headers
    )
    assert empty.status_code == 422, empty.text
    error = empty.json()["error"]
    assert error["field"] == "file" and "trace.log is empty (0 bytes)" in error["message"]
    assert client.get(BASE, headers=responder_headers).json() == []
