"""A local time the clocks skip (01:30 in London on the last Sunday of March) typed into the
override form (or a silence's start) was silently moved an hour: the page said the override
ran from 01:30 while the list showed 02:30. It is now refused, naming the gap; nothing is
written, and the form keeps what was typed."""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.paging.world import apply
from tests.integration.web.test_pages_oncall import overrides, set_zone
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.intake.models import Silence

PAGE = "/ui/oncall"
GAP = "2026-03-29T01:30"  # London: 01:00 GMT is followed by 02:00 BST
MESSAGE = (
    "start: 2026-03-29 01:30 does not exist in Europe/London (the clocks skip from "
    "01:00 to 02:00 that day); choose a time outside it"
)


def test_an_override_starting_in_the_skipped_hour_is_refused(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    ui_login: Callable[..., Any],
    csrf: Callable[[TestClient, str], str],
) -> None:
    apply(db, clock)
    me = ui_login(client, "responder")
    set_zone(db, me.email, "Europe/London")
    data = {
        "csrf_token": csrf(client, PAGE),
        "schedule": "atlas-primary",
        "user": "cto@atlas.test",
        "start": GAP,
        "end": "2026-03-29T05:00",
    }
    answer = client.post(f"{PAGE}/overrides", data=data, follow_redirects=False)
    assert answer.status_code == 422
    error = re.search(r'id="override-error">(.*?)</p>', answer.text, re.S)
    assert error and MESSAGE in html.unescape(error.group(1))
    assert f'value="{GAP}"' in answer.text
    assert overrides(db) == []

    # The hour that happens twice in October is read as its first pass, as before.
    autumn = {**data, "start": "2026-10-25T01:30", "end": "2026-10-25T05:00"}
    sent = client.post(f"{PAGE}/overrides", data=autumn, follow_redirects=False)
    assert sent.status_code == 303
    (made,) = overrides(db)
    assert made.start_at.isoformat().startswith("2026-10-25T00:30")


def test_a_silence_starting_in_the_skipped_hour_is_refused(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    ui_login: Callable[..., Any],
    csrf: Callable[[TestClient, str], str],
) -> None:
    apply(db, clock)
    me = ui_login(client, "responder")
    set_zone(db, me.email, "Europe/London")
    answer = client.post(
        "/ui/silences",
        data={
            "csrf_token": csrf(client, "/ui/silences"),
            "matchers": 'service="checkout"',
            "duration": "2h",
            "starts_at": GAP,
            "comment": "maintenance",
        },
        follow_redirects=False,
    )
    assert answer.status_code == 422
    expected = MESSAGE.replace("start:", "starts_at:", 1).removeprefix("starts_at: ")
    assert expected in html.unescape(answer.text)
    assert f'value="{GAP}"' in answer.text
    with db.session() as session:
        assert session.scalars(select(Silence)).all() == []
