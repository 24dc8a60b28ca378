"""The config page's answers came back as the page at its top: on a phone, a simulation's
table (below the running config and the plan form) and a refused plan's problems were out of
sight, and the page looked as if nothing had happened. Each form now lands on its section."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import PHONE, Browse


def _in_view(page: Any, selector: str) -> bool:
    return bool(
        page.evaluate(
            """(s) => { const r = document.querySelector(s).getBoundingClientRect();
                        return r.top < window.innerHeight && r.bottom > 0; }""",
            selector,
        )
    )


def test_a_simulation_lands_on_its_result(browse: Browse) -> None:
    page = browse("admin@b.test", viewport=PHONE)
    page.goto("/ui/config")
    page.select_option("#sim-severity", "SEV1")
    page.get_by_role("button", name="Simulate").click()
    page.wait_for_selector("#simulation")
    assert page.url.endswith("#simulate")
    assert _in_view(page, "#simulation")


def test_a_refused_plan_lands_on_its_problems(browse: Browse) -> None:
    page = browse("admin@b.test", viewport=PHONE)
    page.goto("/ui/config")
    page.fill("#cfg-text", "severities: [{key: SEV1, colour: red}]\n")
    page.get_by_role("button", name="Show plan").click()
    page.wait_for_selector("#plan-problems")
    assert _in_view(page, "#plan-problems")
