"""A month of incidents on the fake clock, with the figures worked out by hand below.

Production (opened in March 2026, seconds after opening):
    A SEV1 api-gateway           03-02 10:00  ack 600   mitigated 1800  resolved 3600
    B SEV1 api-gateway,database  03-03 10:00  ack 1200  (no mitigate)   resolved 18000
    C SEV1 database              03-03 12:00  ack 300   mitigated 900   still open
    D SEV2 database              03-04 09:00  ack 1800  (no mitigate)   resolved 7200
    E SEV2 submitter             03-05 09:00  never acknowledged, still open
    F SEV2 submitter             03-05 14:00  never acknowledged, resolved 3600
Drill: G SEV1 api-gateway 03-04 15:00 ack 120 resolved 600. Out of the window: H (02-20).
Report time: 2026-04-01 00:00 UTC. SEV1 targets: ack 900 s, resolve 14400 s; SEV2: 14400, 86400.
Postmortems: A published before due, B after, D unpublished past due, F not due yet.
Action items: open (due 03-20), in progress (due 04-15), done (due 03-10).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from tests.factories import make_incident, make_user
from warroom.clock import FakeClock
from warroom.comms.models import UpdateCadence
from warroom.incidents import service as incidents
from warroom.paging.models import Page
from warroom.review.action_items.models import ActionItem
from warroom.review.postmortems.models import Postmortem

REPORT_AT = datetime(2026, 4, 1, tzinfo=UTC)
ACTOR = "tester@example.com"


def _at(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def _incident(
    session: Session,
    clock: FakeClock,
    opened: datetime,
    severity: str,
    services: list[str],
    steps: dict[str, int],
    drill: bool = False,
) -> Any:
    clock.set(opened)
    incident = make_incident(
        session, clock, severity=severity, services=services, drill=drill, title="Broken"
    )
    for action, after in sorted(steps.items(), key=lambda kv: kv[1]):
        clock.set(opened + timedelta(seconds=after))
        getattr(incidents, action)(session, clock, incident, actor=ACTOR)
    return incident


def build(session: Session, clock: FakeClock) -> dict[str, Any]:
    """Create the scenario; returns the incidents by letter."""
    made = {
        "H": _incident(session, clock, _at(20, 10, month=2), "SEV1", [], {"acknowledge": 60}),
        "A": _incident(
            session,
            clock,
            _at(2, 10),
            "SEV1",
            ["api-gateway"],
            {"acknowledge": 600, "mitigate": 1800, "resolve": 3600},
        ),
        "B": _incident(
            session,
            clock,
            _at(3, 10),
            "SEV1",
            ["api-gateway", "database"],
            {"acknowledge": 1200, "resolve": 18000},
        ),
        "C": _incident(
            session, clock, _at(3, 12), "SEV1", ["database"], {"acknowledge": 300, "mitigate": 900}
        ),
        "D": _incident(
            session, clock, _at(4, 9), "SEV2", ["database"], {"acknowledge": 1800, "resolve": 7200}
        ),
        "E": _incident(session, clock, _at(5, 9), "SEV2", ["submitter"], {}),
        "F": _incident(session, clock, _at(5, 14), "SEV2", ["submitter"], {"resolve": 3600}),
        "G": _incident(
            session,
            clock,
            _at(4, 15),
            "SEV1",
            ["api-gateway"],
            {"acknowledge": 120, "resolve": 600},
            drill=True,
        ),
    }
    # The update cadence as comms recorded it: A kept it, B was late twice, D kept it.
    session.execute(delete(UpdateCadence))
    for letter, late in (("A", 0), ("B", 2), ("D", 0)):
        session.add(UpdateCadence(incident_id=made[letter].id, audience="internal", late=late))
    _pages(session, clock, made)
    _postmortems(session, made)
    _action_items(session, made)
    session.flush()
    clock.set(REPORT_AT)
    return made


def _pages(session: Session, clock: FakeClock, made: dict[str, Any]) -> None:
    """alice is in Berlin (CET, CEST from 29 March), bob in UTC, dev in Kolkata (UTC+05:30);
    working hours 09-18 Mon-Fri."""
    alice = make_user(session, clock, "alice@example.com")
    alice.time_zone = "Europe/Berlin"
    bob = make_user(session, clock, "bob@example.com")
    dev = make_user(session, clock, "dev@example.com")
    dev.time_zone = "Asia/Kolkata"
    sent = [
        (alice, "A", _at(2, 7, 30)),  # Mon 08:30 CET: outside
        (alice, "A", _at(2, 16, 45)),  # Mon 17:45 CET: inside
        (alice, "C", _at(28, 10)),  # Sat 11:00 CET: outside (weekend)
        (alice, "C", _at(30, 7, 30)),  # Mon 09:30 CEST: inside (after the change)
        (alice, "C", _at(30, 16, 15)),  # Mon 18:15 CEST: outside
        (bob, "B", _at(2, 8, 59)),  # Mon 08:59 UTC: outside
        (bob, "B", _at(2, 9)),  # Mon 09:00 UTC: inside
        (dev, "A", _at(2, 3, 29)),  # Mon 08:59 IST: outside
        (dev, "A", _at(2, 3, 30)),  # Mon 09:00 IST: inside
        (bob, "G", _at(4, 15, 1)),  # a drill's page: not production load
        (bob, "H", _at(20, 10, month=2)),  # before the window
    ]
    for user, letter, when in sent:
        session.add(
            Page(
                incident_id=made[letter].id,
                user_id=user.id,
                reason="escalation",
                target="user:" + user.email,
                title="page",
                body="page",
                created_at=when,
            )
        )


def _postmortems(session: Session, made: dict[str, Any]) -> None:
    for letter, due, published in (
        ("A", _at(4, 11), _at(3, 11)),
        ("B", _at(5, 15), _at(7, 15)),
        ("D", _at(6, 11), None),
        ("F", _at(10, 15, month=4), None),
    ):
        session.add(
            Postmortem(
                incident_id=made[letter].id,
                state="published" if published else "draft",
                due_at=due,
                published_at=published,
                created_at=_at(1, 0),
                updated_at=_at(1, 0),
            )
        )


def _action_items(session: Session, made: dict[str, Any]) -> None:
    owner = make_user(session, FakeClock(), "carol@example.com")
    items = (("open", _at(20, 0)), ("in_progress", _at(15, 0, month=4)), ("done", _at(10, 0)))
    for status, due in items:
        session.add(
            ActionItem(
                incident_id=made["A"].id,
                title="Fix it",
                owner_id=owner.id,
                owner=owner.email,
                impact="high",
                effort="low",
                priority="P0",
                horizon="this week",
                due_at=due,
                status=status,
                created_by=ACTOR,
                created_at=_at(3, 12),
                updated_at=_at(3, 12),
            )
        )
