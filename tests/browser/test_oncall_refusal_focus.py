"""A refused on-call override came back as the whole page scrolled to its top: the reason, at
the foot of a long calendar, was out of sight, and a person at 3am saw the calendar unchanged
and thought the override was made. The field the refusal names now has the focus (so it and
the reason above it are on screen) and is described by the reason."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Browse


def _in_view(page: Any, selector: str) -> bool:
    return bool(
        page.evaluate(
            """(s) => { const r = document.querySelector(s).getBoundingClientRect();
                        return r.top >= 0 && r.bottom <= window.innerHeight; }""",
            selector,
        )
    )


def test_a_refused_override_shows_its_reason_and_focuses_the_field(browse: Browse) -> None:
    page = browse("ic@b.test")
    page.goto("/ui/oncall")
    page.select_option("#ov-user", "cover@b.test")
    page.fill("#ov-start", "2030-01-02T10:00")
    page.fill("#ov-end", "2030-01-02T09:00")
    page.get_by_role("button", name="Add override").click()
    page.wait_for_selector("#override-error")
    assert "end must be after start" in page.inner_text("#override-error")
    assert page.evaluate("document.activeElement.id") == "ov-end"
    assert _in_view(page, "#override-error") and _in_view(page, "#ov-end")
    assert page.get_attribute("#ov-end", "aria-describedby") == "override-error"
    assert page.input_value("#ov-start") == "2030-01-02T10:00"  # kept as typed


def test_a_refused_silence_shows_its_reason_and_focuses_the_field(browse: Browse) -> None:
    page = browse("ic@b.test")
    page.set_viewport_size({"width": 390, "height": 500})
    page.goto("/ui/silences")
    page.fill("#si-matchers", "no operator here")
    page.fill("#si-comment", "deploying")
    page.get_by_role("button", name="Create silence").click()
    page.wait_for_selector("#silence-error")
    assert page.evaluate("document.activeElement.id") == "si-matchers"
    assert _in_view(page, "#silence-error")
    assert page.get_attribute("#si-matchers", "aria-describedby") == "silence-error"
