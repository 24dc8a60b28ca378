"""Post-incident review in a real browser (issue 14): edit a postmortem with the preview, send
it for review, approve it as a second person and publish it; the analytics page draws its
charts as SVG images that the browser loads."""

from __future__ import annotations

import base64
import urllib.parse
from typing import Any

from tests.browser.conftest import Browse, Server

ROOT_CAUSE = "A certificate rotation skipped the EU load balancers"


def _postmortem(server: Server, number: int) -> dict[str, Any] | None:
    listed = server.api("GET", "/api/v1/postmortems")["postmortems"]
    return next((p for p in listed if p.get("number") == number), None)


def _resolved_sev1(server: Server) -> int:
    number = server.open_incident("EU checkout refuses cards", severity="SEV1")
    server.api(
        "POST",
        f"/api/v1/incidents/{number}/roles",
        {"role": "incident_commander", "user_email": "ic@b.test"},
    )
    server.api("POST", f"/api/v1/incidents/{number}/ack", {"note": ""})
    server.api("POST", f"/api/v1/incidents/{number}/resolve", {"note": "rotated again"})
    return number


def test_edit_review_and_publish_a_postmortem(browse: Browse, server: Server) -> None:
    number = _resolved_sev1(server)
    server.wait("the postmortem", lambda: _postmortem(server, number))
    page_url = f"/ui/postmortems/{number}"
    author = browse("ic@b.test")
    author.goto("/ui/postmortems")
    author.locator(f'a[href="{page_url}"]').first.click()
    author.wait_for_url(f"**{page_url}")
    assert author.locator("#pm-state").inner_text() == "draft"
    author.get_by_role("link", name="Edit", exact=True).click()
    editor = author.get_by_label("Markdown", exact=False)
    draft = editor.input_value()
    assert "## " in draft  # the generated draft, with its sections
    editor.fill(draft + f"\n\n## Root cause, in short\n\n**{ROOT_CAUSE}**.\n")
    author.get_by_role("button", name="Preview").click()  # a form post: the page reloads
    preview = author.locator("#pm-preview")
    rendered = preview.locator("strong", has_text=ROOT_CAUSE)
    rendered.wait_for(state="visible")  # the reloaded page, not the one before the click
    assert rendered.is_visible()  # rendered, not raw
    assert ROOT_CAUSE in author.get_by_label("Markdown", exact=False).input_value()
    author.get_by_role("button", name="Save").click()
    author.wait_for_url(f"**{page_url}")
    author.locator("#postmortem-body strong", has_text=ROOT_CAUSE).wait_for(state="visible")
    assert author.locator("#postmortem-body strong", has_text=ROOT_CAUSE).is_visible()

    author.get_by_role("button", name="Send for review").click()
    author.wait_for_url(f"**{page_url}")  # the same address: wait for the new state too
    author.locator("#pm-state", has_text="in review").wait_for()
    assert author.locator("#pm-state").inner_text() == "in review"
    assert author.get_by_role("button", name="Approve").count() == 0  # not their own

    reviewer = browse("rev@b.test")
    reviewer.goto(page_url)
    reviewer.get_by_label("Note").fill("clear and blameless")
    reviewer.get_by_role("button", name="Approve").click()
    reviewer.wait_for_url(f"**{page_url}")
    reviewer.locator("#pm-reviews", has_text="rev@b.test approved").wait_for()
    assert "rev@b.test approved" in reviewer.locator("#pm-reviews").inner_text()

    author.reload()
    author.get_by_role("button", name="Publish").click()
    author.wait_for_url(f"**{page_url}")
    author.locator("#pm-state", has_text="published").wait_for()
    assert author.locator("#pm-state").inner_text() == "published"
    assert author.get_by_role("link", name="Edit", exact=True).count() == 0
    stored = _postmortem(server, number)
    assert stored is not None and stored["state"] == "published"


def _svg_of(src: str) -> str:
    head, _, data = src.partition(",")
    assert head.startswith("data:image/svg+xml"), head[:40]
    if head.endswith(";base64"):
        return base64.b64decode(data).decode()
    return urllib.parse.unquote(data)


def test_the_analytics_page_draws_its_charts_as_svg(browse: Browse, server: Server) -> None:
    for title in ("Disk full on db-1", "Queue backs up"):
        number = server.open_incident(title)
        server.api("POST", f"/api/v1/incidents/{number}/ack", {"note": ""})
        server.api("POST", f"/api/v1/incidents/{number}/resolve", {"note": ""})
    page = browse("viewer@b.test")
    answer = page.goto("/ui/analytics")
    assert answer is not None and answer.status == 200
    charts = page.locator("figure.chart img")
    assert charts.count() >= 3
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.scroll_into_view_if_needed()
        loaded = chart.evaluate("img => img.complete && img.naturalWidth > 0")
        assert loaded, chart.get_attribute("alt")
        svg = _svg_of(chart.get_attribute("src") or "")
        assert "<svg" in svg and "</svg>" in svg
        assert chart.get_attribute("alt")  # described for screen readers
    first = _svg_of(charts.first.get_attribute("src") or "")
    assert "SEV3" in first  # the resolved SEV3 incidents are drawn
