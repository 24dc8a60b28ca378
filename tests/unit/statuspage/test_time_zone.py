"""The status page's `time_zone` is given to every Statuspage widget as `page.time_zone`: a
name that is no IANA zone ('Europe/Berln') passed config check and apply, and reached the
widgets that format the page's times with it. It is now a problem at its file:line."""

from __future__ import annotations

import pytest

from warroom.config import service as config_service
from warroom.statuspage import service

BASE = """\
severities:
  - {key: SEV1, name: Major}
services:
  - {key: api, name: API}
status_page:
  title: Example Status
  time_zone: ZONE
"""


@pytest.mark.parametrize("zone", ["Europe/Berln", "Mars/Olympus_Mons", "UTC+2", "../etc"])
def test_an_unknown_time_zone_is_a_problem_at_its_line(zone: str) -> None:
    _, problems = config_service.load_files({"org.yaml": BASE.replace("ZONE", zone)})
    lines = problems.lines()
    assert any(
        line.startswith("org.yaml:7:") and "time_zone" in line and "unknown time zone" in line
        for line in lines
    ), lines


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York"])
def test_an_iana_time_zone_is_taken(zone: str) -> None:
    _, problems = config_service.load_files({"org.yaml": BASE.replace("ZONE", zone)})
    assert not problems, problems.lines()


def test_a_zone_applied_before_it_was_checked_reads_as_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    """A configuration an older warroom applied with such a zone still gives a page (in UTC)."""
    stored = {"title": "Old Status", "time_zone": "Europe/Berln"}
    monkeypatch.setattr(config_service, "current_section", lambda session, key: stored)
    cfg = service.page_config(None)  # type: ignore[arg-type]
    assert (cfg.title, cfg.time_zone) == ("Old Status", "UTC")
