"""Figures that rounding must not turn into a different statement."""

from __future__ import annotations

import pytest

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
