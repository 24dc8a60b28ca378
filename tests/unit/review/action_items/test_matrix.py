"""The impact x effort matrix (default and configured), due dates, webhook URL validation."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from pydantic import ValidationError

from warroom.errors import Invalid
from warroom.review.action_items.config import ActionItemsConfig, Matrix, check_webhook_url
from warroom.review.action_items.jobs import phrase_of
from warroom.review.action_items.schemas import ActionItemIn
from warroom.review.action_items.service import due_moment

DEFAULT = {
    ("high", "low"): ("P0", "this week", timedelta(days=7)),
    ("high", "high"): ("P1", "this month", timedelta(days=30)),
    ("low", "low"): ("P2", "this quarter", timedelta(days=90)),
    ("low", "high"): ("P3", "backlog", None),
}


@pytest.mark.parametrize(("impact", "effort"), list(DEFAULT))
def test_default_matrix(impact: str, effort: str) -> None:
    cell = Matrix().cell(impact, effort)
    assert (cell.priority, cell.horizon, cell.due_within) == DEFAULT[(impact, effort)]


def test_configured_cells_replace_only_themselves() -> None:
    config = ActionItemsConfig.model_validate(
        {
            "reminder_before": "6h",
            "matrix": {
                "high_impact_low_effort": {"priority": "SEV-A", "horizon": "48 hours",
                                           "due_within": "2d"},
                "low_impact_high_effort": {"priority": "P4", "horizon": "next year",
                                           "due_within": "365d"},
            },
        }
    )  # fmt: skip
    cells = {key: config.matrix.cell(*key) for key in DEFAULT}
    assert (cells["high", "low"].priority, cells["high", "low"].due_within) == (
        "SEV-A",
        timedelta(days=2),
    )
    assert cells["low", "high"].horizon == "next year"
    assert (cells["high", "high"].priority, cells["low", "low"].priority) == ("P1", "P2")
    assert config.reminder_before == timedelta(hours=6)


@pytest.mark.parametrize(
    "bad",
    [
        {"matrix": {"high_impact_medium_effort": {"priority": "P0", "horizon": "x"}}},
        {"matrix": {"high_impact_low_effort": {"priority": "", "horizon": "x"}}},
        {"matrix": {"high_impact_low_effort": {"priority": "P0", "horizon": "x",
                                               "due_within": "soon"}}},
    ],
)  # fmt: skip
def test_a_bad_matrix_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        ActionItemsConfig.model_validate(bad)


def test_a_date_is_due_by_the_end_of_that_day_utc() -> None:
    assert due_moment(date(2026, 3, 1)) == datetime(2026, 3, 1, 23, 59, 59, tzinfo=UTC)
    moment = datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    assert due_moment(moment) == moment
    with pytest.raises(Invalid) as refused:
        due_moment(datetime(2026, 3, 1, 9, 30))
    assert refused.value.field == "due"


def test_due_input_forms() -> None:
    base = {"title": "t", "owner": "a@b.c", "impact": "high", "effort": "low"}
    assert ActionItemIn.model_validate(base | {"due": "2026-03-01"}).due == date(2026, 3, 1)
    zoned = ActionItemIn.model_validate(base | {"due": "2026-03-01T09:30:00Z"}).due
    assert zoned == datetime(2026, 3, 1, 9, 30, tzinfo=UTC)
    for bad in ("2026-03-01T09:30:00", "tomorrow", "2026-02-30"):
        with pytest.raises(ValidationError) as refused:
            ActionItemIn.model_validate(base | {"due": bad})
        assert refused.value.errors()[0]["loc"] == ("due",)


@pytest.mark.parametrize(
    "url", ["https://tracker.example/hooks/x?token=abc", "http://127.0.0.1:8080/hook"]
)
def test_webhook_urls_accepted(url: str) -> None:
    assert check_webhook_url(url) == url


@pytest.mark.parametrize(
    "url",
    [
        "ftp://tracker.example/hook-SECRET",
        "tracker.example/hook-SECRET",
        "https:///hook-SECRET",
        "https://tracker.example/hook SECRET",
        "https://tracker.example:99999/hook-SECRET",
    ],
)
def test_webhook_urls_refused_without_repeating_them(url: str) -> None:
    with pytest.raises(ValueError) as refused:
        check_webhook_url(url)
    assert "SECRET" not in str(refused.value)


@pytest.mark.parametrize(
    ("left_s", "said"),
    [
        (2 * 86400, "due in 2 days"),
        (86400 + 5, "due in 1 day"),
        (12 * 3600, "due in 12 hours"),
        (3600, "due in 1 hour"),
        (59 * 60, "due now"),
    ],
)
def test_reminder_phrase(left_s: float, said: str) -> None:
    assert phrase_of(left_s) == said
