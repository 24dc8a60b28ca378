"""Charts are drawn once per distinct figure set: a reload of the same figures draws nothing."""

from __future__ import annotations

from warroom.review.analytics import charts


def test_the_same_chart_is_drawn_once_and_a_changed_one_again() -> None:
    charts.draw.cache_clear()
    series = (("in working hours", (3, 1)), ("outside working hours", (2, 0)))
    first = charts.draw("stacked", "Pages per person", ("ann", "bob"), series, True, 5)
    again = charts.draw("stacked", "Pages per person", ("ann", "bob"), series, True, 5)
    assert again == first
    assert charts.draw.cache_info().hits == 1 and charts.draw.cache_info().misses == 1
    changed = charts.draw("stacked", "Pages per person", ("ann", "bob"), series[:1], True, 5)
    assert changed != first and charts.draw.cache_info().misses == 2
    # what the page embeds: an SVG with the labels, a whole-number axis, and no script
    assert first.startswith("<svg") and "<script" not in first
    assert "ann" in first and ">5<" in first
