"""Every /api/ route needs a token: 401 without, 403 for a weaker role, 200 otherwise."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.conftest import MakeToken


def test_healthz_is_open(client: TestClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_missing_token_is_401_with_error_shape(client: TestClient) -> None:
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"
    assert "Authorization" in response.json()["error"]["message"]


def test_unknown_token_is_401(client: TestClient) -> None:
    response = client.get("/api/v1/me", headers={"Authorization": "Bearer wr_nope"})
    assert response.status_code == 401


def test_valid_token_is_200(client: TestClient, make_token: MakeToken) -> None:
    token = make_token("viewer", email="v@example.com")
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.json()["email"] == "v@example.com"
    assert response.json()["role"] == "viewer"


def test_viewer_cannot_mint_admin_token_403(client: TestClient, make_token: MakeToken) -> None:
    headers = {"Authorization": f"Bearer {make_token('viewer')}"}
    response = client.post("/api/v1/tokens", json={"name": "x", "role": "admin"}, headers=headers)
    assert response.status_code == 403
    assert response.json()["error"]["field"] == "role"


def test_admin_mints_token_for_other_user_shown_once(
    client: TestClient, admin_headers: dict[str, str], make_token: MakeToken
) -> None:
    make_token("responder", email="r@example.com")
    created = client.post(
        "/api/v1/tokens", headers=admin_headers, json={"name": "ci", "user_email": "r@example.com"}
    )
    assert created.status_code == 201
    secret = created.json()["token"]
    assert secret.startswith("wr_")
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"})
    assert me.json()["email"] == "r@example.com"
    listing = client.get("/api/v1/tokens", headers={"Authorization": f"Bearer {secret}"})
    assert listing.status_code == 200
    assert all("token" not in t for t in listing.json())


def test_non_admin_cannot_mint_for_others(client: TestClient, make_token: MakeToken) -> None:
    make_token("viewer", email="other@example.com")
    headers = {"Authorization": f"Bearer {make_token('responder')}"}
    response = client.post(
        "/api/v1/tokens", headers=headers, json={"name": "x", "user_email": "other@example.com"}
    )
    assert response.status_code == 403


def test_revoked_token_stops_working(client: TestClient, admin_headers: dict[str, str]) -> None:
    created = client.post("/api/v1/tokens", headers=admin_headers, json={"name": "tmp"}).json()
    headers = {"Authorization": f"Bearer {created['token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/tokens/{created['id']}", headers=headers).status_code == 200
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_validation_error_names_the_field(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    response = client.post("/api/v1/tokens", headers=admin_headers, json={"name": ""})
    assert response.status_code == 422
    assert response.json()["error"]["field"] == "name"


def test_openapi_is_served(client: TestClient) -> None:
    assert client.get("/openapi.json").json()["info"]["title"] == "warroom"


def test_an_invite_refuses_what_is_no_email_address_and_writes_nothing(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    # The address ends up in the invite e-mail's URL (mailto://…?to=ADDRESS): `&bcc=` there
    # would send the one-time link to a second mailbox.
    for email in ("x y@corp.test", "bob@corp.test&bcc=eve@evil.test", "bob@corp", "a@b@c.test"):
        answer = client.post("/api/v1/users/invite", json={"email": email}, headers=admin_headers)
        assert answer.status_code == 422, (email, answer.text)
        assert answer.json()["error"]["field"] == "email"
    users = client.get("/api/v1/users", headers=admin_headers).json()
    assert [u["email"] for u in users] == ["admin@example.com"]
    fine = client.post(
        "/api/v1/users/invite", json={"email": " Jane.Doe+pager@Corp.test "}, headers=admin_headers
    )
    assert fine.status_code == 201 and fine.json()["email"] == "jane.doe+pager@corp.test"


def test_a_token_needs_a_name_and_takes_the_address_as_typed(
    client: TestClient, admin_headers: dict[str, str], make_token: MakeToken
) -> None:
    make_token("responder", email="r@example.com")
    blank = client.post("/api/v1/tokens", json={"name": "   "}, headers=admin_headers)
    assert blank.status_code == 422 and blank.json()["error"]["field"] == "name"
    spaced = client.post(
        "/api/v1/tokens",
        json={"name": " ci ", "user_email": " R@example.com "},
        headers=admin_headers,
    )
    assert spaced.status_code == 201, spaced.text
    assert spaced.json()["name"] == "ci"
    mine = client.get("/api/v1/tokens", headers=admin_headers).json()
    assert [t["name"] for t in mine] == ["test"]  # no blank-named token was made
