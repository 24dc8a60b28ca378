"""The ladder page's first paragraph counts time in words a person would write (issue 10:
no "unresolved for 0 minutes" or "1 minutes")."""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any

import pytest

from warroom.paging.runtime import unresolved_context

INCIDENT: Any = SimpleNamespace(ref="INC-3", severity="P0")


@pytest.mark.parametrize(
    ("after_s", "said"),
    [
        (30, "unresolved for 30 seconds"),
        (60, "unresolved for 1 minute;"),
        (90, "unresolved for 1 minute;"),
        (1800, "unresolved for 30 minutes;"),
    ],
)
def test_the_span_reads_as_written(after_s: int, said: str) -> None:
    text = unresolved_context(INCIDENT, after_s)
    assert said in text
    assert not re.search(r"\b[01] minutes", text)


def test_a_rung_at_once_says_it_pages_at_opening() -> None:
    text = unresolved_context(INCIDENT, 0)
    assert text.startswith("INC-3 (P0) has opened") and "unresolved for" not in text
