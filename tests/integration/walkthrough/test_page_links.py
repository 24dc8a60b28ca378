"""Every link a page carries must lead somewhere: walking the README, the page's
`Open: <public url>/incidents/N` answered 404 (warroom serves no such page), the first thing
a newcomer clicks at 3am. Each URL of a real page, built by the real paging path, is followed
on the app."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.integration.paging.world import apply, sender  # noqa: F401  (the sender fixture)
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.notify import senders
from warroom.settings import Settings


def test_every_link_in_a_page_answers(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    admin_headers: dict[str, str],
    sender: senders.FakeSender,  # noqa: F811
) -> None:
    apply(db, clock)
    body = {"title": "Checkout down", "severity": "P0", "services": ["api"]}
    assert client.post("/api/v1/incidents", json=body, headers=admin_headers).status_code == 201
    worker = Worker(db, clock, settings, "links")
    for _ in range(3):
        worker.run_once()
    assert sender.sent, "the on-call was paged"
    text = sender.sent[0].body
    base = settings.public_url.rstrip("/")
    urls = re.findall(r"https?://\S+", text)
    assert any("/p/" in url for url in urls), text
    for url in urls:
        assert url.startswith(base), url
        answer = client.get(url[len(base) :])
        assert answer.status_code == 200, f"{url}: {answer.status_code}"
    assert "warroom incident show INC-1" in text
    assert f"Open: {base}/ui/incidents/1" in text  # the web UI's page, after signing in
    opened = client.get("/ui/incidents/1", follow_redirects=False)
    assert opened.status_code == 303 and "/login" in opened.headers["location"]
    assert "/ui/incidents/1" in opened.headers["location"].replace("%2F", "/")
