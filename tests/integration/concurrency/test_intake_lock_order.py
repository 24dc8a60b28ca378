"""Intake writing the timeline of an incident it joins or acknowledges, racing a person and the
paging jobs, forced on PostgreSQL: intake takes the incident row before the incident's
timeline chain head (docs/dev/engine.md, "Lock order"), so the other side waits its turn.
Before, a more severe alert joining took the chain head first and then asked for the incident
row to raise it, and a PagerDuty acknowledge did the same to acknowledge: a deadlock with
anyone holding the row and waiting for the head (a person's ack or raise, the paging plan job,
the escalation job)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import event, select

from tests.conftest import BindApp
from tests.integration.concurrency.world import ORG as WORLD_ORG
from tests.integration.concurrency.world import Pause, Run, paused, wait_blocked_or_done
from warroom.audit.models import TimelineEvent
from warroom.auth import service as auth_service
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents.models import Incident
from warroom.notify import senders
from warroom.settings import Settings

AM = "/api/v1/intake/alertmanager"
AM_SECRET = "prom-lock-order-secret-0123"
PD_KEY = "3f1c9a7be2d84c0f9b6a51e07d2c48aa"
# The first write of an incident's timeline chain head (in intake: after its incident lock).
HEAD_BUMP = r"^UPDATE timeline_chain_heads"
# A paging job's read of the escalation state (it holds the incident row by then).
STATE_READ = r"FROM paging_incident_escalations"
# A person's transition or severity change: its first lock, the incident row.
PERSON_LOCK = r"^UPDATE incidents SET updated_at"

# The same three people as world.ORG, paged through json:// hooks nobody listens on.
PEOPLE = WORLD_ORG[WORLD_ORG.index("users:") : WORLD_ORG.index("escalation_policies:")]
# api pages ops; at SEV0 it pages exec instead (a raise makes the plan job switch policies).
ORG = f"""\
severities:
  - {{key: SEV0, name: Catastrophic}}
  - {{key: SEV1, name: Critical}}
  - {{key: SEV2, name: Major}}
{PEOPLE}escalation_policies:
  - key: ops
    levels:
      - {{notify: [user:oncall@race.test], escalate_after: 5m}}
      - {{notify: [user:lead@race.test], escalate_after: 5m}}
  - key: exec
    levels:
      - {{notify: [user:cto@race.test], escalate_after: 5m}}
      - {{notify: [user:lead@race.test], escalate_after: 5m}}
services:
  - {{key: api, name: API, escalation_policy: ops, escalation_policies: {{SEV0: exec}}}}
integrations:
  - {{key: prom, type: alertmanager, secret: "{AM_SECRET}"}}
  - {{key: pd, type: pagerduty, secret: "{PD_KEY}"}}
routes:
  - key: pd
    integrations: [pd]
    service: api
    severity: {{label: severity, map: {{critical: SEV0, error: SEV2}}, default: SEV2}}
    group_by: [group]
  - key: by-service
    service_label: service
    severity: {{label: severity, map: {{critical: SEV0, high: SEV1, warning: SEV2}}, default: SEV2}}
    group_by: [service]
"""

World = tuple[Database, Settings, TestClient, str]
Events = list[tuple[int, str, dict[str, Any]]]


@pytest.fixture
def world(
    bind_app: BindApp,
    pg_db: Database,
    clock: FakeClock,
    tmp_path: Any,
    fake_sender: senders.FakeSender,
) -> Iterator[World]:
    settings = Settings(database_url=pg_db.url, secret_key="test-secret", data_dir=tmp_path)
    doc, problems = config_service.load_files({"org.yaml": ORG})
    assert not problems, problems.lines()
    with pg_db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
        user = auth_service.ensure_user(
            session, clock, email="responder@race.test", name="Responder", role="responder"
        )
        _, token = auth_service.create_token(session, clock, user, name="race")
    with TestClient(bind_app(settings, pg_db, clock)) as client:
        yield pg_db, settings, client, token


class Deadlocks:
    """Every deadlock PostgreSQL detected meanwhile (SQLSTATE 40P01), retried or not."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.seen: list[str] = []

    def __call__(self, ctx: Any) -> None:
        if getattr(getattr(ctx.original_exception, "diag", None), "sqlstate", None) == "40P01":
            self.seen.append(str(ctx.original_exception).splitlines()[0])

    def __enter__(self) -> Deadlocks:
        event.listen(self.db.engine, "handle_error", self)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.db.engine, "handle_error", self)


