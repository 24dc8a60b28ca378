"""Each example pack, played on the fake clock, pages whom its reference document says, when.

For every pack and severity, three incidents open at the same instant through the real
incident service and are driven by the real engine worker: one nobody acknowledges, one
acknowledged after N minutes, one resolved after M minutes. What was paged is read back from
each incident's timeline (`paging:page:queued`, labelled by the escalation step that queued it)
and compared with a table written from the document; each row cites the document's line.
Documents: /work/shared/reference/seeds/000_b3c9b32ab165c1d5.txt (oracle),
002_01e152e679e932ca.txt (exchange), 004_61eb39e2ba419efa.txt (atlas).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from warroom.audit.models import TimelineEvent
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.settings import Settings

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
HORIZON = 300  # minutes played: past atlas's 4-hour P1 rung

# (minute, who, step): who is an e-mail or "#channel"; step is "level N" (of the escalation
# policy, "repeat K" for its K-th repeat), "unresolved <after>" (a rung of the severity's
# escalate_while_unresolved ladder) or "manual" (`warroom escalate`).
Row = tuple[int, str, str]
# severity -> scenario -> rows; scenarios: "never" (nobody acknowledges), ("ack", N) and
# ("resolve", M) minutes after the incident opened.
Table = dict[str, dict[Any, list[Row]]]

O_CORE = ["ic@oracle.example", "infra@oracle.example", "oncall@oracle.example"]
O_CORE += ["solana@oracle.example"]
O_EXEC = ["cto@oracle.example", "security@oracle.example"]


def _rows(minute: int, people: list[str], step: str) -> list[Row]:
    return [(minute, who, step) for who in people]


ORACLE: Table = {
    "SEV0": {
        "never": [
            *_rows(0, O_CORE, "level 1"),  # l.45 "immediate paging of core team"
            *_rows(5, O_EXEC, "level 2"),  # l.47 "executive/security escalation" (5m: chosen)
            *_rows(30, O_EXEC, "unresolved 30m"),  # l.47 again for a SEV0 still open (chosen)
        ],
        ("ack", 3): [
            *_rows(0, O_CORE, "level 1"),  # l.45
            *_rows(30, O_EXEC, "unresolved 30m"),  # l.47: acknowledged, still unresolved
        ],
        ("resolve", 20): [
            *_rows(0, O_CORE, "level 1"),  # l.45
            *_rows(5, O_EXEC, "level 2"),  # l.47
        ],
    },
    "SEV1": {
        "never": [
            (0, "oncall@oracle.example", "level 1"),  # l.57 "on-call engages immediately"
            (15, "ic@oracle.example", "level 2"),  # l.108 the IC "owns coordination" (chosen)
        ],  # no executive/security: l.47 is SEV0's response only
        ("ack", 10): [(0, "oncall@oracle.example", "level 1")],  # l.57
        ("resolve", 20): [
            (0, "oncall@oracle.example", "level 1"),  # l.57
            (15, "ic@oracle.example", "level 2"),  # l.108
        ],
    },
    # l.69 "on-call engages during business hours or as per rotation": a queue, no page
    "SEV2": {"never": [], ("ack", 10): [], ("resolve", 20): []},
    # l.78 "ticket and follow-up, no urgent paging"
    "SEV3": {"never": [], ("ack", 10): [], ("resolve", 20): []},
}

X_TEAM = ["ic@exchange.example", "oncall@exchange.example", "ops-lead@exchange.example"]
X_FIRST = ["#incident-active", "oncall@exchange.example"]
X_OPS = ["ops-lead@exchange.example"]

EXCHANGE: Table = {
    "P0": {
        "never": [
            *_rows(0, X_FIRST, "level 1"),  # l.22 "Alertmanager fires to PagerDuty/Slack", l.46
            *_rows(5, X_OPS, "level 2"),  # l.14 ack "< 5 minutes" missed: Operations Lead (l.28)
            *_rows(10, X_TEAM, "level 3"),  # the whole trading-core team (chosen; doc silent)
            *_rows(15, X_FIRST, "level 1 repeat 1"),  # the chain once more (chosen)
            *_rows(20, X_OPS, "level 2 repeat 1"),
            *_rows(25, X_TEAM, "level 3 repeat 1"),
        ],
        ("ack", 3): _rows(0, X_FIRST, "level 1"),  # l.23 "On-call engineer claims the incident"
        ("resolve", 12): [
            *_rows(0, X_FIRST, "level 1"),  # l.22
            *_rows(5, X_OPS, "level 2"),  # l.14
            *_rows(10, X_TEAM, "level 3"),
        ],
    },
    "P1": {
        "never": [
            *_rows(0, X_FIRST, "level 1"),  # l.22, l.46
            *_rows(15, X_OPS, "level 2"),  # l.15 ack "< 15 minutes" missed
            *_rows(30, X_TEAM, "level 3"),
            *_rows(45, X_FIRST, "level 1 repeat 1"),
            *_rows(60, X_OPS, "level 2 repeat 1"),
            *_rows(75, X_TEAM, "level 3 repeat 1"),
        ],
        ("ack", 20): [
            *_rows(0, X_FIRST, "level 1"),  # l.22
            *_rows(15, X_OPS, "level 2"),  # l.15
        ],
        ("resolve", 40): [
            *_rows(0, X_FIRST, "level 1"),  # l.22
            *_rows(15, X_OPS, "level 2"),  # l.15
            *_rows(30, X_TEAM, "level 3"),
        ],
    },
    # l.16-17: acknowledged within 4 / 24 hours: the queue, no page
    "P2": {"never": [], ("ack", 20): [], ("resolve", 40): []},
    "P3": {"never": [], ("ack", 20): [], ("resolve", 40): []},
}

A_FIRST = ["#incident-response", "oncall@atlas.example"]
A_LEAD = ["tech-lead@atlas.example"]
A_CTO = ["cto@atlas.example"]

ATLAS: Table = {
    "P0": {
        "never": [
            *_rows(0, A_FIRST, "level 1"),  # l.42 "Immediate (PagerDuty + Phone + Slack)", l.48
            *_rows(5, A_FIRST, "level 1 repeat 1"),  # l.47 "Acknowledge alert within 5 minutes"
            *_rows(10, A_FIRST, "level 1 repeat 2"),  # (paging the on-call again: chosen)
            *_rows(30, A_LEAD, "unresolved 30m"),  # l.51, l.359-360 Tech Lead (30 min)
            *_rows(60, A_CTO, "unresolved 1h"),  # l.359-360 CTO (1 hour), l.381 "P0 >1h"
        ],
        ("ack", 3): [
            *_rows(0, A_FIRST, "level 1"),  # l.42
            *_rows(30, A_LEAD, "unresolved 30m"),  # l.350 "P0 incident not resolved within 30m"
            *_rows(60, A_CTO, "unresolved 1h"),  # l.381
        ],
        ("resolve", 40): [
            *_rows(0, A_FIRST, "level 1"),  # l.42
            *_rows(5, A_FIRST, "level 1 repeat 1"),  # l.47
            *_rows(10, A_FIRST, "level 1 repeat 2"),
            *_rows(30, A_LEAD, "unresolved 30m"),  # l.51; resolved at 40m: no CTO
        ],
    },
    "P1": {
        "never": [
            *_rows(0, A_FIRST, "level 1"),  # l.67 "Slack + Email"
            *_rows(30, A_FIRST, "level 1 repeat 1"),  # l.72 "Acknowledge alert within 30 minutes"
            *_rows(240, A_LEAD, "unresolved 4h"),  # l.75, l.362-363 Tech Lead (4 hours)
        ],  # no CTO for P1: l.381 "P0 >1h, data loss, security"
        ("ack", 20): [
            *_rows(0, A_FIRST, "level 1"),  # l.67
            *_rows(240, A_LEAD, "unresolved 4h"),  # l.351 "P1 not resolved within 4 hours"
        ],
        ("resolve", 45): [
            *_rows(0, A_FIRST, "level 1"),  # l.67
            *_rows(30, A_FIRST, "level 1 repeat 1"),  # l.72
        ],
    },
    "P2": {"never": [], ("ack", 20): [], ("resolve", 45): []},  # l.92 "Escalation: Team queue"
    "P3": {"never": [], ("ack", 20): [], ("resolve", 45): []},  # l.116 "Escalation: Backlog"
}

# pack -> (its table, a service, when the play starts: a weekday with the daytime rotation on)
PACKS: dict[str, tuple[Table, str, datetime]] = {
    "oracle": (ORACLE, "submitter", datetime(2026, 3, 10, 14, 0, tzinfo=UTC)),
    "exchange": (EXCHANGE, "matching-engine", datetime(2026, 3, 10, 3, 0, tzinfo=UTC)),
    "atlas": (ATLAS, "proof-validation", datetime(2026, 3, 10, 14, 0, tzinfo=UTC)),
}


@pytest.fixture
def sender() -> Iterator[senders.FakeSender]:
    fake = senders.FakeSender()
    senders.set_sender(fake)
    yield fake
    senders.set_sender(None)


def _open(db: Database, clock: FakeClock, service: str, severity: str) -> int:
    with db.session() as session:
        incident = incidents.open_incident(
            session, clock, actor="alertmanager", title=f"{severity} playback",
            severity=severity, services=[service],
        )  # fmt: skip
        session.flush()
        return incident.number


def _act(db: Database, clock: FakeClock, number: int, verb: str) -> None:
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        if verb == "ack":
            incidents.acknowledge(session, clock, incident, actor="responder@playback")
        else:
            incidents.resolve(session, clock, incident, actor="responder@playback")


def _played(db: Database, number: int, start: datetime) -> list[Row]:
    """Every page of the incident: (minute, who, the step that paged)."""
    with db.session() as session:
        incident_id = incidents.get_incident(session, number).id
        events = session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.incident_id == incident_id)
            .order_by(TimelineEvent.id)
        ).all()
        step = "?"
        rows: list[Row] = []
        for event in events:
            payload = event.payload
            if event.kind == "paging:escalation:triggered":
                step = f"level {payload['level']}"
                step += f" repeat {payload['round']}" if payload.get("round") else ""
            elif event.kind == "paging:escalation:manual":
                step = "manual"
            elif event.kind == "paging:escalation:unresolved":
                step = f"unresolved {_duration(int(payload['after_s']))}"
            elif event.kind == "paging:page:queued":
                who = f"#{payload['channel']}" if payload.get("channel") else payload["user"]
                minute = (event.occurred_at - start) / timedelta(minutes=1)
                rows.append((round(minute), who, step))
        return sorted(rows)


def _duration(seconds: int) -> str:
    return f"{seconds // 3600}h" if seconds % 3600 == 0 else f"{seconds // 60}m"


def _moments(table: Table) -> list[int]:
    """Every minute something is expected or done, and the horizon: the clock stops at each,
    so a page due then is stamped with its own minute (and one due at an unexpected time shows
    up at the next stop, as a row the table does not have)."""
    found = {0, HORIZON}
    for scenarios in table.values():
        for scenario, rows in scenarios.items():
            found |= {minute for minute, _, _ in rows}
            if scenario != "never":
                found |= {scenario[1], scenario[1] + 1}
    return sorted(found)


def play(
    db: Database, clock: FakeClock, settings: Settings, pack: str
) -> dict[tuple[str, Any], list[Row]]:
    table, service, start = PACKS[pack]
    clock.set(start)
    doc, problems = config_service.load_directory(EXAMPLES / pack)
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="playback")
    opened = {
        (severity, scenario): _open(db, clock, service, severity)
        for severity, scenarios in table.items()
        for scenario in scenarios
    }
    worker = Worker(db, clock, settings, "playback")
    for minute in _moments(table):
        clock.set(start + timedelta(minutes=minute))
        for (_, scenario), number in opened.items():
            if scenario != "never" and scenario[1] == minute:
                _act(db, clock, number, scenario[0])
        worker.run_once()
    return {key: _played(db, number, start) for key, number in opened.items()}


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_pack_pages_as_its_document_says(
    pack: str, db: Database, clock: FakeClock, settings: Settings, sender: senders.FakeSender
) -> None:
    table = PACKS[pack][0]
    expected = {
        (severity, scenario): sorted(rows)
        for severity, scenarios in table.items()
        for scenario, rows in scenarios.items()
    }
    got = play(db, clock, settings, pack)
    for key in expected:
        assert got[key] == expected[key], f"{pack} {key}"
    # What was queued on the timeline also went out: one message per person page and channel
    # (other messages, such as status-update reminders, are not pages).
    pages = [m for m in sender.sent if (m.idempotency_key or "").startswith("page:")]
    assert len(pages) == sum(len(rows) for rows in expected.values())


def test_atlas_db_expert_is_paged_only_by_a_specialist_escalation(
    db: Database, clock: FakeClock, settings: Settings, sender: senders.FakeSender
) -> None:
    """l.383-386 "Database Expert (Specialist) ... Escalation threshold: Database corruption":
    never paged by the P0 plan (table above), paged when a person escalates to the policy."""
    from warroom.paging import service as paging

    start = PACKS["atlas"][2]
    clock.set(start)
    doc, problems = config_service.load_directory(EXAMPLES / "atlas")
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="playback")
    number = _open(db, clock, "persistence-db", "P0")
    worker = Worker(db, clock, settings, "playback")
    worker.run_once()
    clock.set(start + timedelta(minutes=10))
    checklist = {"summary": "s", "actions_taken": "a", "why": "corruption", "need": "DB help"}
    with db.session() as session:
        paging.escalate(
            session, clock, settings, number=number, to=["policy:db-specialist"],
            checklist=checklist, actor="oncall@atlas.example",
        )  # fmt: skip
    worker.run_once()
    rows = _played(db, number, start)
    assert [r for r in rows if r[1] == "db-expert@atlas.example"] == [
        (10, "db-expert@atlas.example", "manual")
    ]


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_every_status_update_the_pack_asks_for_reaches_a_channel(
    pack: str, db: Database, clock: FakeClock
) -> None:
    """A severity with an update cadence asks for status updates; each one, on an
    incident of any of the pack's services, goes to at least one channel (else the update
    answers 'reached nobody' and the cadence reminds people to write to no one)."""
    from warroom.comms import service as comms

    clock.set(PACKS[pack][2])
    doc, problems = config_service.load_directory(EXAMPLES / pack)
    assert not problems, problems.lines()
    raw = doc.raw()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="playback")
    cadenced = [
        s["key"]
        for s in raw["severities"]
        if s.get("internal_update_every") or s.get("external_update_every")
    ]
    assert cadenced
    unreached = []
    for service in (s["key"] for s in raw["services"]):
        for severity in cadenced:
            number = _open(db, clock, service, severity)
            with db.session() as session:
                update = comms.post_update(
                    session, clock, number=number, state="investigating",
                    internal="looking", smtp_url="mailto://localhost", actor="responder@playback",
                )  # fmt: skip
                if not update.reached:
                    unreached.append((service, severity))
    assert not unreached, f"{pack}: status updates that reach no channel: {unreached}"


def test_a_severity_that_does_not_page_says_so_on_the_timeline(
    db: Database, clock: FakeClock, settings: Settings, sender: senders.FakeSender
) -> None:
    """The README tour's SEV3 incident (examples/oracle, which has a default policy): its
    timeline said 'no escalation policy: nobody is paged by level'; SEV3 does not page."""
    from warroom.audit.sentences import describe

    clock.set(PACKS["oracle"][2])
    doc, problems = config_service.load_directory(EXAMPLES / "oracle")
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="playback")
    quiet, paged = _open(db, clock, "api-gateway", "SEV3"), _open(db, clock, "api-gateway", "SEV1")
    Worker(db, clock, settings, "playback").run_once()
    said = {}
    with db.session() as session:
        for number in (quiet, paged):
            incident_id = incidents.get_incident(session, number).id
            event = session.scalars(
                select(TimelineEvent).where(
                    TimelineEvent.incident_id == incident_id,
                    TimelineEvent.kind == "paging:escalation:planned",
                )
            ).one()
            said[number] = describe(event.kind, event.payload)
    assert said[quiet] == "SEV3 does not page: nobody is paged by level"
    assert said[paged] == "paging by policy oracle-core (2 levels)"
