"""The outbox shows a page's text so that a newcomer without an SMTP server can read it; but a
page's acknowledge and resolve links act in the name of the person paged. Walking it as a
responder: any responder read another person's page (`warroom outbox show ID`) and resolved
the incident with its link, which the timeline then credits to the person paged. Only the
recipient and admins now see working links; other responders see where they were."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.paging.world import apply, sender  # noqa: F401  (the sender fixture)
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.notify import senders
from warroom.settings import Settings

LINK = re.compile(r"/p/([A-Za-z0-9_.-]{20,})")


def _page_text(client: TestClient, token: str, message_id: int) -> str:
    headers = {"Authorization": f"Bearer {token}"}
    answer = client.get(f"/api/v1/notifications/{message_id}/text", headers=headers)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["body"])


def test_only_the_person_paged_and_admins_see_working_links(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    client: TestClient,
    admin_headers: dict[str, str],
    make_token: MakeToken,
    sender: senders.FakeSender,  # noqa: F811
) -> None:
    apply(db, clock)
    body = {"title": "Checkout down", "severity": "P0", "services": ["api"]}
    assert client.post("/api/v1/incidents", json=body, headers=admin_headers).status_code == 201
    worker = Worker(db, clock, settings, "outbox")
    for _ in range(3):
        worker.run_once()
    [message] = client.get("/api/v1/notifications", headers=admin_headers).json()
    paged = client.get("/api/v1/users", headers=admin_headers).json()
    recipient = next(u["email"] for u in paged if u["id"] == message["user_id"])

    other = _page_text(client, make_token("responder", email="bystander@atlas.test"), message["id"])
    assert LINK.search(other) is None, other
    assert "/p/" in other and "only" in other  # says where the link was and why it is hidden
    assert "INC-1" in other

    own = _page_text(client, make_token("responder", email=recipient), message["id"])
    admin = _page_text(client, make_token("admin"), message["id"])
    for text in (own, admin):
        [ack, resolve] = LINK.findall(text)
        assert ack != resolve
    assert client.get(f"/p/{LINK.findall(own)[0]}").status_code == 200
