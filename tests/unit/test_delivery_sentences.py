"""A failing delivery reads as a page only when it is one: the README tour's status update to
examples/oracle's channel (kept undelivered on a laptop) read 'channel:oracle-incidents page
failing' on the incident's timeline."""

from __future__ import annotations

from warroom.audit.sentences import describe

ANSWER = "Connection error while submitting email"


def test_a_status_update_message_is_no_page() -> None:
    payload = {"channel": "channel:oracle-incidents", "purpose": "comms:update", "answer": ANSWER}
    failing = describe("paging:notification:failing", payload)
    assert failing.startswith("channel:oracle-incidents message failing: "), failing
    failed = describe("paging:notification:failed", payload)
    assert failed.startswith("channel:oracle-incidents message failed: "), failed


def test_a_page_still_reads_as_a_page() -> None:
    for purpose in ("page:escalation", None):
        payload = {"channel": "email", "purpose": purpose, "answer": ANSWER}
        assert describe("paging:notification:failing", payload).startswith("email page failing")
