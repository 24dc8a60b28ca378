"""An invite e-mail (`send`) is kept in the outbox with its text, and `GET
/api/v1/notifications/{id}/text` showed admins every link in it. Another admin could read the
invite (or password reset) link ann made for someone, open it, and be that person: the audit
log says ann made the link and the person used it, nothing of the admin who did. Now only its
recipient and the admin who made it read a working invite link there; admins still see page
links."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.integration.web.conftest import MakeUser, make_ui_user
from warroom.settings import Settings

__all__ = ["make_ui_user"]  # a fixture used below

ANN, BOB, CAROL = "ann@example.com", "bob@example.com", "carol@example.com"


def test_no_other_admin_reads_an_invite_link_in_the_outbox(
    client: TestClient, settings: Settings, make_token: Any, make_ui_user: MakeUser
) -> None:
    settings.smtp_url = "mailto://localhost:1"
    ann = {"Authorization": f"Bearer {make_token('admin', email=ANN)}"}
    bob = {"Authorization": f"Bearer {make_token('admin', email=BOB)}"}
    make_ui_user("admin", email=CAROL)
    made = client.post(
        "/api/v1/users/invite", json={"email": CAROL, "reset": True, "send": True}, headers=ann
    )
    assert made.status_code == 201, made.text
    secret = made.json()["link"].rsplit("/", 1)[1]
    (message,) = client.get("/api/v1/notifications", headers=bob).json()
    assert message["purpose"] == "invite"
    url = f"/api/v1/notifications/{message['id']}/text"
    text = client.get(url, headers=bob)
    assert text.status_code == 200, text.text
    assert secret not in text.json()["body"]
    assert "/invite/… (a personal link: only its recipient sees it)" in text.json()["body"]
    # The admin who made it had it already (and is named for it): the outbox shows it to them.
    assert secret in client.get(url, headers=ann).json()["body"]
