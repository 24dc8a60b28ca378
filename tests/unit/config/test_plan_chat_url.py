"""A plan shows a chat channel's URL masked once: Apprise never sees the masked form, so an
apply with a slack:// channel logs no "Could not load Slack URL" error."""

from __future__ import annotations

import logging

import pytest

from warroom.config.plan import Plan
from warroom.redaction import mask_change

SLACK = "slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ/#incidents"


def test_a_slack_channel_in_a_plan_logs_no_error(caplog: pytest.LogCaptureFixture) -> None:
    plan = Plan()
    with caplog.at_level(logging.WARNING):
        plan.compare("channel", "chat", None, {"name": "Chat", "url": SLACK})
        plan.compare("channel", "chat", {"url": SLACK}, {"url": SLACK + "2"})
        shown = "\n".join(plan.detail())
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert "slack://T...2/…" in shown, shown
    assert "TIiajkdnlazkcOXrIdevi7FQ" not in shown


def test_a_url_is_masked_once_wherever_it_is() -> None:
    assert mask_change(SLACK, "url") == "slack://T...2/…"
    assert mask_change({"url": SLACK}) == {"url": "slack://T...2/…"}
    assert mask_change([{"url": SLACK}], "channels") == [{"url": "slack://T...2/…"}]
    # In text, as a section's plan may write it: the URL inside is masked, the text kept.
    text = mask_change(f"chat={SLACK} and https://u:pw@hooks.example/T0/B0/XYZ", "note")
    assert text == "chat=slack://T...2/… and https://hooks.example/…"
    assert mask_change({"password": "hunter2", "headers": {"X-Key": "k"}}) == {
        "password": "***",
        "headers": {"X-Key": "***"},
    }
