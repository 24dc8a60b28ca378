"""Signing in through the login form in a real browser; `/` sends a stranger to it."""

from __future__ import annotations

from tests.browser.conftest import PASSWORD, Browse, Server


def test_sign_in_reaches_the_dashboard_and_a_wrong_password_is_refused(
    browse: Browse, server: Server
) -> None:
    page = browse()
    page.goto("/")
    assert page.url.endswith("/login") or "/login?" in page.url
    page.get_by_label("E-mail").fill("ic@b.test")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert "/login" in page.url
    assert page.locator("#login-error").is_visible()

    page.get_by_label("E-mail").fill("ic@b.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(server.base + "/")
    assert page.get_by_role("heading", name="On call now").is_visible()
    assert page.locator("#open-heading").is_visible()
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/login**")
    page.goto("/ui/incidents")
    assert "/login" in page.url  # the session is gone
