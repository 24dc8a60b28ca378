"""Status updates on a cadence, on the FakeClock through the real engine worker, to a real
local HTTP receiver: first update within, reminder before due, overdue, escalation, on-time."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.comms.org import apply, org
from tests.integration.notify.receivers import HttpReceiver, http_receiver
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.comms import service as comms
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.settings import Settings


@pytest.fixture
def receiver() -> Iterator[HttpReceiver]:
    senders.set_sender(None)
    with http_receiver() as r:
        yield r


@pytest.fixture
def worker(db: Database, clock: FakeClock, settings: Settings) -> Worker:
    return Worker(db, clock, settings, "comms-test")


def open_p0(db: Database, clock: FakeClock, service: str = "api", severity: str = "P0") -> int:
    with db.session() as session:
        incident = incidents.open_incident(
            session,
            clock,
            actor="test",
            title="Checkout down",
            severity=severity,
            services=[service],
        )
        return incident.number


def kinds(db: Database, number: int, prefix: str = "comms:") -> list[str]:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        rows = timeline.last_events(session, incident_id=incident.id, count=200)
        return [e.kind for e in sorted(rows, key=lambda e: e.id) if e.kind.startswith(prefix)]


def reached(receiver: HttpReceiver, name: str) -> list[dict[str, str]]:
    """Communications messages received at /name (pages of the paging domain left out)."""
    found = [json.loads(r.body) for r in receiver.to(f"/{name}")]
    return [m for m in found if " update" in m["title"]]


def step(worker: Worker, clock: FakeClock, minutes: float) -> None:
    clock.advance(minutes=minutes)
    while worker.run_once():
        pass


def on_time(db: Database, number: int) -> bool:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        return comms.cadence_record(session, incident.id).on_time


def test_reminder_before_due_then_overdue_then_escalation(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    apply(db, clock, org(receiver.url))
    number = open_p0(db, clock)
    step(worker, clock, 9)
    assert reached(receiver, "oncall") == []  # first update due at 15m, reminder at 10m
    step(worker, clock, 1)
    [reminder, _] = reached(receiver, "oncall")  # both audiences' first updates are due at 15m
    assert "due in 5 minutes" in reminder["title"]
    assert f"Open: http://127.0.0.1:8080/ui/incidents/{number}" in reminder["message"]
    assert f"warroom update {number}" in reminder["message"]
    assert "comms:cadence:overdue" not in kinds(db, number)
    step(worker, clock, 5)
    assert kinds(db, number).count("comms:cadence:overdue") == 2
    assert on_time(db, number) is False
    assert reached(receiver, "boss") == [] and reached(receiver, "vp") == []
    step(worker, clock, 10)  # escalate_overdue_after
    assert len(reached(receiver, "boss")) == 2 and len(reached(receiver, "vp")) == 2
    assert "overdue by 10 minutes" in reached(receiver, "boss")[0]["title"]
    assert kinds(db, number).count("comms:cadence:escalated") == 2


def test_a_reminder_sent_late_says_the_update_is_overdue(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    """The engine was down past the due time: the reminder that goes out when it is back says
    the update is overdue since when, not "due in 0 minutes"."""
    apply(db, clock, org(receiver.url))
    number = open_p0(db, clock)
    due = clock.now() + timedelta(minutes=15)
    step(worker, clock, 20)  # nothing ran between the opening and now
    reminders = reached(receiver, "oncall")
    assert reminders and all(
        f"update overdue since {due:%Y-%m-%d %H:%M} UTC" in r["title"] for r in reminders
    )
    assert kinds(db, number).count("comms:cadence:overdue") == 2


def test_communications_lead_is_reminded_and_an_update_on_time_cancels_the_rest(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    apply(db, clock, org(receiver.url))
    number = open_p0(db, clock)
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.assign_role(
            session,
            clock,
            incident,
            role="communications_lead",
            user_email="comms@corp.test",
            actor="test",
        )
        incidents.assign_role(
            session,
            clock,
            incident,
            role="incident_commander",
            user_email="ic@corp.test",
            actor="test",
        )
    step(worker, clock, 10)
    assert len(reached(receiver, "comms")) == 2 and reached(receiver, "ic") == []
    with db.session() as session:
        comms.post_update(
            session,
            clock,
            number=number,
            state="investigating",
            internal="Looking at the DB",
            public="We are investigating checkout errors.",
            smtp_url="mailto://localhost",
            actor="comms@corp.test",
        )
    step(worker, clock, 29)  # the old due time (15m) passed: nothing overdue
    assert "comms:cadence:overdue" not in kinds(db, number)
    assert on_time(db, number) is True
    # internal every 30m: the next reminder 25m after the update, then overdue at 30m
    assert len(reached(receiver, "comms")) == 3
    step(worker, clock, 1)
    assert kinds(db, number).count("comms:cadence:overdue") == 1
    assert on_time(db, number) is False
    step(worker, clock, 10)
    assert len(reached(receiver, "ic")) == 1  # the commander, on escalation


def test_first_update_within_applies_to_its_severity_only(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    apply(db, clock, org(receiver.url))
    number = open_p0(db, clock, severity="P2")
    step(worker, clock, 15)
    assert kinds(db, number, "comms:cadence") == []  # P2: every 1h, no first update sooner
    step(worker, clock, 40)
    assert len(reached(receiver, "oncall")) == 1
    step(worker, clock, 5)
    assert kinds(db, number, "comms:cadence") == ["comms:cadence:reminded", "comms:cadence:overdue"]


def test_resolving_cancels_reminders(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    apply(db, clock, org(receiver.url))
    number = open_p0(db, clock)
    with db.session() as session:
        incidents.resolve(session, clock, incidents.get_incident(session, number), actor="test")
    step(worker, clock, 60)
    assert kinds(db, number, "comms:cadence") == []
    assert reached(receiver, "oncall") == []


def test_internal_update_reaches_team_and_severity_channels(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    apply(db, clock, org(receiver.url))
    number = open_p0(db, clock)
    with db.session() as session:
        comms.post_update(
            session,
            clock,
            number=number,
            state="identified",
            internal="Bad deploy SECRET-1",
            next_update=timedelta(minutes=20),
            smtp_url="mailto://localhost",
            actor="comms@corp.test",
        )
    step(worker, clock, 0)
    [team] = reached(receiver, "core-room")
    [severity] = reached(receiver, "p0-room")
    assert "Bad deploy SECRET-1" in team["message"] and team == severity
    assert "update: identified" in team["title"]
    assert kinds(db, number, "comms:update") == ["comms:update:internal"]
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        assert comms.public_updates(session, incident.id) == []
        assert comms.latest_public_update(session, incident.id) is None


def raise_to_p0(db: Database, clock: FakeClock, number: int) -> None:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.change_severity(
            session, clock, incident, severity="P0", reason="checkout is down", actor="test"
        )


def resolve_then_bring_back(
    db: Database, clock: FakeClock, worker: Worker, number: int, move: str, *, after: float
) -> None:
    """Resolve by hand, run the engine `after` minutes, then `reopen` or `refire` it."""
    with db.session() as session:
        incidents.resolve(session, clock, incidents.get_incident(session, number), actor="test")
    step(worker, clock, after)
    with db.session() as session:
        back = getattr(incidents, move)
        back(session, clock, incidents.get_incident(session, number), actor="test", note="again")


@pytest.mark.parametrize("move", ["reopen", "refire"])
def test_a_reopened_incident_owes_its_first_update_as_soon_as_a_new_one(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver, move: str
) -> None:
    """P0 resolved, then back (reopened by hand, or its alert firing again): both audiences
    owe word within P0's `first_update_within` (15m), not a whole cadence (30m, 1h), after
    everyone was told it was resolved."""
    apply(db, clock, org(receiver.url))
    number = open_p0(db, clock)
    resolve_then_bring_back(db, clock, worker, number, move, after=60)
    reopened_at = clock.now()
    with db.session() as session:
        record = comms.cadence_record(session, incidents.get_incident(session, number).id)
        due = {row.audience: row.due_at for row in record.rows}
    assert due == {a: reopened_at + timedelta(minutes=15) for a in ("internal", "external")}
    step(worker, clock, 15)
    assert kinds(db, number, "comms:cadence:overdue") == ["comms:cadence:overdue"] * 2


def test_a_raised_severity_brings_the_next_updates_forward(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    """P2 (internal update every hour, no public cadence) raised to P0 after 10 minutes: P0's
    first update is due within 15 minutes, for both audiences, and the engine holds it."""
    apply(db, clock, org(receiver.url))
    number = open_p0(db, clock, severity="P2")
    step(worker, clock, 10)
    raise_to_p0(db, clock, number)
    assert kinds(db, number, "comms:cadence:tightened") == ["comms:cadence:tightened"] * 2
    step(worker, clock, 10)  # the reminder, 5 minutes before
    assert len(reached(receiver, "oncall")) == 2
    step(worker, clock, 5)
    assert kinds(db, number, "comms:cadence:overdue") == ["comms:cadence:overdue"] * 2
    assert on_time(db, number) is False


def test_an_earlier_due_time_stands_and_a_lower_severity_postpones_nothing(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    apply(db, clock, org(receiver.url))
    number = open_p0(db, clock, severity="P2")
    step(worker, clock, 50)  # P2's internal update is due in 10 minutes; P0 would give 15
    raise_to_p0(db, clock, number)
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        (tightened,) = timeline.events_since(
            session, incident_id=incident.id, kinds=["comms:cadence:tightened"]
        )
        assert tightened.payload["audience"] == "external"  # the internal one stands
        assert tightened.payload["severity"] == "P0" and tightened.payload["was_due_at"] is None
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.change_severity(
            session, clock, incident, severity="P2", reason="contained", actor="test"
        )
    step(worker, clock, 10)
    assert kinds(db, number, "comms:cadence:overdue") == ["comms:cadence:overdue"]
    step(worker, clock, 5)  # the public update P0 asked for stays due
    assert kinds(db, number, "comms:cadence:overdue") == ["comms:cadence:overdue"] * 2


def test_a_critical_alert_joining_a_warning_incident_brings_its_updates_forward(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver, client: TestClient
) -> None:
    """The user's path across domains: intake raises the severity, comms follows it."""
    routes = f"""\
integrations:
  - {{key: prom, type: alertmanager, secret: "{SECRET}"}}
routes:
  - key: api
    service: api
    severity: {{label: severity, map: {{critical: P0, warning: P2}}, default: P2}}
    group_by: [alertname]
"""
    apply(db, clock, org(receiver.url, routes))
    headers = {"Authorization": f"Bearer {SECRET}"}
    warning = _am_alert("warning", "w1")
    (number,) = client.post(AM, json=warning, headers=headers).json()["incidents"]
    step(worker, clock, 20)
    critical = _am_alert("critical", "c1")
    assert client.post(AM, json=critical, headers=headers).json()["incidents"] == [number]
    assert kinds(db, number, "comms:cadence:tightened") == ["comms:cadence:tightened"] * 2
    step(worker, clock, 15)
    assert kinds(db, number, "comms:cadence:overdue") == ["comms:cadence:overdue"] * 2


