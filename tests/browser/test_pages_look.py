"""Every page at phone and desktop width, light and dark: a screenshot saved under
var/screenshots/<db>/ and an axe-core check (run in the page) with no serious or critical
violation. The pages come from the same templates on either database, so axe runs in all four
variants against SQLite and once (desktop, light) against PostgreSQL, keeping the suite short."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import DESKTOP, PHONE, SHOTS, Browse, Server

PAGES = {
    "login": None,
    "dashboard": "/",
    "incidents": "/ui/incidents",
    "incident": "/ui/incidents/{number}",
    "alerts": "/ui/alerts",
    "silences": "/ui/silences",
    "oncall": "/ui/oncall",
    "services": "/ui/services",
    "config": "/ui/config",
    "admin": "/ui/admin",
    "postmortems": "/ui/postmortems",
    "analytics": "/ui/analytics",
    "status": "/status",
}
BAD = {"serious", "critical"}


@pytest.fixture(scope="session")
def looked_at(server: Server) -> int:
    """An incident with something on every part of its page."""
    number = server.open_incident("Website answers slowly", severity="SEV3")
    server.api("POST", f"/api/v1/incidents/{number}/notes", {"text": "p99 at 4 s since 10:02"})
    server.api("POST", f"/api/v1/incidents/{number}/runbooks", {"key": "api-errors"})
    server.api("POST", f"/api/v1/incidents/{number}/ack", {"note": "looking"})
    return number


def serious(page: Any) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    found = []
    for violation in results.response["violations"]:
        if violation.get("impact") in BAD:
            targets = [n["target"] for n in violation["nodes"]][:5]
            found.append(f"{violation['id']} ({violation['impact']}): {targets}")
    return found


@pytest.mark.parametrize("name", list(PAGES))
def test_page_screenshots_and_no_serious_accessibility_violation(
    name: str, browse: Browse, server: Server, looked_at: int
) -> None:
    path = PAGES[name]
    page = browse(None if path is None else "admin@b.test")
    url = "/login" if path is None else path.format(number=looked_at)
    problems: dict[str, list[str]] = {}
    for width, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        for scheme in ("light", "dark"):
            page.set_viewport_size(viewport)
            page.emulate_media(color_scheme=scheme)
            answer = page.goto(url)
            assert answer is not None and answer.status == 200, (url, answer and answer.status)
            assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (
                scheme == "dark"
            )
            shot = SHOTS / server.kind / f"{name}-{width}-{scheme}.png"
            shot.parent.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 1000
            if server.kind != "sqlite" and (width, scheme) != ("desktop", "light"):
                continue  # same templates: the full axe sweep runs once, on SQLite
            found = serious(page)
            if found:
                problems[f"{width}/{scheme}"] = found
    assert not problems, problems


LONG_URL = "https://grafana.b.test/d/api?" + "&".join(f"var-host=api-{i:03d}" for i in range(40))


def test_long_unbroken_text_wraps_instead_of_widening_the_page(
    browse: Browse, server: Server
) -> None:
    """A note or task holding a long URL (a dashboard link, a stack trace) and an unbroken title
    made the dashboard ~4,800 px and the incident page ~60,000 px wide on a phone: the whole page
    scrolled sideways. Such text wraps within its card now."""
    number = server.open_incident("Checkout-" + "x" * 240, severity="SEV3")
    for kind, body in (
        ("notes", {"text": f"see {LONG_URL}"}),
        ("hypotheses", {"text": LONG_URL}),
        ("tasks", {"text": LONG_URL}),
        ("evidence", {"kind": "link", "name": "dashboard-" + "y" * 200, "content": LONG_URL}),
    ):
        server.api("POST", f"/api/v1/incidents/{number}/{kind}", body)
    page = browse("admin@b.test", viewport=PHONE)
    for url in ("/", "/ui/incidents", f"/ui/incidents/{number}"):
        answer = page.goto(url)
        assert answer is not None and answer.status == 200
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], (url, width)


def test_a_long_runbook_title_to_attach_does_not_widen_the_page(
    browse: Browse, server: Server
) -> None:
    """The "Attach a runbook" list, holding a runbook whose title is a sentence, made the
    incident page 459 px wide on a 390 px phone: the whole page scrolled sideways at 3am."""
    number = server.open_incident("Feature store answers nothing", severity="SEV3")
    page = browse("ic@b.test", viewport=PHONE)
    answer = page.goto(f"/ui/incidents/{number}")
    assert answer is not None and answer.status == 200
    choice = page.get_by_label("Attach a runbook")
    assert "Database failover when the primary is gone" in choice.inner_text()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], width
