"""One value per thread, set for the length of a `with` block and put back after it.

The simulation's uncounted metrics, the outbound address guard and its deadline watch, and a
thread's own notification sender each hold such a value (`warroom.metrics`,
`warroom.outbound`, `warroom.notify.senders`)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def held(local: threading.local, name: str, value: Any, default: Any = None) -> Iterator[None]:
    """`local.<name>` is `value` on this thread while inside; what it was before (or
    `default`) afterwards, however the block ends."""
    previous = getattr(local, name, default)
    setattr(local, name, value)
    try:
        yield
    finally:
        setattr(local, name, previous)
