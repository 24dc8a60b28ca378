"""Every transition on both databases: allowed ones move and record, refused ones 409."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.factories import make_incident
from warroom.audit.models import TimelineEvent
from warroom.clock import FakeClock
from warroom.errors import Conflict
from warroom.incidents import service

MOVES: dict[str, Callable[..., Any]] = {
    "ack": service.acknowledge,
    "mitigate": service.mitigate,
    "resolve": service.resolve,
    "close": service.close,
    "reopen": service.reopen,
}
PATH = {
    "triggered": [],
    "acknowledged": ["ack"],
    "mitigated": ["ack", "mitigate"],
    "resolved": ["resolve"],
    "closed": ["resolve", "close"],
}
ALLOWED = {
    ("triggered", "ack"): ("acknowledged", "acknowledged"),
    ("triggered", "mitigate"): ("mitigated", "mitigated"),
    ("triggered", "resolve"): ("resolved", "resolved"),
    ("acknowledged", "mitigate"): ("mitigated", "mitigated"),
    ("acknowledged", "resolve"): ("resolved", "resolved"),
    ("mitigated", "resolve"): ("resolved", "resolved"),
    ("resolved", "close"): ("closed", "closed"),
    ("resolved", "reopen"): ("acknowledged", "reopened"),
}
CASES = [(s, a) for s in PATH for a in MOVES]


def _events(session: Session, incident_id: int) -> list[str]:
    rows = session.scalars(
        select(TimelineEvent.kind)
        .where(TimelineEvent.incident_id == incident_id)
        .order_by(TimelineEvent.seq)
    )
    return list(rows)


@pytest.mark.parametrize(("start", "action"), CASES)
def test_transition_table(session: Session, clock: FakeClock, start: str, action: str) -> None:
    incident = make_incident(session, clock)
    for step in PATH[start]:
        clock.advance(minutes=1)
        MOVES[step](session, clock, incident, actor="oncall@example.com")
    assert incident.status == start
    session.commit()
    before = _events(session, incident.id)
    clock.advance(minutes=1)
    if (start, action) in ALLOWED:
        target, event = ALLOWED[(start, action)]
        MOVES[action](session, clock, incident, actor="ic@example.com", note="why")
        session.commit()
        assert incident.status == target
        kinds = _events(session, incident.id)
        assert kinds == [*before, f"incident:status:{event}"]
        last = session.scalar(
            select(TimelineEvent)
            .where(TimelineEvent.incident_id == incident.id)
            .order_by(TimelineEvent.seq.desc())
            .limit(1)
        )
        assert last is not None
        assert last.payload == {"from": start, "to": target, "note": "why"}
        assert last.actor == "ic@example.com"
        if action != "reopen":
            assert getattr(incident, f"{target}_at") == clock.now()
            assert getattr(incident, f"{target}_by") == "ic@example.com"
    else:
        with pytest.raises(Conflict) as caught:
            MOVES[action](session, clock, incident, actor="ic@example.com")
        session.rollback()
        assert "allowed" in caught.value.details
        assert _events(session, incident.id) == before
        assert service.get_incident(session, incident.number).status == start


def test_reopen_clears_resolution_and_counts(session: Session, clock: FakeClock) -> None:
    incident = make_incident(session, clock)
    service.acknowledge(session, clock, incident, actor="a@example.com")
    acked = incident.acknowledged_at
    service.resolve(session, clock, incident, actor="a@example.com")
    clock.advance(minutes=5)
    service.reopen(session, clock, incident, actor="b@example.com")
    assert incident.status == "acknowledged"
    assert incident.resolved_at is None and incident.reopen_count == 1
    assert incident.acknowledged_at == acked
    assert incident.reopened_at == clock.now()
