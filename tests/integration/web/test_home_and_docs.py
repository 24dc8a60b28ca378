"""`/` sends a stranger to sign in (issue 13); `/docs` works offline (issue 10)."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient


def test_the_home_page_sends_a_stranger_to_sign_in(client: TestClient) -> None:
    page = client.get("/", follow_redirects=False)
    assert page.status_code == 303
    assert page.headers["location"] == "/login"
    login = client.get("/")
    assert login.headers["content-type"].startswith("text/html")
    assert 'action="/login"' in login.text and 'name="password"' in login.text
    assert "warroom user invite" in login.text  # how to get a password


def test_ui_itself_leads_to_the_dashboard(client: TestClient) -> None:
    """Pages live under /ui/...: someone typing /ui gets the dashboard, not a JSON 404."""
    for path in ("/ui", "/ui/"):
        page = client.get(path, follow_redirects=False)
        assert (page.status_code, page.headers["location"]) == (303, "/"), path


def test_docs_load_nothing_from_outside(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assert not re.search(r"(src|href)=\"https?://", page.text)  # no CDN
    assets = re.findall(r"(?:src|href)=\"(/docs/assets/[^\"]+)\"", page.text)
    assert set(assets) == {
        "/docs/assets/swagger-ui.css",
        "/docs/assets/swagger-ui-bundle.js",
        "/docs/assets/favicon-32x32.png",
    }
    for path in assets:
        answer = client.get(path)
        assert answer.status_code == 200, path
        assert len(answer.content) > 100
    script = client.get("/docs/assets/swagger-ui-bundle.js")
    assert script.headers["content-type"].startswith("text/javascript")
    assert b"SwaggerUIBundle" in script.content
    assert '"/openapi.json"' in page.text
    assert client.get("/openapi.json").json()["openapi"].startswith("3.")


def test_only_the_listed_assets_are_served(client: TestClient) -> None:
    for name in ("index.html", "..%2Fswagger-ui.css", "swagger-ui.js.map"):
        assert client.get(f"/docs/assets/{name}").status_code == 404, name
