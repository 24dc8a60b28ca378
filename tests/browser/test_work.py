"""Working an incident in a real browser: tick a runbook step; request an action that needs a
second person and approve it as another user (two browser contexts); post a public update and
find it on /status; add an on-call override on the calendar and see "on call now" change."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from tests.browser.conftest import PHONE, Browse, Server

FORM_TIME = "%Y-%m-%dT%H:%M"


def _step_states(server: Server, number: int) -> list[str]:
    runs = server.api("GET", f"/api/v1/incidents/{number}/runbooks")["runs"]
    return [step["state"] for step in runs[0]["steps"]]


def test_tick_a_runbook_step(browse: Browse, server: Server) -> None:
    number = server.open_incident("API errors at 5%")
    server.api("POST", f"/api/v1/incidents/{number}/runbooks", {"key": "api-errors"})
    page = browse("ic@b.test", viewport=PHONE)
    page.goto(f"/ui/incidents/{number}#runbooks")
    step = page.locator("#runbook-api-errors li.step").first
    assert "state-todo" in (step.get_attribute("class") or "")
    page.get_by_role("button", name="Done: step 1 of API errors").click()
    page.wait_for_url(f"**/ui/incidents/{number}**")
    step = page.locator("#runbook-api-errors li.step").first
    assert "state-done" in (step.get_attribute("class") or "")
    assert "ic@b.test" in step.inner_text()
    assert _step_states(server, number)[:2] == ["done", "todo"]


def _run(server: Server, number: int) -> dict[str, Any]:
    runs = server.api("GET", f"/api/v1/incidents/{number}/actions")
    items = runs["items"] if isinstance(runs, dict) else runs
    assert len(items) == 1, items
    run: dict[str, Any] = items[0]
    return run


def test_request_an_action_and_approve_it_as_a_second_person(
    browse: Browse, server: Server
) -> None:
    number = server.open_incident("Payments failing in EU", severity="SEV1")
    asker = browse("ic@b.test")
    asker.goto(f"/ui/incidents/{number}#actions")
    asker.locator("details.action-def summary", has_text="Request Pause a market").click()
    asker.get_by_label("market").fill("EU")
    asker.get_by_role("button", name="Request Pause a market").click()
    asker.wait_for_url(f"**/ui/incidents/{number}**")
    run = _run(server, number)
    assert run["state"] == "awaiting_approval"
    row = asker.locator(f"#run-{run['id']}")
    assert "waiting for someone else to approve" in row.inner_text()
    assert asker.get_by_role("button", name=f"Approve #{run['id']}").count() == 0

    approver = browse("rev@b.test")  # a second person, in their own browser context
    approver.goto(f"/ui/incidents/{number}#actions")
    approver.get_by_role("button", name=f"Approve #{run['id']}").click()
    approver.wait_for_url(f"**/ui/incidents/{number}**")
    done = server.wait(
        "the approved action to run",
        lambda: (r := _run(server, number))["state"] in {"succeeded", "failed"} and r,
    )
    assert done["state"] == "succeeded" and done["approved_by"] == "rev@b.test"
    approver.reload()
    row_text = approver.locator(f"#run-{run['id']}").inner_text()
    assert "succeeded" in row_text and "rev@b.test" in row_text


def test_post_a_public_update_and_see_it_on_the_status_page(browse: Browse, server: Server) -> None:
    number = server.open_incident("Logins fail for some users")
    server.cli("status", "publish", str(number), "--name", "Login problems", "--component", "api")
    public = f"Some people cannot sign in; we are on it ({server.kind})."
    page = browse("ic@b.test")
    page.goto(f"/ui/incidents/{number}#updates")
    page.get_by_label("State").select_option("identified")
    page.get_by_label("Internal update").fill("Token cache evicts too early; fix in review.")
    page.get_by_label("Public update").fill(public)
    page.get_by_role("button", name="Post update").click()
    page.wait_for_url(f"**/ui/incidents/{number}**")
    assert public in page.locator("#updates ol.updates").inner_text()

    visitor = browse()  # the public page needs no sign-in
    answer = visitor.goto("/status")
    assert answer is not None and answer.status == 200
    shown = visitor.content()
    assert "Login problems" in shown and public in shown
    assert "Logins fail for some users" not in shown  # only the public name


def _on_call_now(page: Any) -> str:
    row = page.locator('tr[data-schedule="primary"] td.oncall-user')
    return str(row.inner_text()).strip()


def test_add_an_override_on_the_calendar_and_see_on_call_now_change(
    browse: Browse, server: Server
) -> None:
    page = browse("ic@b.test")
    page.goto("/ui/oncall")
    assert _on_call_now(page).startswith("oncall@b.test")
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    form = page.get_by_role("region", name="Add an override")
    form.get_by_label("Schedule").select_option("primary")
    form.get_by_label("Person on call").select_option("cover@b.test")
    form.get_by_label("Start (UTC)").fill((now - timedelta(minutes=5)).strftime(FORM_TIME))
    form.get_by_label("End (UTC)").fill((now + timedelta(hours=2)).strftime(FORM_TIME))
    form.get_by_label("Reason").fill("swap for a dentist visit")
    form.get_by_role("button", name="Add override").click()
    page.wait_for_url("**/ui/oncall**")
    try:
        assert _on_call_now(page).startswith("cover@b.test")
        assert "override" in _on_call_now(page)
        dashboard = browse("viewer@b.test")
        dashboard.goto("/")
        assert "cover@b.test" in dashboard.locator("#oncall-heading + *").inner_text()
    finally:  # the other tests page the schedule: hand it back
        removed = page.locator("tr[data-override] button.btn-danger")
        assert removed.count() == 1
        override = removed.first.locator("xpath=ancestor::tr").get_attribute("data-override")
        asked: list[str] = []
        # Removing asks first (Playwright would dismiss the question: nothing is sent).
        page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
        removed.first.click()
        page.wait_for_url("**/ui/oncall**")
    assert asked == [f"Remove override {override} (cover@b.test)?"]
    assert _on_call_now(page).startswith("oncall@b.test")
