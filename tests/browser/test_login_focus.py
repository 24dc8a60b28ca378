"""After a refused sign-in the e-mail stays as typed and the focus is on the password (the
field to type again), not back on the e-mail: at 3am the next keystrokes went into the address."""

from __future__ import annotations

from tests.browser.conftest import PASSWORD, Browse, Server


def test_a_wrong_password_leaves_the_focus_on_the_password(browse: Browse, server: Server) -> None:
    page = browse()
    page.goto("/login")
    assert page.evaluate("document.activeElement.id") == "email"
    page.get_by_label("E-mail").fill("ic@b.test")
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Sign in").click()
    assert page.locator("#login-error").is_visible()
    assert page.get_by_label("E-mail").input_value() == "ic@b.test"
    assert page.evaluate("document.activeElement.id") == "password"
    assert page.get_by_label("Password").get_attribute("aria-describedby") == "login-error"

    page.keyboard.type(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(server.base + "/")
