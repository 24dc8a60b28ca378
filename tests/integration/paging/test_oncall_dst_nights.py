"""Who is on call at 02:30 on the nights the clocks change, asked as a user asks it.

A Berlin team hands its weekly shift over at Monday 09:00. `warroom oncall --at 2026-03-29T02:30`
(WARROOM_TZ=Europe/Berlin) names a time that night skips; `--at 2026-10-25T02:30` one that
night shows twice. Before, the CLI answered for some instant without a word (which one, the
reader could not tell). Now it says how it read the time, and the CLI, the API, the iCal feed
and the page an incident sends at that instant all name the same person.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.paging.test_escalation_timelines import act
from tests.integration.paging.world import apply, sender, who, worker
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.notify.senders import FakeSender
from warroom.paging import service as paging
from warroom.settings import Settings

__all__ = ["sender"]

BERLIN = """\
severities:
  - {key: P0, name: Critical}
users:
  - email: anna@atlas.test
    name: Anna
    contact_methods: [{name: push, url: "json://127.0.0.1:9/anna-push"}]
  - email: ben@atlas.test
    name: Ben
    contact_methods: [{name: push, url: "json://127.0.0.1:9/ben-push"}]
schedules:
  - key: berlin
    name: Berlin
    time_zone: Europe/Berlin
    handoff_notify: false
    layers:
      - name: weekly
        participants: [anna@atlas.test, ben@atlas.test]
        shift: weekly
        start: "2026-03-02"
        handoff: "09:00"
escalation_policies:
  - key: berlin
    levels: [{notify: ["schedule:berlin"], escalate_after: 5m}]
services:
  - {key: api, name: API, escalation_policy: berlin}
"""

# (what the user types, the instant it is read as, who is on call then, the note's words)
NIGHTS = [
    ("2026-03-29T02:30", "2026-03-29T01:30:00+00:00", "ben", "does not exist in Europe/Berlin"),
    ("2026-10-25T02:30", "2026-10-25T00:30:00+00:00", "ben", "comes twice in Europe/Berlin"),
    ("2026-10-25T02:30+01:00", "2026-10-25T01:30:00+00:00", "ben", None),
]


@pytest.fixture(autouse=True)
def berlin_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_TZ", "Europe/Berlin")
    monkeypatch.setenv("COLUMNS", "200")  # the whole table, however wide the terminal


@pytest.mark.parametrize(("typed", "instant", "person", "note"), NIGHTS)
def test_oncall_at_a_time_the_clock_change_skips_or_repeats_says_how_it_was_read(
    typed: str,
    instant: str,
    person: str,
    note: str | None,
    db: Database,
    clock: FakeClock,
    cli: Callable[..., Any],
) -> None:
    clock.set(datetime(2026, 3, 1, tzinfo=UTC))
    apply(db, clock, BERLIN)
    result = cli("oncall", "--at", typed, "--json")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)
    assert rows[0]["now"]["user"] == f"{person}@atlas.test"
    if note is None:
        assert result.stderr == ""
    else:
        assert note in result.stderr
    if note and "does not exist" in note:
        assert "reading it as 2026-03-29 03:30 CEST (02:30 by the clock before the jump)" in (
            result.stderr
        )
    if note and "comes twice" in note:
        assert "reading it as the first, 02:30 CEST" in result.stderr
        assert "for the second write 2026-10-25T02:30+01:00" in result.stderr
    table = cli("oncall", "--at", typed)
    assert f"{person}@atlas.test" in table.stdout


@pytest.mark.parametrize(("typed", "instant", "person", "note"), NIGHTS)
def test_cli_api_feed_and_the_page_agree_on_the_clock_change_nights(
    typed: str,
    instant: str,
    person: str,
    note: str | None,
    db: Database,
    clock: FakeClock,
    settings: Settings,
    sender: FakeSender,
    client: TestClient,
    cli: Callable[..., Any],
    admin_headers: dict[str, str],
) -> None:
    at = datetime.fromisoformat(instant)
    clock.set(at)
    apply(db, clock, BERLIN)
    shown = json.loads(cli("oncall", "--at", typed, "--json").stdout)[0]["now"]["user"]
    api = client.get("/api/v1/oncall", params={"at": instant}, headers=admin_headers).json()
    with db.session() as session:
        token = paging.get_schedule(session, "berlin").feed_token
    feed = client.get(f"/ical/schedules/{token}.ics").text
    in_feed = _feed_person_at(feed, at)
    act(db, clock, "open P0", {})
    worker(db, clock, settings).run_once()
    paged = who([m.url for m in sender.sent])
    expected = f"{person}@atlas.test"
    assert (shown, api[0]["now"]["user"], in_feed, paged) == (
        expected,
        expected,
        expected,
        [f"{person}-push"],
    )


def _feed_person_at(feed: str, at: datetime) -> str | None:
    """Whom the iCal feed shows on call at `at` (events are in UTC)."""
    found = None
    start = end = None
    for line in feed.replace("\r\n ", "").split("\r\n"):
        if line.startswith("DTSTART:"):
            start = datetime.strptime(line[8:], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        elif line.startswith("DTEND:"):
            end = datetime.strptime(line[6:], "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        elif line.startswith("SUMMARY:On call: ") and start and end and start <= at < end:
            found = line.removeprefix("SUMMARY:On call: ")
    return found
