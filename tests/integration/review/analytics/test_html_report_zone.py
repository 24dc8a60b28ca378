"""`warroom report --html` heads the file with the period in the reader's zone, as the tables
do: a Berlin reader asking for March (--since 2026-03-01 --until 2026-04-01, read in
WARROOM_TZ) got a file titled 'warroom report 2026-02-28 to 2026-03-31' and headed
'2026-02-28 23:00 to 2026-03-31 22:00 UTC'. On both databases."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.integration.review.analytics import scenario
from warroom.clock import FakeClock
from warroom.db import Database


def test_html_report_headed_in_the_reader_zone(
    db: Database, clock: FakeClock, cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with db.session() as session:
        scenario.build(session, clock)
        session.commit()
    monkeypatch.setenv("WARROOM_TZ", "Europe/Berlin")
    target = tmp_path / "march.html"
    result = cli("report", "--since", "2026-03-01", "--until", "2026-04-01", "--html", str(target))
    assert result.exit_code == 0, result.output
    assert "2026-03-01 00:00:00 CET to 2026-04-01 00:00:00 CEST" in result.stdout  # the tables
    page = target.read_text("utf-8")
    assert "<title>warroom report 2026-03-01 \u2013 2026-04-01</title>" in page
    assert "2026-03-01 00:00 CET to 2026-04-01 00:00 CEST (Europe/Berlin)," in page
    assert "UTC," not in page
