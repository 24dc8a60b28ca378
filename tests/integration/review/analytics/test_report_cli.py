"""`warroom report` through the real CLI against the in-process app, on both databases."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.integration.review.analytics import scenario
from warroom.clock import FakeClock
from warroom.db import Database


@pytest.fixture
def built(db: Database, clock: FakeClock) -> None:
    with db.session() as session:
        scenario.build(session, clock)
        session.commit()


def test_json_has_the_figures(cli: Any, built: None) -> None:
    result = cli("report", "--since", "2026-03-01", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["times"]["overall"]["mttr"]["median_s"] == 5400
    assert data["sla"]["SEV2"]["resolved"] == {"met": 2, "missed": 1, "ratio": 0.6667}
    assert data["drills"]["times"]["overall"]["mtta"]["mean_s"] == 120


def test_tables(cli: Any, built: None, monkeypatch: pytest.MonkeyPatch) -> None:
    # Wide enough for a row per severity (at 80 columns Rich wraps the targets table's cells,
    # which have five targets since 'responded' joined them).
    monkeypatch.setenv("COLUMNS", "200")
    result = cli("report", "--since", "2026-03-01", "--service", "database")
    assert result.exit_code == 0, result.output
    assert "3 incidents" in result.stdout
    assert "alice@example.com" in result.stdout
    # SEV1 on the database (B, C): ack met by C only.
    assert re.search(r"SEV1.*50% \(1/2\)", result.stdout)


def test_html_report_with_inline_charts(cli: Any, built: None, tmp_path: Path) -> None:
    target = tmp_path / "report.html"
    result = cli("report", "--since", "2026-03-01", "--html", str(target))
    assert result.exit_code == 0, result.output
    page = target.read_text("utf-8")
    assert page.startswith("<!doctype html>")
    assert page.count("<svg") == 3
    for caption in ("Incidents per day", "Mean time to acknowledge", "Pages per person"):
        assert caption in page
    assert "<script" not in page and "src=" not in page and "<link" not in page
    assert "alice@example.com" in page
    assert "16m 15s" in page  # overall MTTA mean: 975 s
    assert "No drills" not in page and "1 drill," in page


def test_bad_since_names_the_field(cli: Any) -> None:
    result = cli("report", "--since", "fortnight")
    assert result.exit_code == 1
    assert "field: since" in result.stderr


def test_unwritable_html_path(cli: Any, built: None, tmp_path: Path) -> None:
    result = cli("report", "--html", str(tmp_path / "missing" / "r.html"))
    assert result.exit_code == 1
    assert "cannot write" in result.stderr


def test_an_empty_period(cli: Any, tmp_path: Path) -> None:
    result = cli("report", "--since", "7d", "--html", str(tmp_path / "empty.html"))
    assert result.exit_code == 0, result.output
    assert "0 incidents" in result.stdout
    page = (tmp_path / "empty.html").read_text("utf-8")
    assert "0 incidents opened" in page and "No drills in this period" in page
    assert "<svg" not in page  # no chart of nothing


def test_an_unknown_filter_is_refused_naming_the_field(cli: Any, built: None) -> None:
    """A typo in --severity or --service is a 422 naming the field, not an empty report."""
    for option, value, known in (
        ("--severity", "SEV9", "SEV1"),
        ("--service", "databse", "database"),
    ):
        result = cli("report", "--since", "2026-03-01", option, value)
        assert result.exit_code == 1, result.output
        assert f"field: {option[2:]}" in result.stderr and known in result.stderr
        assert result.stdout == ""


def test_one_of_each_and_nothing_to_tabulate(cli: Any, built: None) -> None:
    """One incident is '1 incident'; a period with no incident and nobody paged says so in a
    line instead of printing empty tables."""
    one = cli("report", "--since", "2026-03-05T13:00:00Z", "--until", "2026-03-05T15:00:00Z")
    assert one.exit_code == 0, one.output
    assert "UTC: 1 incident (drills apart: 0)" in one.stdout
    empty = cli("report", "--since", "2026-01-01", "--until", "2026-01-02")
    assert empty.exit_code == 0, empty.output
    assert "0 incidents" in empty.stdout and "0 pages," in empty.stdout
    assert "Targets met: no incident opened in this period" in empty.stdout
    assert "Pages per person" not in empty.stdout and "┏" not in empty.stdout.split("Targets")[1]
