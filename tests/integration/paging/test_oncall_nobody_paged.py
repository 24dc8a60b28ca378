"""An incident that paged nobody says so loudly in `warroom incident show`.

The on-call layer covers business hours only; a P0 opened on Friday night finds nobody on call
(`warroom oncall` says "(nobody)"), so level 1 pages nobody and records `paging:page:nobody`.
Before, the Pages block read "0 messages, 0 failed ... not acknowledged, escalating" and the
one sentence saying nobody was paged sat among the last ten events, gone once ten more came.
Now the Pages block starts with a red NOBODY PAGED line per such page, naming the target and
why, for as long as the incident is shown.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from tests.integration.paging.test_escalation_timelines import act
from tests.integration.paging.world import ORG, apply, minutes, sender, who, worker
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.notify.senders import FakeSender
from warroom.settings import Settings

__all__ = ["sender"]

BUSINESS_HOURS_ONLY = ORG.replace(
    '        handoff: "09:00"\n',
    '        handoff: "09:00"\n'
    '        restrictions: [{days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}]\n',
)


def test_an_incident_nobody_was_paged_for_says_so_in_its_pages_block(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    sender: FakeSender,
    cli: Callable[..., Any],
) -> None:
    friday_night = datetime(2026, 1, 2, 22, tzinfo=UTC)
    clock.set(friday_night)
    apply(db, clock, BUSINESS_HOURS_ONLY)
    now = json.loads(cli("oncall", "--at", "2026-01-02T22:00Z", "--json").stdout)
    assert now[0]["now"]["user"] is None
    state: dict[str, Any] = {}
    act(db, clock, "open P0", state)
    run = worker(db, clock, settings)
    for at in ("0m", "5m", "30m", "60m"):  # level 2, then the unresolved ladder's two rungs
        clock.set(friday_night + minutes(at))
        run.run_once()
    assert who([m.url for m in sender.sent]) == ["cto-push", "lead-push", "lead-push"]

    shown = cli("incident", "show", str(state["number"]))
    assert shown.exit_code == 0, shown.output
    pages = shown.stdout.split("Pages (", 1)[1].split("Alerts:", 1)[0]
    first = pages.splitlines()[1]
    loud = "  NOBODY PAGED 22:00 (escalation): schedule:atlas-primary: nobody on call"
    assert first == loud, pages
    assert "nobody to page" not in shown.stdout.split("Last events", 1)[1]  # scrolled away
    data = json.loads(cli("incident", "show", str(state["number"]), "--json").stdout)
    assert [e["payload"]["targets"] for e in data["nobody_paged"]] == [["schedule:atlas-primary"]]


def test_an_incident_someone_was_paged_for_has_no_nobody_line(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    sender: FakeSender,
    cli: Callable[..., Any],
) -> None:
    clock.set(datetime(2026, 1, 2, 10, tzinfo=UTC))  # Friday, inside business hours
    apply(db, clock, BUSINESS_HOURS_ONLY)
    state: dict[str, Any] = {}
    act(db, clock, "open P0", state)
    worker(db, clock, settings).run_once()
    assert who([m.url for m in sender.sent]) == ["oncall2-push"]
    shown = cli("incident", "show", str(state["number"]))
    assert "NOBODY PAGED" not in shown.stdout
