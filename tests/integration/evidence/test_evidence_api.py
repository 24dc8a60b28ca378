"""The evidence locker over HTTP on both databases: kinds, hashes, caps, access, logging."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from warroom.db import Database
from warroom.evidence.bundle import verify_zip
from warroom.settings import Settings

H = dict[str, str]
BASE = "/api/v1/incidents/1/evidence"


def _auth(token: str) -> H:
    return {"Authorization": f"Bearer {token}"}


def _incident(client: TestClient, headers: H, private: bool = False) -> None:
    body = {"title": "Signer compromised", "severity": "SEV0", "private": private}
    assert client.post("/api/v1/incidents", json=body, headers=headers).status_code == 201


def _kinds(client: TestClient, headers: H) -> list[str]:
    items = client.get("/api/v1/incidents/1/timeline?limit=500", headers=headers).json()["items"]
    return [e["kind"] for e in items]


def test_add_every_kind_with_hash_and_size(
    seeded: Database, client: TestClient, responder_headers: H
) -> None:
    _incident(client, responder_headers)
    text = client.post(
        BASE,
        json={"kind": "text", "name": "bundle hash", "content": "last good 0xabc"},
        headers=responder_headers,
    )
    assert text.status_code == 201
    assert text.json()["sha256"] == hashlib.sha256(b"last good 0xabc").hexdigest()
    assert text.json()["size"] == 15 and text.json()["added_by"] == "resp@example.com"
    link = client.post(
        BASE,
        json={"kind": "link", "name": "dashboard", "content": "https://grafana.local/d/1"},
        headers=responder_headers,
    )
    assert link.status_code == 201
    bad_link = client.post(
        BASE,
        json={"kind": "link", "name": "x", "content": "javascript:1"},
        headers=responder_headers,
    )
    assert bad_link.status_code == 422 and bad_link.json()["error"]["field"] == "content"
    cmd = client.post(
        BASE,
        json={
            "kind": "command",
            "name": "pods",
            "command": "kubectl get po",
            "content": "m0-submitter 0/0",
        },
        headers=responder_headers,
    )
    assert cmd.status_code == 201 and cmd.json()["command"] == "kubectl get po"
    no_cmd = client.post(
        BASE, json={"kind": "command", "name": "x", "content": "out"}, headers=responder_headers
    )
    assert no_cmd.status_code == 422 and no_cmd.json()["error"]["field"] == "command"
    upload = client.post(
        f"{BASE}/files",
        files={"file": ("trace.log", b"\x00\x01trace", "application/octet-stream")},
        data={"description": "raw"},
        headers=responder_headers,
    )
    assert upload.status_code == 201, upload.text
    assert upload.json()["name"] == "trace.log" and upload.json()["size"] == 7
    listed = client.get(BASE, headers=responder_headers).json()
    assert [i["kind"] for i in listed] == ["text", "link", "command", "file"]
    assert _kinds(client, responder_headers).count("evidence:item:added") == 4


def test_file_over_the_cap_is_413_and_nothing_written(
    seeded: Database, settings: Settings, client: TestClient, responder_headers: H
) -> None:
    settings.evidence_max_bytes = 1000
    _incident(client, responder_headers)
    big = client.post(
        f"{BASE}/files", files={"file": ("big.bin", b"x" * 1001)}, headers=responder_headers
    )
    assert big.status_code == 413 and big.json()["error"]["field"] == "file"
    big_text = client.post(
        BASE, json={"kind": "text", "name": "t", "content": "y" * 1001}, headers=responder_headers
    )
    assert big_text.status_code == 413
    assert client.get(BASE, headers=responder_headers).json() == []
    ok = client.post(
        f"{BASE}/files", files={"file": ("ok.bin", b"x" * 1000)}, headers=responder_headers
    )
    assert ok.status_code == 201


def test_private_evidence_members_and_admins_only(
    seeded: Database, client: TestClient, admin_headers: H, make_token: MakeToken
) -> None:
    outsider = _auth(make_token("responder", email="outsider@example.com"))
    member = _auth(make_token("viewer", email="member@example.com"))
    creator = _auth(make_token("responder", email="creator@example.com"))
    _incident(client, creator, private=True)
    item = client.post(
        BASE, json={"kind": "text", "name": "key id", "content": "k-123"}, headers=creator
    ).json()
    assert client.get(BASE, headers=outsider).status_code == 404
    assert client.get(f"{BASE}/{item['id']}/content", headers=outsider).status_code == 404
    assert client.get(f"{BASE}/export", headers=outsider).status_code == 404
    assert client.get(BASE, headers=member).status_code == 404
    client.post(
        "/api/v1/incidents/1/roles",
        json={"role": "subject_matter_expert", "user_email": "member@example.com"},
        headers=creator,
    )
    for headers in (member, admin_headers, creator):
        assert client.get(BASE, headers=headers).status_code == 200
        got = client.get(f"{BASE}/{item['id']}/content", headers=headers)
        assert got.status_code == 200 and got.content == b"k-123"
        assert got.headers["x-evidence-sha256"] == item["sha256"]
    timeline = client.get("/api/v1/incidents/1/timeline", headers=admin_headers).json()["items"]
    downloads = [e for e in timeline if e["kind"] == "evidence:item:downloaded"]
    assert [e["actor"] for e in downloads] == [
        "member@example.com",
        "admin@example.com",
        "creator@example.com",
    ]
    assert downloads[0]["payload"]["sha256"] == item["sha256"]


def test_public_incident_evidence_readable_by_viewers(
    seeded: Database, client: TestClient, responder_headers: H, viewer_headers: H
) -> None:
    _incident(client, responder_headers)
    client.post(BASE, json={"kind": "text", "name": "n", "content": "c"}, headers=responder_headers)
    assert client.get(f"{BASE}/1/content", headers=viewer_headers).status_code == 200
    denied = client.post(
        BASE, json={"kind": "text", "name": "n", "content": "c"}, headers=viewer_headers
    )
    assert denied.status_code == 403


def test_removal_is_a_tombstone(
    seeded: Database, client: TestClient, responder_headers: H, make_token: MakeToken
) -> None:
    _incident(client, responder_headers)
    client.post(
        BASE, json={"kind": "text", "name": "n", "content": "oops"}, headers=responder_headers
    )
    other = _auth(make_token("responder", email="other@example.com"))
    assert client.delete(f"{BASE}/1?reason=mine", headers=other).status_code == 403
    removed = client.delete(f"{BASE}/1?reason=pasted a secret", headers=responder_headers)
    assert removed.status_code == 200
    assert removed.json()["removed_by"] == "resp@example.com"
    assert client.get(f"{BASE}/1/content", headers=responder_headers).status_code == 404
    listed = client.get(BASE, headers=responder_headers).json()
    assert listed[0]["removed_reason"] == "pasted a secret"
    assert client.delete(f"{BASE}/1?reason=again", headers=responder_headers).status_code == 409
    assert "evidence:item:removed" in _kinds(client, responder_headers)


def test_export_zip_verifies_and_detects_tampering(
    seeded: Database, client: TestClient, responder_headers: H, tmp_path: Path
) -> None:
    _incident(client, responder_headers)
    for name, content in (("a", "alpha"), ("b", "bravo"), ("c", "charlie")):
        client.post(
            BASE, json={"kind": "text", "name": name, "content": content}, headers=responder_headers
        )
    client.delete(f"{BASE}/3?reason=dup", headers=responder_headers)
    response = client.get(f"{BASE}/export", headers=responder_headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    path = tmp_path / "export.zip"
    path.write_bytes(response.content)
    assert verify_zip(path) == (2, [])
    assert "evidence:export:downloaded" in _kinds(client, responder_headers)
    tampered = tmp_path / "tampered.zip"
    _rewrite(path, tampered, lambda name, data: b"BRAVO" if name.endswith("-b") else data)
    count, problems = verify_zip(tampered)
    assert count == 2 and len(problems) == 1
    assert problems[0].startswith("item 2 (b): sha256 is")


def _rewrite(source: Path, target: Path, change: Any) -> None:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for info in old.infolist():
            new.writestr(info.filename, change(info.filename, old.read(info.filename)))


def test_metadata_route_and_removal_needs_reason(
    seeded: Database, client: TestClient, responder_headers: H
) -> None:
    _incident(client, responder_headers)
    client.post(BASE, json={"kind": "text", "name": "n", "content": "c"}, headers=responder_headers)
    shown = client.get(f"{BASE}/1", headers=responder_headers)
    assert shown.status_code == 200 and "content" not in shown.json()
    assert client.get(f"{BASE}/9", headers=responder_headers).status_code == 404
    no_reason = client.delete(f"{BASE}/1", headers=responder_headers)
    assert no_reason.status_code == 422 and no_reason.json()["error"]["field"] == "reason"
    unknown = client.post(
        BASE, json={"kind": "video", "name": "n", "content": "c"}, headers=responder_headers
    )
    assert unknown.status_code == 422 and unknown.json()["error"]["field"] == "kind"


def test_a_command_is_held_to_the_descriptions_limit(
    seeded: Database, client: TestClient, responder_headers: H
) -> None:
    """A command had no limit but the body's: a megabyte 'command' was stored and shown on
    every listing, export and terminal since."""
    _incident(client, responder_headers)
    body = {"kind": "command", "name": "df", "content": "ok\n"}
    long = client.post(BASE, json={**body, "command": "x" * 5001}, headers=responder_headers)
    assert long.status_code == 422, long.text
    assert long.json()["error"]["field"] == "command"
    assert client.get(BASE, headers=responder_headers).json() == []
    fits = client.post(BASE, json={**body, "command": "x" * 5000}, headers=responder_headers)
    assert fits.status_code == 201, fits.text