# ---- helpers --------------------------------------------------------------------------------


def _worker(world: World, clock: FakeClock) -> Worker:
    db, settings, _, _ = world
    return Worker(db, clock, settings, "race-worker")


def _am(fp: str, severity: str) -> dict[str, Any]:
    labels = {"alertname": "Down", "service": "api", "instance": fp, "severity": severity}
    return {
        "receiver": "warroom",
        "status": "firing",
        "version": "4",
        "groupKey": '{}:{service="api"}',
        "groupLabels": {"service": "api"},
        "commonLabels": {"service": "api"},
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": {"summary": f"api {fp} is down"},
                "startsAt": "2026-01-05T10:00:00Z",
                "endsAt": "0001-01-01T00:00:00Z",
                "fingerprint": fp,
            }
        ],
    }


def _alert(client: TestClient, fp: str, severity: str) -> Any:
    headers = {"Authorization": f"Bearer {AM_SECRET}", "Content-Type": "application/json"}
    return client.post(AM, json=_am(fp, severity), headers=headers)


def _pd(client: TestClient, action: str, dedup: str = "d1") -> Any:
    body: dict[str, Any] = {"routing_key": PD_KEY, "event_action": action, "dedup_key": dedup}
    if action == "trigger":
        body["payload"] = {"summary": f"{dedup} broken", "source": "h1", "severity": "error"}
        body["payload"]["group"] = "api"
    return client.post("/v2/enqueue", json=body)


def _person(client: TestClient, token: str, number: int, what: str) -> Any:
    headers = {"Authorization": f"Bearer {token}"}
    if what == "ack":
        return client.post(f"/api/v1/incidents/{number}/ack", headers=headers)
    body = {"severity": "SEV0", "reason": "worse than we thought"}
    return client.post(f"/api/v1/incidents/{number}/severity", headers=headers, json=body)


def _timeline(db: Database, number: int) -> Events:
    with db.session() as session:
        incident_id = session.scalar(select(Incident.id).where(Incident.number == number))
        rows = session.execute(
            select(TimelineEvent.seq, TimelineEvent.kind, TimelineEvent.payload)
            .where(TimelineEvent.incident_id == incident_id)
            .order_by(TimelineEvent.seq)
        )
        return [(int(seq), str(kind), dict(payload or {})) for seq, kind, payload in rows]


def _kinds(events: Events, kind: str) -> list[dict[str, Any]]:
    return [payload for _, k, payload in events if k == kind]


def _paged(events: Events) -> list[tuple[str, int]]:
    return [(p["policy"], p["level"]) for p in _kinds(events, "paging:escalation:triggered")]


def _pages_after_ack(events: Events) -> list[int]:
    acks = [seq for seq, kind, _ in events if kind == "incident:status:acknowledged"]
    paged = [seq for seq, kind, _ in events if kind == "paging:escalation:triggered"]
    return [seq for seq in paged if acks and seq > acks[0]]


def _incident(db: Database, number: int) -> Incident:
    with db.session() as session:
        found = session.scalar(select(Incident).where(Incident.number == number))
        assert found is not None
        session.expunge(found)
        return found


def _open_by_alert(world: World, clock: FakeClock) -> int:
    """A SEV2 incident from a warning alert, paged to ops level 1."""
    db, _, client, _ = world
    r = _alert(client, "w1", "warning")
    assert r.status_code == 202, r.text
    (number,) = r.json()["incidents"]
    _worker(world, clock).run_once()
    assert _paged(_timeline(db, number)) == [("ops", 1)]
    return int(number)


