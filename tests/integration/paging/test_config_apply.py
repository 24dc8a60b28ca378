"""Applying the paging sections: rows written, re-applying changes nothing, edits are planned."""

from __future__ import annotations

from sqlalchemy import select

from tests.integration.paging.world import ORG
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.paging.models import ContactMethod, EscalationPolicy, NotificationRule, Schedule


def apply(db: Database, clock: FakeClock, text: str) -> list[str]:
    doc, problems = config_service.load_files({"org.yaml": text})
    assert not problems, problems.lines()
    with db.session() as session:
        result = config_service.apply_document(session, clock, doc, actor="test")
    return result.plan.lines()


def test_apply_then_reapply_is_a_no_op(db: Database, clock: FakeClock) -> None:
    first = apply(db, clock, ORG)
    assert "+ create schedule atlas-primary" in first
    assert "+ create escalation_policy atlas" in first
    assert "+ create contact_methods oncall1@atlas.test" in first
    assert apply(db, clock, ORG) == []
    with db.session() as session:
        policy = session.scalar(select(EscalationPolicy))
        assert policy is not None
        assert policy.levels == [
            {"targets": ["schedule:atlas-primary"], "delay_s": 300},
            {"targets": ["user:lead@atlas.test"], "delay_s": 600},
        ]
        schedule = session.scalar(select(Schedule))
        assert schedule is not None
        assert schedule.layers[0]["start"] == "2026-01-01T09:00:00+00:00"
        rules = session.scalars(select(NotificationRule).order_by(NotificationRule.after_s))
        assert [r.after_s for r in rules] == [0, 120]


def test_edits_are_planned_and_removed_schedules_deactivated(
    db: Database, clock: FakeClock
) -> None:
    apply(db, clock, ORG)
    edited = ORG.replace("- {contact: mail, after: 2m}", "- {contact: mail, after: 3m}").replace(
        "escalate_after: 5m", "escalate_after: 7m"
    )
    lines = apply(db, clock, edited)
    assert any(line.startswith("~ update contact_methods oncall1@atlas.test") for line in lines)
    assert any(line.startswith("~ update escalation_policy atlas: levels") for line in lines)
    without = (
        edited.split("schedules:")[0]
        + "escalation_policies:"
        + edited.split("escalation_policies:")[1].replace("schedule:atlas-primary", "members:sre")
    )
    lines = apply(db, clock, without)
    assert "- delete schedule atlas-primary (kept for history, deactivated)" in lines
    with db.session() as session:
        assert [s.active for s in session.scalars(select(Schedule))] == [False]
        emails = session.scalars(select(ContactMethod.address).order_by(ContactMethod.id)).all()
        assert "json://127.0.0.1:9/oncall1-mail" in emails
