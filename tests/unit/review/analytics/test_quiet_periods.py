"""The incidents-per-period chart has a bar for every period of the window, quiet ones too: two
incidents on 2 and 5 March in a report of 1-7 March are seven days apart on the chart, not two
adjacent bars."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from warroom.review.analytics import charts
from warroom.review.analytics.periods import period_starts
from warroom.review.analytics.schemas import AnalyticsReport, IncidentCounts, PeriodCount


def test_every_period_of_the_window() -> None:
    since, until = datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 8, tzinfo=UTC)
    assert period_starts(since, until, "day") == [f"2026-03-0{d}" for d in range(1, 8)]
    # Weeks from Monday (2026-03-01 is a Sunday), months from the 1st, the last one partial.
    assert period_starts(since, until, "week") == ["2026-02-23", "2026-03-02"]
    late = datetime(2026, 12, 15, 10, tzinfo=UTC)
    assert period_starts(since, late, "month") == [f"2026-{m:02d}-01" for m in range(3, 13)]
    # until is excluded: a window ending at midnight has no period starting then
    assert period_starts(since, datetime(2026, 3, 2, tzinfo=UTC), "day") == ["2026-03-01"]
    # too many to draw: none (the chart keeps the periods that had incidents)
    assert period_starts(since, datetime(2036, 3, 1, tzinfo=UTC), "day") == []


def test_the_chart_shows_the_quiet_days(monkeypatch: Any) -> None:
    drawn: dict[str, Any] = {}

    def draw(kind: str, title: str, labels: tuple[str, ...], series: Any, *rest: Any) -> str:
        drawn.update(labels=labels, series=series)
        return "<svg/>"

    monkeypatch.setattr(charts, "draw", draw)
    counts = IncidentCounts(
        total=2,
        by_severity={"SEV1": 2},
        severity_over_time=[
            PeriodCount(period="2026-03-02", key="SEV1", count=1),
            PeriodCount(period="2026-03-05", key="SEV1", count=1),
        ],
    )
    report = AnalyticsReport.model_construct(
        since=datetime(2026, 3, 1, tzinfo=UTC),
        until=datetime(2026, 3, 8, tzinfo=UTC),
        bucket="day",
        incidents=counts,
    )
    charts.incidents_over_time(report)
    assert drawn["labels"] == tuple(f"2026-03-0{d}" for d in range(1, 8))
    assert drawn["series"] == (("SEV1", (0, 1, 0, 0, 1, 0, 0)),)
