"""Editing a paged person's contact methods in config keeps the page's pending notifications.

oncall1 is paged at 0m (push at once, mail after 2m); at 1m a config apply edits their
contact methods; at 2m the mail rule (or a failover queued before the apply) still goes out,
to the method of that name as it is now. A method the apply removed is recorded on the
timeline and the page moves on as when a method fails, or the person is said unreachable:
nothing vanishes quietly. The real engine, on both databases.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests.integration.paging.test_escalation_timelines import act
from tests.integration.paging.world import HOOK, ORG, apply, minutes, sender, who, worker
from warroom.audit import service as timeline
from warroom.auth.models import User
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine import service as engine
from warroom.engine.models import Job
from warroom.engine.options import EngineOptions
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify.senders import FakeSender
from warroom.paging.failover import contact_methods
from warroom.paging.models import ContactMethod, Page
from warroom.paging.pager import NOTIFY_KIND, failover_key
from warroom.settings import Settings

__all__ = ["sender"]

MAIL = '      - {name: mail, url: "json://127.0.0.1:9/oncall1-mail"}\n'
MAIL_RULE = "      - {contact: mail, after: 2m}\n"
PHONE = '      - {name: phone, url: "json://127.0.0.1:9/oncall1-phone"}\n'
PUSH = '      - {name: push, url: "json://127.0.0.1:9/oncall1-push"}\n'

# A phone method is added after mail (with a later rule): nothing about mail changes.
ADDED = ORG.replace(MAIL, MAIL + PHONE).replace(
    MAIL_RULE, MAIL_RULE + "      - {contact: phone, after: 4m}\n"
)
# mail's address changes.
READDRESSED = ORG.replace(MAIL, MAIL.replace("oncall1-mail", "oncall1-mail2"))
# A phone method is put before mail: mail moves down the person's order.
INSERTED = ORG.replace(MAIL, PHONE + MAIL)
# mail is replaced by phone (the 2m rule now says phone).
REPLACED = ORG.replace(MAIL, PHONE).replace(MAIL_RULE, MAIL_RULE.replace("mail", "phone"))
# mail and its rule are gone: push is all oncall1 has.
REMOVED = ORG.replace(MAIL, "").replace(MAIL_RULE, "")


def _events(db: Database, number: int) -> list[tuple[str, dict[str, Any]]]:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        rows = timeline.last_events(session, incident_id=incident.id, count=200)
        return [(e.kind, dict(e.payload or {})) for e in rows]


def _notify_jobs(db: Database) -> list[str]:
    with db.session() as session:
        return [j.state for j in session.scalars(select(Job).where(Job.kind == NOTIFY_KIND))]


def _paged_at_0m(
    db: Database, clock: FakeClock, settings: Settings, sender: FakeSender
) -> tuple[Worker, dict[str, Any]]:
    apply(db, clock, ORG)
    run = worker(db, clock, settings)
    state: dict[str, Any] = {}
    act(db, clock, "open P0", state)
    run.run_once()
    assert who(sender.urls()) == ["oncall1-push"]
    return run, state


def _edit_at_1m_then_2m(
    db: Database, clock: FakeClock, run: Worker, sender: FakeSender, text: str
) -> list[str]:
    """Apply `text` at 1m, run the engine at 1m and 2m: what was delivered since 0m."""
    start = clock.now()
    clock.set(start + minutes("1m"))
    apply(db, clock, text)
    run.run_once()
    before = len(sender.sent)
    clock.set(start + minutes("2m"))
    run.run_once()
    return who(sender.urls()[before:])


@pytest.mark.parametrize(
    ("text", "delivered", "order"),
    [
        (ADDED, "oncall1-mail", ["push", "mail", "phone"]),
        (READDRESSED, "oncall1-mail2", ["push", "mail"]),
        (INSERTED, "oncall1-mail", ["push", "phone", "mail"]),
    ],
    ids=["method added", "address changed", "moved down the order"],
)
def test_the_pending_rule_goes_to_the_method_of_its_name_as_it_is_now(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    sender: FakeSender,
    text: str,
    delivered: str,
    order: list[str],
) -> None:
    run, state = _paged_at_0m(db, clock, settings, sender)
    with db.session() as session:
        ids = {m.name: m.id for m in _methods(session)}
    assert _edit_at_1m_then_2m(db, clock, run, sender, text) == [delivered]
    events = _events(db, state["number"])
    assert [p["channel"] for k, p in events if k == "paging:notification:sent"] == ["push", "mail"]
    assert not [k for k, _ in events if k.startswith("paging:page:") and k != "paging:page:queued"]
    assert _notify_jobs(db) == ["done"]
    with db.session() as session:
        now = {m.name: m.id for m in _methods(session)}
        # Failover follows the configured order (the rows' order), so a method moved down it
        # is written anew; every other method that stays keeps its row.
        assert list(now) == order
        assert now["push"] == ids["push"]
        assert (now["mail"] == ids["mail"]) is (text is not INSERTED)


def test_a_removed_method_is_recorded_and_the_page_moves_on(
    db: Database, clock: FakeClock, settings: Settings, sender: FakeSender
) -> None:
    run, state = _paged_at_0m(db, clock, settings, sender)
    assert _edit_at_1m_then_2m(db, clock, run, sender, REPLACED) == ["oncall1-phone"]
    events = _events(db, state["number"])
    unsendable = [p for k, p in events if k == "paging:page:unsendable"]
    assert [(p["contact"], p["page_id"] > 0) for p in unsendable] == [("mail", True)]
    assert "no longer one of oncall1@atlas.test's contact methods" in unsendable[0]["error"]
    moved = [(p["from"], p["to"]) for k, p in events if k == "paging:page:failover"]
    assert moved == [("mail", "phone")]
    assert "paging:page:unreachable" not in [k for k, _ in events]
    assert set(_notify_jobs(db)) == {"done"}


def test_a_removed_method_with_nothing_left_to_try(
    db: Database, clock: FakeClock, settings: Settings, sender: FakeSender
) -> None:
    run, state = _paged_at_0m(db, clock, settings, sender)
    assert _edit_at_1m_then_2m(db, clock, run, sender, REMOVED) == []
    events = _events(db, state["number"])
    assert [p["contact"] for k, p in events if k == "paging:page:unsendable"] == ["mail"]
    # push delivered the page: oncall1 is not unreachable, and nothing else is tried.
    kinds = [k for k, _ in events]
    assert "paging:page:unreachable" not in kinds
    assert "paging:page:failover" not in kinds


def test_a_failover_queued_before_the_apply_follows_the_method_by_name(
    db: Database, clock: FakeClock, settings: Settings, sender: FakeSender
) -> None:
    """A failover to mail is due when the apply moves mail down the order (a new row): it is
    sent."""
    state = _failover_to_mail_then(db, clock, settings, sender, INSERTED)
    assert who(sender.urls()) == ["oncall1-mail", "oncall1-push"]
    assert sorted(_notify_jobs(db)) == ["done", "pending"]  # the failover; the 2m rule
    events = _events(db, state["number"])
    sent = sorted(p["channel"] for k, p in events if k == "paging:notification:sent")
    assert sent == ["mail", "push"]  # delivered side by side
    assert "paging:page:unsendable" not in [k for k, _ in events]


def test_a_failover_to_a_removed_method_says_the_person_is_unreachable(
    db: Database, clock: FakeClock, settings: Settings, sender: FakeSender
) -> None:
    """push is refused and the failover to mail queued before the apply finds mail removed:
    oncall1 cannot be reached by any configured means, and the incident says so once."""
    sender.permanent.add(f"{HOOK}/oncall1-push")
    state = _failover_to_mail_then(db, clock, settings, sender, REMOVED)
    assert sender.sent == []
    events = _events(db, state["number"])
    assert [p["contact"] for k, p in events if k == "paging:page:unsendable"] == ["mail"]
    unreachable = [p for k, p in events if k == "paging:page:unreachable"]
    assert [(p["user"], p["tried"]) for p in unreachable] == [("oncall1@atlas.test", ["push"])]


def _failover_to_mail_then(
    db: Database, clock: FakeClock, settings: Settings, sender: FakeSender, text: str
) -> dict[str, Any]:
    """oncall1 is paged (push queued, not yet sent) with a failover to mail queued as the code
    before queued it (the method's id and the failover key); `text` is applied, then the engine
    runs."""
    apply(db, clock, ORG)
    state: dict[str, Any] = {}
    act(db, clock, "open P0", state)
    _plan_only(db, clock, settings)
    assert sender.attempts == []
    _queue_failover_to_mail(db, clock)
    apply(db, clock, text)
    worker(db, clock, settings).run_once()
    return state


def _plan_only(db: Database, clock: FakeClock, settings: Settings) -> None:
    """Run the paging plan alone: the page is made, its push message queued, not yet sent
    (deliveries off the pool are single jobs, which this pass leaves for the next)."""
    plan = Worker(db, clock, settings, "planner", options=EngineOptions(concurrent_kinds=""))
    assert plan.run_once(max_jobs=1) == 1


def _methods(session: Session) -> list[ContactMethod]:
    """oncall1's contact methods in their order."""
    user = session.scalar(select(User).where(User.email == "oncall1@atlas.test"))
    assert user is not None
    return contact_methods(session, user.id)


def _queue_failover_to_mail(db: Database, clock: FakeClock) -> None:
    with db.session() as session:
        row = session.scalar(
            select(Page)
            .join(User, User.id == Page.user_id)
            .where(User.email == "oncall1@atlas.test")
        )
        mail = session.scalar(
            select(ContactMethod)
            .join(User, User.id == ContactMethod.user_id)
            .where(ContactMethod.name == "mail", User.email == "oncall1@atlas.test")
        )
        assert row is not None and mail is not None
        key = failover_key(row, "mail")
        payload = {"page_id": row.id, "contact_method_id": mail.id, "rule": 0, "key": key}
        engine.enqueue(
            session, clock, NOTIFY_KIND, payload, dedup_key=key, incident_id=row.incident_id
        )
