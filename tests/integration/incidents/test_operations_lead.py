"""The Operations Lead of the exchange's process ("Assign Roles: Incident Commander (IC),
Operations Lead, Communications Lead", 002_01e152e679e932ca.txt l.28) is an incident role with
one holder at a time, like the other two."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from warroom.audit.models import TimelineEvent
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.incidents.roles import assign_role, current_roles

EXCHANGE = Path(__file__).resolve().parents[3] / "examples" / "exchange"


def test_the_operations_lead_is_a_single_holder_role(db: Database, clock: FakeClock) -> None:
    doc, problems = config_service.load_directory(EXCHANGE)
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
        incident = incidents.open_incident(
            session, clock, actor="am", title="ME crash", severity="P0", services=["order-service"]
        )
        for email in ("ops-lead@exchange.example", "oncall@exchange.example"):
            assign_role(
                session, clock, incident, role="operations_lead", user_email=email, actor="ic"
            )
        held = [(r.role, r.user_email) for r in current_roles(session, incident)]
        assert held == [("operations_lead", "oncall@exchange.example")]
        kinds = session.scalars(
            select(TimelineEvent.kind).where(TimelineEvent.incident_id == incident.id)
        ).all()
        assert kinds.count("incident:role:handed_over") == 1
