"""`incident show` counts its pages in plain English: one message, two messages."""

from __future__ import annotations

from warroom.cli.incident_screen import pages_summary


def test_one_message_is_singular_and_others_plural() -> None:
    assert pages_summary(1, 0) == "1 message, 0 failed"
    assert pages_summary(2, 1) == "2 messages, 1 failed"
    assert pages_summary(0, 0) == "0 messages, 0 failed"