def _open_by_pagerduty(world: World, clock: FakeClock) -> int:
    db, _, client, _ = world
    assert _pd(client, "trigger").status_code == 202
    _worker(world, clock).run_once()
    with db.session() as session:
        number = int(session.scalar(select(Incident.number).order_by(Incident.id.desc())))
    assert _paged(_timeline(db, number)) == [("ops", 1)]
    return number


def _switched_then_acknowledged(events: Events) -> None:
    """The plan job switched to exec before the ack, whose stop came before exec's page."""
    kinds = [kind for _, kind, _ in events]
    switched = [p.get("replaces") for p in _kinds(events, "paging:escalation:planned")]
    assert switched == [None, "ops"], switched
    assert kinds.index("incident:status:acknowledged") > max(
        i for i, kind in enumerate(kinds) if kind == "paging:escalation:planned"
    )
    assert _paged(events) == [("ops", 1)]
    assert _pages_after_ack(events) == []


def _first_holds(
    db: Database, pause: Pause, first: Callable[[], Any], second: Callable[[], Any]
) -> tuple[Any, Any, list[str], bool]:
    """`first` runs up to `pause`, holding what it locked so far; `second` starts, and `first`
    goes on once `second` waits on a lock (or finished). Both answers, the deadlocks seen,
    and whether `second` waited."""
    with Deadlocks(db) as deadlocks, paused(db, pause):
        one = Run(first)
        one.start()
        pause.wait_reached()
        two = Run(second)
        two.start()
        waited = wait_blocked_or_done(db, two)
        pause.resume()
        answers = one.outcome(), two.outcome()
    return *answers, deadlocks.seen, waited


def _engine(world: World, clock: FakeClock, threads: list[int]) -> Callable[[], Any]:
    """The worker running what is due, its thread noted (the pauses tell it from requests)."""
    return lambda: (threads.append(threading.get_ident()), _worker(world, clock).run_once())


def _job_first(
    world: World, clock: FakeClock, other: Callable[[], Any]
) -> tuple[Any, list[str], bool]:
    """The worker's due paging job holds the incident row (paused at its escalation state)
    while `other` runs: (other's answer, deadlocks, whether other waited for the job)."""
    engine: list[int] = []
    pause = Pause(STATE_READ, only=lambda: threading.get_ident() in engine)
    _, answer, deadlocks, waited = _first_holds(
        world[0], pause, _engine(world, clock, engine), other
    )
    return answer, deadlocks, waited


# ---- a more severe alert joining vs a person ------------------------------------------------


@pytest.mark.parametrize("what", ["ack", "raise"])
def test_an_alert_raising_severity_while_a_person_acts(
    world: World, clock: FakeClock, what: str
) -> None:
    db, _, client, token = world
    number = _open_by_alert(world, clock)
    # Paused once intake recorded intake:alert:grouped: it holds the chain head (and, now,
    # the incident row); the person's ack or raise takes the row first thing.
    r_intake, r_person, deadlocks, waited = _first_holds(
        db,
        Pause(HEAD_BUMP),
        lambda: _alert(client, "c1", "critical"),
        lambda: _person(client, token, number, what),
    )
    assert deadlocks == [], f"lock-order deadlock: {deadlocks}"
    assert waited, f"the person's {what} must wait for the alert"
    assert r_intake.status_code == 202, r_intake.text
    _worker(world, clock).run_once()
    events = _timeline(db, number)
    kinds = [kind for _, kind, _ in events]
    assert len(_kinds(events, "intake:incident:severity_raised")) == 1
    assert [p["to"] for p in _kinds(events, "incident:severity:raised")] == ["SEV0"]
    if what == "ack":  # the alert's placement and raise, then the ack
        assert r_person.status_code == 200, r_person.text
        raised, acked = "intake:incident:severity_raised", "incident:status:acknowledged"
        assert kinds.index(raised) < kinds.index(acked)
        assert _pages_after_ack(events) == []
    else:  # the alert raised it first; the person's raise, in its turn, finds it done
        assert r_person.status_code == 409, r_person.text
        assert "already SEV0" in r_person.json()["error"]["message"]


