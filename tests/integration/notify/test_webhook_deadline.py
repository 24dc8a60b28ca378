"""A plain webhook's answer is bounded: in time (a host that trickles its answer a byte at a
time, each byte within the read timeout, does not hold the delivery thread) and in size (a huge
answer body is not read into memory). Real local servers on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from tests.integration.notify.receivers import smtp_server
from warroom.notify.senders import ANSWER_BYTES, AppriseSender, Outgoing, WebhookSender

DRIP_BYTES = 200  # a byte at a time, DRIP_PAUSE_S apart: about 20 s in all
DRIP_PAUSE_S = 0.1


@dataclass
class Host:
    port: int = 0
    # Bytes of the answer the host managed to write before the sender hung up.
    written: int = 0
    done: threading.Event = field(default_factory=threading.Event)


@contextmanager
def host(head: bytes, body: bytes, *, drip: bool) -> Iterator[Host]:
    """A host that answers one request with `head` at once, then `body` (a byte at a time
    when `drip`); it stops when the client hangs up."""
    state = Host()
    listener = socket.create_server(("127.0.0.1", 0))
    state.port = listener.getsockname()[1]

    def answer() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.recv(65536)
            try:
                conn.sendall(head)
                if drip:
                    for i in range(len(body)):
                        conn.sendall(body[i : i + 1])
                        state.written += 1
                        if state.done.wait(DRIP_PAUSE_S):
                            break
                else:
                    step = 65536
                    for i in range(0, len(body), step):
                        conn.sendall(body[i : i + step])
                        state.written += len(body[i : i + step])
            except OSError:
                pass  # the sender hung up
        state.done.set()

    thread = threading.Thread(target=answer, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.done.set()
        thread.join(30)
        listener.close()


def _send(sender: WebhookSender, port: int) -> tuple[bool, str, bool]:
    result = sender.send(
        Outgoing(url=f"http://127.0.0.1:{port}/hook", title="t", body="b", idempotency_key="k")
    )
    return result.ok, result.answer, result.retryable


def test_a_trickled_answer_does_not_hold_the_sender_past_its_timeout() -> None:
    head = b"HTTP/1.1 500 Busy\r\nContent-Length: %d\r\n\r\n" % DRIP_BYTES
    with host(head, b"x" * DRIP_BYTES, drip=True) as slow:
        ok, answer, retryable = _send(WebhookSender(timeout=1.0, connect_timeout=1.0), slow.port)
        trickled = slow.written  # what the host had written when the sender gave up
    assert not ok and retryable
    assert "no complete answer within 1s" in answer
    assert trickled < DRIP_BYTES // 2  # it gave up long before the host finished


def test_trickled_headers_do_not_hold_the_sender_either() -> None:
    headers = b"X-Pad: " + b"y" * DRIP_BYTES
    with host(b"HTTP/1.1 200 OK\r\n", headers, drip=True) as slow:
        ok, answer, retryable = _send(WebhookSender(timeout=1.0, connect_timeout=1.0), slow.port)
        trickled = slow.written
    assert not ok and retryable
    assert "no complete answer within 1s" in answer
    assert trickled < DRIP_BYTES // 2


def test_a_huge_answer_is_read_only_as_far_as_it_is_shown() -> None:
    size = 64 * 1024 * 1024
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size
    with host(head, b"z" * size, drip=False) as big:
        ok, answer, _ = _send(WebhookSender(timeout=30.0, connect_timeout=1.0), big.port)
        read = big.written
    assert ok  # the status line said the host took the message
    assert answer.startswith("HTTP 200 OK: zzz") and len(answer) < ANSWER_BYTES + 100
    assert read < size // 2  # the sender hung up rather than read it all


def test_an_apprise_webhook_trickling_its_answer_is_cut_off_too() -> None:
    # Apprise's json://, ntfy://, slack://, … go through requests, whose timeouts also bound
    # each read only.
    head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % DRIP_BYTES
    with host(head, b"x" * DRIP_BYTES, drip=True) as slow:
        result = AppriseSender(timeout=1.0).send(
            Outgoing(url=f"json://127.0.0.1:{slow.port}/hook", title="t", body="b",
                     idempotency_key="k")
        )  # fmt: skip
        trickled = slow.written
    assert not result.ok and result.retryable
    assert "no complete answer within 1s" in result.answer
    assert trickled < DRIP_BYTES // 2


def test_a_slow_mail_server_that_takes_the_message_is_not_reported_cut_off() -> None:
    # E-mail keeps Apprise's own deadline: the sender's deadline shuts nothing down there, so
    # it must not call a slow but successful send a failure.
    with smtp_server(delay=1.5) as box:
        result = AppriseSender(timeout=1.0).send(
            Outgoing(url=f"mailto://127.0.0.1:{box.port}?from=w@atlas.test&to=jane@atlas.test",
                     title="t", body="b", idempotency_key="k")
        )  # fmt: skip
    assert result.ok, result.answer
    assert len(box.messages) == 1
