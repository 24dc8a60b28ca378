"""Reordering a person's contact methods in config reorders their failover.

A page that fails on a contact method moves on to the person's next one "in the order they
are configured" (docs/paging.md). Before, apply compared a person's methods as a sorted list:
moving push from first to last changed nothing in the database (failover still began with
push), `config plan` said "0 to update", and yet apply stored a new revision whose document
held the new order. Now the order is compared: the plan shows the reorder, apply writes it,
and applying again changes nothing.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from tests.integration.paging.world import ORG
from warroom.auth.models import User
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.paging.failover import contact_methods

PUSH = '      - {name: push, url: "json://127.0.0.1:9/oncall1-push"}\n'
MAIL = '      - {name: mail, url: "json://127.0.0.1:9/oncall1-mail"}\n'
# Only the order of oncall1's methods changes: mail first, push last.
REORDERED = ORG.replace(PUSH + MAIL, MAIL + PUSH)


def _apply(db: Database, clock: FakeClock, text: str) -> Any:
    doc, problems = config_service.load_files({"org.yaml": text})
    assert not problems, problems.lines()
    with db.session() as session:
        return config_service.apply_document(session, clock, doc, actor="test")


def _order(db: Database) -> list[str]:
    with db.session() as session:
        user = session.scalar(select(User).where(User.email == "oncall1@atlas.test"))
        assert user is not None
        return [m.name for m in contact_methods(session, user.id)]


def test_a_reorder_alone_is_planned_applied_and_then_done(db: Database, clock: FakeClock) -> None:
    assert REORDERED != ORG
    _apply(db, clock, ORG)
    assert _order(db) == ["push", "mail"]

    result = _apply(db, clock, REORDERED)
    push, mail = '"push=json://127.0.0.1:9/…"', '"mail=json://127.0.0.1:9/…"'
    assert [e.line() for e in result.plan] == [
        "~ update contact_methods oncall1@atlas.test: "
        f"contact_methods: [{push}, {mail}] -> [{mail}, {push}]"
    ]
    assert _order(db) == ["mail", "push"]

    again = _apply(db, clock, REORDERED)
    assert not again.plan and again.revision_id is None
