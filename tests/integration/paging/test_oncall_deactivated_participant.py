"""A rotation's participant deactivated by an admin (still in config) while on call.

Paging pages only active people, so an incident now pages nobody through the schedule. Yet
`warroom oncall`, the on-call API and the iCal feed still named the deactivated person: the
screens said someone was on call while nobody was paged. They must agree.

`warroom.paging.people.to_pure`: a participant who is no longer an active user puts nobody on
call on that layer, as an override of such a person already covers nothing, so lower layers
show through and the screens say "(nobody)" exactly when the page reaches nobody.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from tests.integration.paging.test_escalation_timelines import act
from tests.integration.paging.world import ORG, apply, sender, who, worker
from warroom.auth.models import User
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.notify.senders import FakeSender
from warroom.settings import Settings

__all__ = ["sender"]


def test_oncall_and_the_page_agree_when_the_person_on_call_is_deactivated(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    sender: FakeSender,
    cli: Callable[..., Any],
) -> None:
    clock.set(datetime(2026, 1, 1, 12, tzinfo=UTC))  # oncall1's shift
    apply(db, clock, ORG)
    with db.session() as session:
        person = session.scalar(select(User).where(User.email == "oncall1@atlas.test"))
        assert person is not None
        person.active = False  # what the admin page's "deactivate" does to the row
    shown = json.loads(cli("oncall", "--json").stdout)[0]["now"]["user"]
    act(db, clock, "open P0", {})
    worker(db, clock, settings).run_once()
    paged = who([m.url for m in sender.sent])
    assert (shown, paged) == (None, [])
