"""`warroom postmortem show` and `list` say a postmortem is no longer owed (its severity lowered
to one that requires none) instead of a bare '-' for its due time; on both databases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.integration.review.postmortems.org import act, apply, commander, open_incident, org
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents


def test_show_and_list_say_not_owed(
    db: Database, clock: FakeClock, cli: Callable[..., Any]
) -> None:
    apply(db, clock, org())
    number = open_incident(db, clock)  # P1: 48 h
    commander(db, clock, number)
    act(db, clock, number, "resolve")
    assert "due: 2026-01-03" in cli("postmortem", "show", str(number)).output
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.change_severity(
            session, clock, incident, severity="P3", reason="minor after all", actor="ic@corp.test"
        )
    shown = cli("postmortem", "show", str(number))
    assert shown.exit_code == 0, shown.output
    assert "due: none (not owed: P3 requires none)" in shown.output
    assert "not owed" in cli("postmortem", "list").output


def test_show_and_list_say_a_reopened_incidents_postmortem_waits(
    db: Database, clock: FakeClock, cli: Callable[..., Any]
) -> None:
    """Paused while its incident is open again (10b972d): not 'not owed: P1 requires none'."""
    apply(db, clock, org())
    number = open_incident(db, clock)  # P1: 48 h
    commander(db, clock, number)
    act(db, clock, number, "resolve")
    act(db, clock, number, "reopen")
    shown = cli("postmortem", "show", str(number))
    assert shown.exit_code == 0, shown.output
    assert "due: none (incident reopened: due from its next resolution)" in shown.output
    listed = cli("postmortem", "list").output
    assert "none (reopened)" in listed and "not owed" not in listed
