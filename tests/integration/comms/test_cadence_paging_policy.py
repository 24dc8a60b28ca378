"""An overdue update of an incident whose severity names no escalation policy, on a service
whose team has no schedule, escalated to nobody and reminded nobody, though a policy paged
people for it (the oracle pack: a SEV1 on `ingestor` paged the core on-call and the commander,
then its updates went 'due: nobody to remind' and 'still overdue: escalated to nobody'). The
reminder and the escalation now fall back to the first level of the policy that pages it."""

from __future__ import annotations

from tests.integration.comms.org import apply, org
from tests.integration.comms.test_cadence import kinds, open_p0, reached, receiver, step, worker
from tests.integration.notify.receivers import HttpReceiver
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker

__all__ = ["receiver", "worker"]  # the fixtures of test_cadence

DEFAULT = "  - {key: duty, default: true, levels: [{notify: [user:ic@corp.test]}]}\n"


def _org(hook: str, escalate_to: bool) -> str:
    text = org(hook).replace("escalation_policies:\n", "escalation_policies:\n" + DEFAULT)
    return text if escalate_to else text.replace("  escalate_to: [user:vp@corp.test]\n", "")


def test_the_policy_that_pages_the_incident_is_reminded_and_escalated_to(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    apply(db, clock, _org(receiver.url, escalate_to=False))
    # P2 names no escalation policy; `web` has no team, so nobody is on call for it.
    number = open_p0(db, clock, service="web", severity="P2")
    step(worker, clock, 55)  # P2: an internal update every hour, reminded 5 minutes before
    [reminder] = reached(receiver, "ic")
    assert "due in 5 minutes" in reminder["title"]
    assert "comms:cadence:nobody" not in kinds(db, number)

    step(worker, clock, 5)
    step(worker, clock, 10)
    [_, escalation] = reached(receiver, "ic")
    assert "overdue by 10 minutes" in escalation["title"]
    assert kinds(db, number).count("comms:cadence:escalated") == 1


def test_a_severitys_own_policy_still_comes_first(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    apply(db, clock, _org(receiver.url, escalate_to=True))
    open_p0(db, clock, service="web", severity="P0")  # P0 names `bosses`, which pages it
    step(worker, clock, 10)
    assert ["due in 5 minutes" in m["title"] for m in reached(receiver, "boss")] == [True] * 2
    step(worker, clock, 5)
    step(worker, clock, 10)
    overdue = [m for m in reached(receiver, "boss") if "overdue by 10 minutes" in m["title"]]
    assert len(overdue) == 2 and len(reached(receiver, "vp")) == 2
    assert reached(receiver, "ic") == []
