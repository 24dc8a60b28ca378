"""Figures that rounding must not turn into a different statement, and a daylight-saving change
in a window's last day."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from warroom.review.analytics.oncall import offsets
from warroom.review.analytics.report_html import percent
from warroom.review.analytics.service import _ratio


@pytest.mark.parametrize(
    ("ratio", "text"),
    [(0.995, "99%"), (0.9999, "99%"), (1.0, "100%"), (0.6667, "67%"), (0.004, "1%"), (0.0, "0%")],
)
def test_only_all_met_is_100_percent_and_only_none_0(ratio: float, text: str) -> None:
    assert percent(ratio) == text


def test_a_ratio_is_one_only_when_nothing_was_missed() -> None:
    assert _ratio(19999, 1).ratio == 0.9999  # 0.99995 would round to 1.0
    assert _ratio(1, 29999).ratio == 0.0001
    assert (_ratio(3, 0).ratio, _ratio(0, 3).ratio, _ratio(0, 0).ratio) == (1.0, 0.0, None)
    assert _ratio(2, 1).ratio == 0.6667


def test_a_change_in_the_last_day_is_found() -> None:
    since, until = datetime(2026, 3, 26, 12, tzinfo=UTC), datetime(2026, 3, 27, 12, tzinfo=UTC)
    change = int(datetime(2026, 3, 27, tzinfo=UTC).timestamp())  # 02:00 IST -> 03:00 IDT
    assert offsets("Asia/Jerusalem", since, until) == [
        (change, 7200),
        (int(until.timestamp()) + 1, 10800),
    ]
    # A change right at `until` is no page's business (the window ends before it).
    at_change = datetime(2026, 3, 27, tzinfo=UTC)
    assert offsets("Asia/Jerusalem", since, at_change) == [(change, 7200), (change + 1, 10800)]