SECRET = "prom-secret-0123456789"
AM = "/api/v1/intake/alertmanager"


def _am_alert(severity: str, fingerprint: str) -> dict[str, object]:
    labels = {"alertname": "CheckoutErrors", "service": "api", "severity": severity}
    alert = {"status": "firing", "labels": labels, "annotations": {}, "fingerprint": fingerprint,
             "startsAt": "2026-01-01T11:59:00Z"}  # fmt: skip
    return {"version": "4", "status": "firing", "receiver": "warroom", "alerts": [alert]}


def test_a_raised_severity_is_declared_to_the_new_severitys_channels_once(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    """P2 on api: declared in #core (the team's room). Raised to P0: declared in #p0 (P0's
    room), not again in #core; raised again after a lower severity, #p0 hears nothing new."""
    apply(db, clock, org(receiver.url))
    number = open_p0(db, clock, severity="P2")
    step(worker, clock, 1)
    assert [m["title"] for m in receiver_json(receiver, "core-room")] == [
        f"[P2] INC-{number} declared: Checkout down"
    ]
    assert receiver_json(receiver, "p0-room") == []
    raise_to_p0(db, clock, number)
    step(worker, clock, 1)
    [raised] = receiver_json(receiver, "p0-room")
    assert raised["title"] == f"[P0] INC-{number} raised: Checkout down"
    assert "Checkout down" in raised["message"]
    assert f"Details: http://127.0.0.1:8080/ui/incidents/{number}" in raised["message"]
    assert len(receiver_json(receiver, "core-room")) == 1
    assert kinds(db, number, "comms:raised") == ["comms:raised:sent"]
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.change_severity(session, clock, incident, severity="P2", reason="x", actor="t")
    raise_to_p0(db, clock, number)
    step(worker, clock, 1)
    assert len(receiver_json(receiver, "p0-room")) == 1


@pytest.mark.parametrize("move", ["reopen", "refire"])
def test_a_reopened_incident_is_declared_again_to_its_rooms(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver, move: str
) -> None:
    """#core heard INC-n declared, then resolved: when it is back (reopened by hand, or its
    alert firing again) #core hears so, not silence after "resolved"."""
    apply(db, clock, org(receiver.url))
    number = open_p0(db, clock, severity="P2")
    step(worker, clock, 1)
    resolve_then_bring_back(db, clock, worker, number, move, after=1)
    step(worker, clock, 1)
    titles = [m["title"] for m in receiver_json(receiver, "core-room")]
    assert titles == [
        f"[P2] INC-{number} declared: Checkout down",
        f"[P2] INC-{number} resolved: Checkout down",
        f"[P2] INC-{number} reopened: Checkout down",
    ]
    assert kinds(db, number, "comms:reopened") == ["comms:reopened:sent"]


def receiver_json(receiver: HttpReceiver, name: str) -> list[dict[str, str]]:
    return [json.loads(r.body) for r in receiver.to(f"/{name}")]


def test_no_channel_hears_of_a_private_incident(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver, client: TestClient,
    make_token: MakeToken,
) -> None:  # fmt: skip
    """A private P0 on api: P0's room and the team's room get no declaration, no raise, no
    update and no resolution; the update's answer says why it reached no channel."""
    apply(db, clock, org(receiver.url))
    token = make_token("responder", email="lead@corp.test")
    with db.session() as session:
        number = incidents.open_incident(
            session, clock, actor="lead@corp.test", title="Leaked credentials",
            severity="P2", services=["api"], private=True,
        ).number  # fmt: skip
    raise_to_p0(db, clock, number)
    step(worker, clock, 1)
    headers = {"Authorization": f"Bearer {token}"}
    body = {"state": "identified", "internal": "rotating the keys"}
    answer = client.post(f"/api/v1/incidents/{number}/updates", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["reached"] == [] and "private" in answer.json()["warning"]
    body = {"state": "resolved", "internal": "keys rotated"}
    assert client.post(f"/api/v1/incidents/{number}/updates", json=body, headers=headers).is_success
    step(worker, clock, 1)
    for room in ("core-room", "p0-room"):
        assert receiver_json(receiver, room) == [], room
    assert kinds(db, number, "comms:initial") == kinds(db, number, "comms:raised") == []


def test_reminders_of_a_private_incident_do_not_carry_its_title(
    db: Database, clock: FakeClock, worker: Worker, receiver: HttpReceiver
) -> None:
    """A team's reminder template names the incident; for a private one the reminder (sent to
    whoever is on call for its services, not necessarily a member) says only that it is one."""
    template = 'templates:\n  reminder: "REMIND {{ ref }}: {{ title }}"\n'
    apply(db, clock, org(receiver.url, template))
    with db.session() as session:
        private = incidents.open_incident(
            session, clock, actor="lead@corp.test", title="Leaked credentials",
            severity="P0", services=["api"], private=True,
        ).number  # fmt: skip
    public = open_p0(db, clock)
    step(worker, clock, 10)
    texts = [m["message"] for m in reached(receiver, "oncall")]
    assert f"REMIND INC-{private}: (a private incident)" in texts
    assert f"REMIND INC-{public}: Checkout down" in texts
    assert not any("Leaked credentials" in t for t in texts)


@pytest.mark.parametrize("state", ["monitoring", "resolved"])
def test_an_update_posted_after_its_due_time_is_late_whatever_its_state(
    db: Database, clock: FakeClock, receiver: HttpReceiver, state: str
) -> None:
    """A P0's first update is due within 15 minutes; posted at 20, before the engine's overdue
    check ran, it is late, also when it resolves the incident (the resolve clears the due
    times: the update is counted against them first)."""
    apply(db, clock, org(receiver.url))
    number = open_p0(db, clock)
    clock.advance(minutes=20)
    with db.session() as session:
        update = comms.post_update(
            session,
            clock,
            number=number,
            state=state,
            internal="Fixed",
            smtp_url="mailto://localhost",
            actor="test",
        )
        assert update.on_time is False
        record = comms.cadence_record(session, incidents.get_incident(session, number).id)
        assert ("internal", 1) in [(row.audience, row.late) for row in record.rows]
    assert on_time(db, number) is False
