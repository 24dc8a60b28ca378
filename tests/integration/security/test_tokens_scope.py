"""A token never does more than its own scope, whatever its user's role."""

from __future__ import annotations

from fastapi.testclient import TestClient

from warroom.auth import service as auth_service
from warroom.auth.models import ApiToken, User
from warroom.clock import FakeClock
from warroom.db import Database


def _token(db: Database, clock: FakeClock, email: str, user_role: str, role: str) -> str:
    with db.session() as session:
        user = auth_service.ensure_user(session, clock, email=email, name="T", role=user_role)
        _, plaintext = auth_service.create_token(session, clock, user, name=role, role=role)
    return plaintext


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _token_id(client: TestClient, token: str) -> int:
    listing = client.get("/api/v1/tokens", headers=_bearer(token)).json()
    prefix = token[:10]
    return int(next(t["id"] for t in listing if t["prefix"] == prefix))


def test_viewer_token_of_admin_cannot_revoke_admin_token(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    admin = _token(db, clock, "boss@example.com", "admin", "admin")
    viewer = _token(db, clock, "boss@example.com", "admin", "viewer")
    admin_id = _token_id(client, admin)

    answer = client.delete(f"/api/v1/tokens/{admin_id}", headers=_bearer(viewer))

    assert answer.status_code == 403
    assert answer.json()["error"]["field"] == "token_id"
    assert client.get("/api/v1/me", headers=_bearer(admin)).json()["role"] == "admin"
    with db.session() as session:
        assert session.get(ApiToken, admin_id).revoked_at is None


def test_viewer_token_may_revoke_itself_and_same_scope(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    viewer = _token(db, clock, "boss@example.com", "admin", "viewer")
    other_viewer = _token(db, clock, "boss@example.com", "admin", "viewer")
    other_id = _token_id(client, other_viewer)
    assert client.delete(f"/api/v1/tokens/{other_id}", headers=_bearer(viewer)).status_code == 200
    own_id = _token_id(client, viewer)
    assert client.delete(f"/api/v1/tokens/{own_id}", headers=_bearer(viewer)).status_code == 200
    assert client.get("/api/v1/me", headers=_bearer(viewer)).status_code == 401


def test_viewer_token_of_admin_mints_nothing_wider(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    viewer = _token(db, clock, "boss@example.com", "admin", "viewer")
    for role in ("responder", "admin"):
        answer = client.post(
            "/api/v1/tokens", headers=_bearer(viewer), json={"name": "x", "role": role}
        )
        assert answer.status_code == 403, role
        assert answer.json()["error"]["field"] == "role"
    # Without a role, the new token takes the minting token's scope, not the user's role.
    minted = client.post("/api/v1/tokens", headers=_bearer(viewer), json={"name": "plain"})
    assert minted.status_code == 201
    assert minted.json()["role"] == "viewer"
    me = client.get("/api/v1/me", headers=_bearer(minted.json()["token"])).json()
    assert me["role"] == "viewer"
    with db.session() as session:
        roles = sorted(t.role for t in session.query(ApiToken).all())
    assert roles == ["viewer", "viewer"]


def test_viewer_token_of_admin_cannot_mint_for_others(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    viewer = _token(db, clock, "boss@example.com", "admin", "viewer")
    _token(db, clock, "r@example.com", "responder", "responder")
    answer = client.post(
        "/api/v1/tokens",
        headers=_bearer(viewer),
        json={"name": "x", "role": "viewer", "user_email": "r@example.com"},
    )
    assert answer.status_code == 403
    assert answer.json()["error"]["field"] == "user_email"


def test_responder_token_of_admin_cannot_revoke_other_users_tokens(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    responder = _token(db, clock, "boss@example.com", "admin", "responder")
    victim = _token(db, clock, "v@example.com", "viewer", "viewer")
    victim_id = _token_id(client, victim)
    answer = client.delete(f"/api/v1/tokens/{victim_id}", headers=_bearer(responder))
    assert answer.status_code == 404
    assert client.get("/api/v1/me", headers=_bearer(victim)).status_code == 200


def test_admin_token_revokes_and_mints_for_others(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    admin = _token(db, clock, "boss@example.com", "admin", "admin")
    victim = _token(db, clock, "r@example.com", "responder", "responder")
    victim_id = _token_id(client, victim)
    assert client.delete(f"/api/v1/tokens/{victim_id}", headers=_bearer(admin)).status_code == 200
    assert client.get("/api/v1/me", headers=_bearer(victim)).status_code == 401
    minted = client.post(
        "/api/v1/tokens", headers=_bearer(admin), json={"name": "x", "user_email": "r@example.com"}
    )
    assert minted.status_code == 201
    assert minted.json()["role"] == "responder"


def test_deactivated_users_tokens_stop_working(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    token = _token(db, clock, "gone@example.com", "admin", "admin")
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 200
    with db.session() as session:
        user = auth_service.get_user_by_email(session, "gone@example.com")
        user.active = False
    assert client.get("/api/v1/me", headers=_bearer(token)).status_code == 401
    with db.session() as session:
        assert session.query(User).filter_by(active=False).count() == 1
