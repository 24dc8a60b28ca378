"""An invite link sets its person's password and signs whoever opens it in as them. Before, an
admin could invite another admin who already had a password, open the link and be that admin
(their sessions ended, their password replaced), and the audit log said nothing of it.

Now an invite for someone who already has a password is refused (409 naming `email`) unless
it is asked for as a password reset (`reset`), and every invite and every use of one is a
global audit event naming the inviter and the person."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.web.conftest import MakeUser, csrf_of, make_ui_user, sign_in
from warroom.audit.models import GLOBAL_CHAIN, TimelineEvent
from warroom.audit.sentences import describe
from warroom.db import Database

__all__ = ["make_ui_user"]  # a fixture used below

ANN, BOB = "ann@example.com", "bob@example.com"
NEW_PASSWORD = "attacker picked this one"


def _audit(db: Database, kind: str) -> list[tuple[str, dict[str, Any]]]:
    with db.session() as session:
        rows = session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.chain == GLOBAL_CHAIN, TimelineEvent.kind == kind)
            .order_by(TimelineEvent.seq)
        )
        return [(row.actor, dict(row.payload)) for row in rows]


def _accept(client: TestClient, link: str) -> Any:
    path = link[link.index("/invite/") :]
    token = csrf_of(client.get(path).text)
    body = {"csrf_token": token, "password": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    return client.post(path, data=body, follow_redirects=False)


def test_an_admin_cannot_take_over_another_admin_with_an_invite(
    app: Any, db: Database, make_ui_user: MakeUser, make_token: Any
) -> None:
    make_ui_user("admin", email=ANN)
    make_ui_user("admin", email=BOB)
    ann = {"Authorization": f"Bearer {make_token('admin', email=ANN)}"}
    with TestClient(app) as api, TestClient(app) as bob, TestClient(app) as thief:
        assert sign_in(bob, BOB).status_code == 303
        refused = api.post("/api/v1/users/invite", json={"email": BOB}, headers=ann)
        assert refused.status_code == 409, refused.text
        assert refused.json()["error"]["field"] == "email"
        assert "reset" in refused.json()["error"]["message"]
        # Nothing changed for bob, and no link exists to open.
        assert bob.get("/ui/admin", follow_redirects=False).status_code == 200
        assert _audit(db, "auth:invite:created") == []

        # Asked for as a reset, it is made, and the audit log names ann and bob.
        made = api.post("/api/v1/users/invite", json={"email": BOB, "reset": True}, headers=ann)
        assert made.status_code == 201, made.text
        created = _audit(db, "auth:invite:created")
        assert created == [(ANN, {"user": BOB, "role": "admin", "password_reset": True})]
        assert _accept(thief, made.json()["link"]).status_code == 303
        accepted = _audit(db, "auth:invite:accepted")
        assert accepted == [(BOB, {"user": BOB, "invited_by": ANN, "password_reset": True})]
        assert describe("auth:invite:accepted", accepted[0][1]) == (
            f"{BOB} set a password with {ANN}'s password reset link"
        )
        # The reset ended bob's own session, as a password change does.
        assert bob.get("/ui/admin", follow_redirects=False).status_code == 303


def test_a_first_invite_is_recorded_and_needs_no_reset(
    app: Any, db: Database, make_ui_user: MakeUser, make_token: Any
) -> None:
    make_ui_user("admin", email=ANN)
    ann = {"Authorization": f"Bearer {make_token('admin', email=ANN)}"}
    with TestClient(app) as api, TestClient(app) as newcomer:
        made = api.post("/api/v1/users/invite", json={"email": BOB}, headers=ann)
        assert made.status_code == 201, made.text
        assert _audit(db, "auth:invite:created") == [
            (ANN, {"user": BOB, "role": "viewer", "password_reset": False})
        ]
        # A second link before the first is used replaces it: still no password, no reset.
        again = api.post("/api/v1/users/invite", json={"email": BOB}, headers=ann)
        assert again.status_code == 201, again.text
        assert _accept(newcomer, again.json()["link"]).status_code == 303
        assert _audit(db, "auth:invite:accepted") == [
            (BOB, {"user": BOB, "invited_by": ANN, "password_reset": False})
        ]
        # From now on bob has a password: the admin page offers a reset link, and a plain
        # invite is refused there too.
        assert sign_in(api, ANN).status_code == 303
        page = api.get("/ui/admin").text
        assert "Password reset link" in page
        form = {"csrf_token": csrf_of(page), "email": BOB}
        refused = api.post("/ui/admin/invites", data=form)
        assert refused.status_code == 409 and "reset" in refused.text
        reset = api.post("/ui/admin/invites", data=form | {"reset": "1"})
        assert reset.status_code == 200 and "/invite/" in reset.text


def test_the_cli_resets_a_password_only_when_asked(
    cli: Any, db: Database, make_ui_user: MakeUser
) -> None:
    make_ui_user("responder", email=BOB)
    refused = cli("user", "invite", BOB)
    assert refused.exit_code == 1
    assert "already signs in with a password" in refused.output and "--reset" in refused.output
    made = cli("user", "invite", BOB, "--reset")
    assert made.exit_code == 0, made.output
    assert made.output.startswith(f"Password reset link for {BOB} (responder)")
    assert _audit(db, "auth:invite:created") == [
        ("admin@example.com", {"user": BOB, "role": "responder", "password_reset": True})
    ]
