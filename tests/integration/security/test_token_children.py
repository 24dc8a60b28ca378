"""A token that mints tokens over the API (POST /api/v1/tokens) is their parent: revoking it
revokes them, and what they minted, down the line. Before, a leaked token could mint a child
and leave it behind: the child kept answering 200 after its parent was revoked."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.conftest import MakeToken
from warroom.auth.models import ApiToken
from warroom.db import Database


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _mint(client: TestClient, token: str, **body: str) -> str:
    answer = client.post("/api/v1/tokens", headers=_bearer(token), json={"name": "x", **body})
    assert answer.status_code == 201, answer.text
    return str(answer.json()["token"])


def _id(db: Database, token: str) -> int:
    with db.session() as session:
        found = session.scalar(select(ApiToken.id).where(ApiToken.prefix == token[:10]))
        assert found is not None
        return found


def test_revoking_a_token_revokes_what_it_minted(
    client: TestClient, db: Database, make_token: MakeToken
) -> None:
    make_token("responder", email="pat@example.com")
    leaked = make_token("admin", email="ann@example.com")
    child = _mint(client, leaked)
    grandchild = _mint(client, child, role="responder")
    for_another = _mint(client, leaked, user_email="pat@example.com")
    kept = make_token("admin", email="cy@example.com")  # minted elsewhere: no child of it
    minted = (child, grandchild, for_another)
    assert all(client.get("/api/v1/me", headers=_bearer(t)).status_code == 200 for t in minted)

    answer = client.delete(f"/api/v1/tokens/{_id(db, leaked)}", headers=_bearer(leaked))
    assert answer.status_code == 200, answer.text

    assert [client.get("/api/v1/me", headers=_bearer(t)).status_code for t in minted] == [401] * 3
    assert client.get("/api/v1/me", headers=_bearer(kept)).status_code == 200
    listing = client.get("/api/v1/tokens", headers=_bearer(kept)).json()
    assert [t["revoked_at"] for t in listing] == [None]


def test_revoking_a_child_leaves_its_parent(
    client: TestClient, db: Database, make_token: MakeToken
) -> None:
    parent = make_token("admin", email="ann@example.com")
    child = _mint(client, parent)
    assert client.delete(f"/api/v1/tokens/{_id(db, child)}", headers=_bearer(parent)).is_success
    assert client.get("/api/v1/me", headers=_bearer(child)).status_code == 401
    assert client.get("/api/v1/me", headers=_bearer(parent)).status_code == 200
