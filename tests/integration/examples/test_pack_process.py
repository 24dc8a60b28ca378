"""Each example pack, played on the fake clock, asks for status updates and postmortems when its
reference document says.

For every severity with an update cadence an incident opens at minute 0 and nobody writes an
update: the engine marks the first one overdue (`comms:cadence:overdue`, with the due time it
missed). At a later minute one update is posted (internal, and public text when the severity
has a public cadence); the next is then due on the cadence from it. For every severity that
requires a postmortem an incident is resolved at minute 0: the postmortem is due after the
document's time, and the engine marks it overdue then. Each row cites the document's line.
Documents: /work/shared/reference/seeds/000_b3c9b32ab165c1d5.txt (oracle),
002_01e152e679e932ca.txt (exchange), 004_61eb39e2ba419efa.txt (atlas).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.examples.conftest import EXAMPLES, apply_pack, payloads
from warroom.clock import FakeClock
from warroom.comms import service as comms
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.settings import Settings

START = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # a Tuesday, the daytime rotations on
H, D = 60, 24 * 60

# severity -> audience -> (first due, minute the update is posted, next due), in minutes
Cadence = dict[str, dict[str, tuple[int, int, int]]]

CADENCE: dict[str, Cadence] = {
    "oracle": {
        # l.334-335 "For SEV0/SEV1: update every 15-30 minutes" (SEV0: the shorter)
        "SEV0": {"internal": (15, 20, 20 + 15)},
        "SEV1": {"internal": (30, 40, 40 + 30)},
        # l.336-337 "For SEV2: update every 60 minutes or as needed"
        "SEV2": {"internal": (60, 70, 70 + 60)},
    },
    "exchange": {
        # l.46 "Status Page updates required every 30 minutes during P0/P1 incidents"
        "P0": {"external": (30, 40, 40 + 30)},
        "P1": {"external": (30, 40, 40 + 30)},
    },
    "atlas": {
        # l.49 "Post initial status update within 15 minutes"; l.44 "Every 30 minutes";
        # l.298 "P0 Initial Alert (Within 15 minutes)" ... "Next Update: 04:15 UTC (30 minutes)"
        "P0": {"internal": (15, 20, 20 + 30), "external": (15, 20, 20 + 30)},
        # l.71 "Post triage update in Slack within 1 hour"; l.67 "Every 2 hours until resolved"
        "P1": {"internal": (H, H + 10, H + 10 + 2 * H), "external": (H, H + 10, H + 10 + 2 * H)},
        "P2": {"internal": (D, D + 10, 2 * D + 10)},  # l.90 "Daily until resolved"
        "P3": {"internal": (7 * D, 7 * D + 10, 14 * D + 10)},  # l.113 "Weekly"
    },
}

# severity -> the hours after resolution the postmortem is due
POSTMORTEM: dict[str, dict[str, int]] = {
    # l.356 "Within 24-72 hours (depending on severity)": SEV0 24, SEV1 48, SEV2 72 (chosen)
    "oracle": {"SEV0": 24, "SEV1": 48, "SEV2": 72},
    # l.39 "Must be completed within 48 hours for any P0/P1"
    "exchange": {"P0": 48, "P1": 48},
    # l.475-478 "Within 48 hours: conduct blameless post-mortem, finalize incident report"
    "atlas": {"P0": 48, "P1": 48},
}

SERVICE = {"oracle": "api-gateway", "exchange": "matching-engine", "atlas": "proof-validation"}


def _open(db: Database, clock: FakeClock, pack: str, severity: str) -> int:
    with db.session() as session:
        return incidents.open_incident(
            session, clock, actor="alertmanager", title=f"{severity} process",
            severity=severity, services=[SERVICE[pack]],
        ).number  # fmt: skip


def _said(db: Database, number: int, kind: str) -> list[dict[str, object]]:
    with db.session() as session:
        incident_id = incidents.get_incident(session, number).id
    return payloads(db, incident_id, kind)


def _minute(value: object) -> int:
    at = datetime.fromisoformat(str(value))
    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    return round((at - START) / timedelta(minutes=1))


@pytest.mark.parametrize("pack", sorted(CADENCE))
def test_pack_asks_for_status_updates_as_its_document_says(
    pack: str, db: Database, clock: FakeClock, settings: Settings, sender: senders.FakeSender
) -> None:
    clock.set(START)
    apply_pack(db, clock, pack)
    table = CADENCE[pack]
    opened = {severity: _open(db, clock, pack, severity) for severity in table}
    posts = {(s, row[1]) for s, audiences in table.items() for row in audiences.values()}
    stops = {0, 15 * D} | {m for a in table.values() for r in a.values() for m in r}
    worker = Worker(db, clock, settings, "playback")
    for minute in sorted(stops | {m + 1 for m in stops}):
        clock.set(START + timedelta(minutes=minute))
        while worker.run_once():
            pass
        for severity, number in opened.items():
            if (severity, minute) in posts:
                public = "Investigating" if "external" in table[severity] else None
                with db.session() as session:
                    comms.post_update(
                        session, clock, number=number, state="investigating",
                        internal="Looking", public=public, smtp_url="mailto://localhost",
                        actor="oncall@playback",
                    )  # fmt: skip
    got = {
        severity: sorted(
            (str(p["audience"]), _minute(p["due_at"]))
            for p in _said(db, number, "comms:cadence:overdue")
        )
        for severity, number in opened.items()
    }
    # Before each due time somebody was reminded (the on-call of the service's team here).
    reminded = {
        severity: sorted(
            (str(p["audience"]), _minute(p["due_at"]))
            for p in _said(db, number, "comms:cadence:reminded")
            if p["to"]
        )
        for severity, number in opened.items()
    }
    assert reminded == got
    expected = {
        severity: sorted(
            (audience, due)
            for audience, (first, _, following) in audiences.items()
            for due in (first, following)
        )
        for severity, audiences in table.items()
    }
    assert got == expected


@pytest.mark.parametrize("pack", sorted(POSTMORTEM))
def test_pack_asks_for_a_postmortem_as_its_document_says(
    pack: str, db: Database, clock: FakeClock, settings: Settings, sender: senders.FakeSender
) -> None:
    clock.set(START)
    apply_pack(db, clock, pack)
    raw = config_service.load_directory(EXAMPLES / pack)[0].raw()
    severities = [s["key"] for s in raw["severities"]]
    opened = {severity: _open(db, clock, pack, severity) for severity in severities}
    for number in opened.values():
        with db.session() as session:
            incident = incidents.get_incident(session, number)
            incidents.resolve(session, clock, incident, actor="oncall@playback")
    worker = Worker(db, clock, settings, "playback")
    for hours in (0, 23, 24, 25, 47, 48, 49, 71, 72, 73, 100):
        clock.set(START + timedelta(hours=hours, minutes=1))
        while worker.run_once():
            pass
    got = {
        severity: [
            _minute(p["due_at"]) // 60 for p in _said(db, number, "review:postmortem:overdue")
        ]
        for severity, number in opened.items()
    }
    expected = {s: [POSTMORTEM[pack][s]] if s in POSTMORTEM[pack] else [] for s in severities}
    assert got == expected