def test_a_person_raising_first_leaves_the_alert_nothing_to_raise(
    world: World, clock: FakeClock
) -> None:
    """Intake reads the severity after taking the incident row: the person's SEV0, committed
    while it waited, is what it sees (no second raise, no 409 for the alert's sender)."""
    db, _, client, token = world
    number = _open_by_alert(world, clock)
    r_person, r_intake, deadlocks, waited = _first_holds(
        db,
        Pause(PERSON_LOCK),  # the person's raise holds the incident row
        lambda: _person(client, token, number, "raise"),
        lambda: _alert(client, "c1", "critical"),
    )
    assert deadlocks == [], f"lock-order deadlock: {deadlocks}"
    assert waited, "the alert must wait for the person"
    assert r_person.status_code == 200, r_person.text
    assert r_intake.status_code == 202, r_intake.text
    events = _timeline(db, number)
    assert len(_kinds(events, "intake:alert:grouped")) == 1
    assert _kinds(events, "intake:incident:severity_raised") == []
    assert [p["to"] for p in _kinds(events, "incident:severity:raised")] == ["SEV0"]


# ---- a sender's acknowledgement vs the paging jobs ------------------------------------------


@pytest.mark.parametrize("job", ["plan", "escalation"])
def test_a_pagerduty_ack_while_a_paging_job_holds_the_incident(
    world: World, clock: FakeClock, job: str
) -> None:
    """The plan job switching policy after a raise, or the escalation job paging level 2."""
    db, _, client, token = world
    number = _open_by_pagerduty(world, clock)
    if job == "plan":
        assert _person(client, token, number, "raise").status_code == 200  # paging.plan due
    else:
        clock.advance(timedelta(minutes=5))  # ops level 2 is due
    r_ack, deadlocks, waited = _job_first(world, clock, lambda: _pd(client, "acknowledge"))
    assert deadlocks == [], f"lock-order deadlock: {deadlocks}"
    assert waited, f"the sender's ack must wait for the {job} job"
    assert r_ack.status_code == 202, r_ack.text
    assert _incident(db, number).status == "acknowledged"
    clock.advance(timedelta(minutes=30))
    _worker(world, clock).run_once()
    events = _timeline(db, number)
    if job == "plan":
        _switched_then_acknowledged(events)
    else:
        assert _paged(events) == [("ops", 1), ("ops", 2)]
        assert _pages_after_ack(events) == []


# ---- held before and after: an alert's raise switches policy, a person acknowledges ----------


def _raised_by_alert(world: World, clock: FakeClock) -> int:
    number = _open_by_alert(world, clock)
    r = _alert(world[2], "c1", "critical")  # paging.plan is due: ops -> exec
    assert r.status_code == 202, r.text
    return number


def _after_the_race(world: World, clock: FakeClock, number: int) -> Events:
    for _ in range(4):
        clock.advance(timedelta(minutes=10))
        _worker(world, clock).run_once()
    return _timeline(world[0], number)


def test_the_plan_job_after_an_alerts_raise_then_an_ack(world: World, clock: FakeClock) -> None:
    _, _, client, token = world
    number = _raised_by_alert(world, clock)
    r_ack, deadlocks, waited = _job_first(
        world, clock, lambda: _person(client, token, number, "ack")
    )
    assert deadlocks == [] and waited
    assert r_ack.status_code == 200, r_ack.text
    _switched_then_acknowledged(_after_the_race(world, clock, number))


def test_an_ack_then_the_plan_job_after_an_alerts_raise(world: World, clock: FakeClock) -> None:
    db, _, client, token = world
    number = _raised_by_alert(world, clock)
    engine: list[int] = []
    r_ack, _, deadlocks, waited = _first_holds(
        db,
        Pause(PERSON_LOCK, only=lambda: threading.get_ident() not in engine),  # the ack's row
        lambda: _person(client, token, number, "ack"),
        _engine(world, clock, engine),
    )
    assert deadlocks == [] and waited, "the plan job must wait for the ack"
    assert r_ack.status_code == 200, r_ack.text
    events = _after_the_race(world, clock, number)
    assert _paged(events) == [("ops", 1)]  # acknowledged before the switch: no one else paged
    assert _pages_after_ack(events) == []
