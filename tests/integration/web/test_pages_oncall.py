"""The on-call page (issue 13): the calendar (layers, overrides, the final answer), who is on
call now per schedule and per policy, my next shift in my time zone, and overrides added and
removed from the calendar through the paging service."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.paging.world import apply
from warroom.auth.models import User
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.paging.models import ScheduleOverride

PAGE = "/ui/oncall"
DASH = "\N{EN DASH}"  # between a shift's start and end


def on_call_now(html: str, schedule: str = "atlas-primary") -> str:
    row = re.search(rf'<tr data-schedule="{schedule}">(.*?)</tr>', html, re.S)
    assert row, "no on-call row for the schedule"
    cell = re.search(r'<td class="oncall-user">(.*?)</td>', row.group(1), re.S)
    assert cell
    return re.sub(r"<[^>]+>", "", cell.group(1)).strip()


def overrides(db: Database) -> list[ScheduleOverride]:
    with db.session() as session:
        return list(session.scalars(select(ScheduleOverride).order_by(ScheduleOverride.id)))


def set_zone(db: Database, email: str, zone: str) -> None:
    with db.session() as session:
        user = session.scalar(select(User).where(User.email == email))
        assert user is not None
        user.time_zone = zone


def test_calendar_shows_layers_who_is_on_call_now_and_my_next_shift(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply(db, clock)  # a daily rotation oncall1 -> oncall2 handing off at 09:00 UTC
    ui_login(client, "viewer", email="oncall2@atlas.test")
    page = client.get(PAGE)
    assert page.status_code == 200
    assert on_call_now(page.text) == "oncall1@atlas.test"
    assert "Layer daily" in page.text  # the layer's own row
    # Week of Thursday 2026-01-01: Monday 29 Dec to Sunday 4 Jan, a shift change each day.
    assert "Mon 29 Dec" in page.text and "Sun 04 Jan" in page.text
    assert f"09:00{DASH}24:00…" in page.text and f"…00:00{DASH}09:00" in page.text
    assert 'id="my-next-shift">Atlas primary: Fri 02 Jan 09:00 to Sat 03 Jan 09:00' in page.text
    # The policy's first level is the schedule: it reaches whoever is on call now.
    policy = re.search(r'<tr data-policy="atlas">(.*?)</tr>', page.text, re.S)
    assert policy and "schedule:atlas-primary" in policy.group(1)
    assert "oncall1@atlas.test" in policy.group(1)

    month = client.get(PAGE, params={"view": "month", "start": "2026-02-10"})
    assert month.status_code == 200
    assert (
        "calendar-month" in month.text and f"Calendar: 26 Jan 2026 {DASH} 01 Mar 2026" in month.text
    )


def test_times_are_shown_in_the_persons_time_zone(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply(db, clock)
    ui_login(client, "viewer", email="oncall2@atlas.test")
    set_zone(db, "oncall2@atlas.test", "America/New_York")
    page = client.get(PAGE).text
    assert "your time zone, America/New_York" in page
    # 09:00 UTC is 04:00 in New York in January.
    assert 'id="my-next-shift">Atlas primary: Fri 02 Jan 04:00 to Sat 03 Jan 04:00' in page
    assert f"04:00{DASH}24:00…" in page


def test_override_added_from_the_calendar_changes_who_is_on_call_now_and_can_be_removed(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    ui_login: Callable[..., Any],
    csrf: Callable[[TestClient, str], str],
) -> None:
    apply(db, clock)
    me = ui_login(client, "responder")
    set_zone(db, me.email, "Europe/Berlin")
    page = client.get(PAGE).text
    assert on_call_now(page) == "oncall1@atlas.test"
    # Each day of the calendar links to the form, prefilled for that schedule and day.
    link = re.search(
        r'href="\?([^"]*add_schedule=atlas-primary&amp;add_start=2026-01-01T00:00[^"]*)"', page
    )
    assert link
    prefilled = client.get(PAGE + "?" + link.group(1).replace("&amp;", "&")).text
    assert 'name="start" type="datetime-local" value="2026-01-01T00:00"' in prefilled

    token = csrf(client, PAGE)
    added = client.post(
        f"{PAGE}/overrides",
        data={
            "csrf_token": token,
            "schedule": "atlas-primary",
            "user": "cto@atlas.test",
            "start": "2026-01-01T12:30",  # Berlin: 11:30 UTC, before the fake clock's 12:00
            "end": "2026-01-01T16:00",
            "reason": "covering the afternoon",
            "view_view": "week",
            "view_start": "2026-01-01",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    assert added.headers["location"] == f"{PAGE}?view=week&start=2026-01-01"
    [row] = overrides(db)
    assert (row.user_email, row.created_by) == ("cto@atlas.test", me.email)
    assert row.start_at.hour == 11 and row.end_at.hour == 15  # read in Europe/Berlin
    after = client.get(PAGE).text
    assert "Override added: cto@atlas.test covers atlas-primary" in after
    assert on_call_now(after).startswith("cto@atlas.test")
    assert f"override #{row.id}" in after  # marked on the calendar
    assert f'<tr data-override="{row.id}">' in after

    removed = client.post(
        f"{PAGE}/overrides/{row.id}/remove",
        data={"csrf_token": token, "schedule": "atlas-primary"},
        follow_redirects=False,
    )
    assert removed.status_code == 303
    assert overrides(db) == []
    assert on_call_now(client.get(PAGE).text) == "oncall1@atlas.test"


def test_a_refused_override_names_the_field_and_writes_nothing(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    ui_login: Callable[..., Any],
    csrf: Callable[[TestClient, str], str],
) -> None:
    apply(db, clock)
    ui_login(client, "responder")
    token = csrf(client, PAGE)
    good = {
        "csrf_token": token,
        "schedule": "atlas-primary",
        "user": "cto@atlas.test",
        "start": "2026-01-01T13:00",
        "end": "2026-01-01T15:00",
    }
    cases = [
        ({"end": "2026-01-01T12:30"}, "end must be after start"),
        ({"start": "half past one"}, "start: 'half past one' is not a date and time"),
        ({"user": "nobody@atlas.test"}, "no user 'nobody@atlas.test'"),
        ({"user": ""}, "user is required"),
        ({"schedule": "nope"}, "no schedule 'nope'"),
        ({"start": "2025-12-31T09:00", "end": "2026-01-01T10:00"}, "would already be over"),
    ]
    for change, message in cases:
        answer = client.post(f"{PAGE}/overrides", data={**good, **change})
        assert answer.status_code == 422, change
        error = re.search(r'id="override-error">(.*?)</p>', answer.text, re.S)
        assert error and message in html.unescape(error.group(1)), change
        # The form keeps what was typed.
        assert f'value="{good["end"] if "end" not in change else change["end"]}"' in answer.text
    assert overrides(db) == []


def test_override_forms_need_a_responder_and_the_csrf_token(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    ui_login: Callable[..., Any],
    csrf: Callable[[TestClient, str], str],
) -> None:
    apply(db, clock)
    ui_login(client, "viewer")
    page = client.get(PAGE).text
    assert on_call_now(page) == "oncall1@atlas.test"
    # A viewer gets no override controls, and the routes refuse them.
    assert 'id="add-override"' not in page and "add_schedule=" not in page
    assert "/remove" not in page
    token = csrf(client, PAGE)
    data = {
        "csrf_token": token,
        "schedule": "atlas-primary",
        "user": "cto@atlas.test",
        "start": "2026-01-01T13:00",
        "end": "2026-01-01T15:00",
    }
    assert client.post(f"{PAGE}/overrides", data=data).status_code == 403
    client.cookies.clear()
    ui_login(client, "responder")
    assert client.post(f"{PAGE}/overrides", data=data).status_code == 403  # another session
    assert overrides(db) == []


SOLO = """\
users:
  - {email: solo@atlas.test, name: Solo}
