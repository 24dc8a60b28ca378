"""A webhook answer still arriving when the deadline passes is no answer, whichever comes
first: the shut connection's error, or a chunk already on its way (a race the integration test
tests/integration/notify/test_webhook_deadline.py lost under load: 'HTTP 500 Busy: xxxxxxxxxx')."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from warroom.notify import senders
from warroom.notify.deadline import Deadline


class Trickle:
    encoding = "utf-8"

    def __init__(self, deadline: Deadline) -> None:
        self.deadline = deadline

    def iter_bytes(self) -> Iterator[bytes]:
        yield b"x" * 10
        self.deadline.expired = True  # the timer fires while the next bytes are in flight
        yield b"x" * 10
        yield b"x" * 10


def test_a_chunk_read_after_the_deadline_is_a_timeout_not_an_answer() -> None:
    deadline = Deadline(3600)
    try:
        with pytest.raises(httpx.ReadTimeout):
            senders._answer_text(Trickle(deadline), deadline)
    finally:
        deadline.cancel()


def test_an_answer_complete_before_the_deadline_is_read() -> None:
    deadline = Deadline(3600)

    class Quick:
        encoding = "utf-8"

        def iter_bytes(self) -> Iterator[bytes]:
            yield b"accepted\n  ok"

    try:
        assert senders._answer_text(Quick(), deadline) == "accepted ok"
    finally:
        deadline.cancel()
