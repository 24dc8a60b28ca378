"""The Atom feed tells of maintenance windows, as the history and the mails do.

On a real serve (examples/oracle), `warroom status maintenance --name "DB upgrade" ...` put the
window on /status and mailed subscribers, but /status/feed.atom (documented as "the same
history") never listed it, scheduled, under way or completed: a reader following the page by
its feed never heard of planned downtime."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

from fastapi.testclient import TestClient

from tests.integration.statuspage.page import apply
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.statuspage import maintenance

ATOM = "{http://www.w3.org/2005/Atom}"


def _entries(client: TestClient) -> list[tuple[str, str, str]]:
    root = ET.fromstring(client.get("/status/feed.atom").content)
    return [
        (e.findtext(f"{ATOM}id") or "", e.findtext(f"{ATOM}title") or "",
         e.findtext(f"{ATOM}content") or "")
        for e in root.iter(f"{ATOM}entry")
    ]  # fmt: skip


def _announce(client: TestClient, clock: FakeClock, headers: dict[str, str], name: str) -> int:
    start = clock.now() + timedelta(hours=2)
    window = {"name": name, "body": "Read-only for ten minutes.", "components": ["db"],
              "scheduled_for": start.isoformat(),
              "scheduled_until": (start + timedelta(hours=1)).isoformat()}  # fmt: skip
    answer = client.post("/api/v1/status/maintenances", json=window, headers=headers)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def test_the_feed_lists_maintenance_windows(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    apply(db, clock)  # clock: 2026-01-01 12:00 UTC
    kept = _announce(client, clock, admin_headers, "DB upgrade")
    dropped = _announce(client, clock, admin_headers, "Mistaken window")
    cancel = f"/api/v1/status/maintenances/{dropped}/cancel"
    assert client.post(cancel, headers=admin_headers).status_code == 200
    [(entry_id, title, content)] = _entries(client)
    assert entry_id == f"http://127.0.0.1:8080/status#m{kept}"
    assert title == "DB upgrade (maintenance scheduled)"
    assert "Read-only for ten minutes." in content
    assert "2026-01-01 14:00 to 2026-01-01 15:00 UTC" in content
    tag = client.get("/status/feed.atom").headers["etag"]
    clock.advance(hours=2)
    with db.session() as session:
        maintenance.start(session, clock, kept)
        session.commit()
    [(_, title, _)] = _entries(client)
    assert title == "DB upgrade (maintenance in_progress)"
    assert client.get("/status/feed.atom", headers={"If-None-Match": tag}).status_code == 200