schedules:
  - key: solo
    name: Solo rota
    time_zone: UTC
    layers:
      - {name: only, participants: [solo@atlas.test], shift: weekly, start: "2026-01-01"}
"""


def test_a_shift_nobody_hands_over_has_no_invented_end(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    """One person on a rota: no hand-off is in sight, so the screens say so rather than show
    the end of their look-ahead (90 days from now) as if the shift ended then."""
    apply(db, clock, SOLO)
    horizon_end = clock.now() + timedelta(days=90)
    invented = [f"{horizon_end:%d %b}", f"{horizon_end:%b} {horizon_end.day}, {horizon_end:%Y}"]
    ui_login(client, "viewer", email="solo@atlas.test")
    page = html.unescape(client.get(PAGE).text)
    row = re.search(r'<tr data-schedule="solo">(.*?)</tr>', page, re.S)
    assert row and "no hand-off in the next 90 days" in row.group(1)
    mine = re.search(r'id="my-next-shift">(.*?)</p>', page, re.S)
    assert mine and "with no hand-off in the next 90 days" in mine.group(1)
    dashboard = html.unescape(client.get("/").text)
    on_call = dashboard[dashboard.index("On call now") : dashboard.index("My pages")]
    assert "no hand-off in the next 90 days" in on_call
    for text in (row.group(1), mine.group(1), on_call):
        assert not any(date in text for date in invented), text


def test_a_calendar_at_the_ends_of_the_calendar_shows_today_rather_than_failing(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply(db, clock)
    ui_login(client, "viewer", email="oncall2@atlas.test")
    for view in ("week", "month"):
        for start in ("0001-01-01", "0001-01-03", "9999-12-31", "9999-12-01"):
            page = client.get(PAGE, params={"view": view, "start": start})
            assert page.status_code == 200, (view, start, page.text[:200])  # it was a 500
            assert "Mon 29 Dec" in page.text or "29 Dec 2025" in page.text  # today's week/month
    far = client.get(PAGE, params={"start": "2999-06-01"})  # far, yet a week like any other
    assert far.status_code == 200 and "Mon 27 May" in far.text


def test_an_override_in_another_year_shows_its_year(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    ui_login: Callable[..., Any],
    csrf: Callable[..., str],
) -> None:
    """An override from now until June next year was listed 'Thu 01 Jan 12:30 to Tue 01 Jun
    16:00': it read as ending this June. A time in another year than today's shows its year."""
    apply(db, clock)  # the fake clock: 2026-01-01 12:00 UTC
    ui_login(client, "responder", email="oncall2@atlas.test")
    added = client.post(
        f"{PAGE}/overrides",
        data={
            "csrf_token": csrf(client, PAGE),
            "schedule": "atlas-primary",
            "user": "cto@atlas.test",
            "start": "2026-01-01T12:30",
            "end": "2027-06-01T16:00",
            "reason": "a long secondment",
        },
        follow_redirects=False,
    )
    assert added.status_code == 303
    [row] = overrides(db)
    listed = re.search(rf'<tr data-override="{row.id}">(.*?)</tr>', client.get(PAGE).text, re.S)
    assert listed
    cells = re.sub(r"<[^>]+>", "|", listed.group(1))
    assert "Thu 01 Jan 12:30" in cells and "2026" not in cells  # this year: as before
    assert "Tue 01 Jun 2027 16:00" in cells
