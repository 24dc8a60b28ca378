"""Two intake requests that each touch two incidents, in opposite orders, forced on PostgreSQL.

The lock order (docs/dev/engine.md, "Lock order") says: alert rows first, then every incident
a transaction touches by id, and an incident's row before its timeline chain head. Each test
pauses the first request while it holds one incident and lets the second take the other; the
second must then wait for the first (no deadlock for PostgreSQL to break, no retry, each alert
stored once, each resolution counted once)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import BindApp
from tests.integration.concurrency.test_intake_lock_order import Deadlocks
from tests.integration.concurrency.world import Pause, Run, paused, wait_blocked_or_done
from warroom.audit.models import TimelineEvent
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.incidents.models import Incident
from warroom.intake.models import Alert
from warroom.notify import senders
from warroom.settings import Settings

AM = "/api/v1/intake/alertmanager"
SECRET = "prom-cross-incidents-secret-0123"
PD_KEY = "5e2d7f1b6c903f1c9a7be2d84c0f9b6a"
HEAD_BUMP = r"^UPDATE timeline_chain_heads"

# Routes k1..k4 in key order; k1 (group a) and k3 (group c) end up on the same incident X (c
# by inhibition), k2 (group b) on Y: a request with groups a and b takes X then Y, one with
# groups b and c takes Y then X, if each group is placed in the order of its key.
ORG = f"""\
severities:
  - {{key: SEV1, name: Critical}}
  - {{key: SEV2, name: Major}}
services:
  - {{key: api, name: API}}
  - {{key: web, name: Web}}
integrations:
  - {{key: prom, type: alertmanager, secret: "{SECRET}", storm: {{threshold: 0}}}}
  - {{key: deploys, type: pagerduty, secret: "{PD_KEY}", service: api}}
routes:
  - {{key: k1, matchers: ['group="a"'], service: api, severity: SEV1, group_by: [group]}}
  - {{key: k2, matchers: ['group="b"'], service: web, severity: SEV1, group_by: [group]}}
  - key: k3
    matchers: ['group="c"']
    service: api
    severity: SEV2
    group_by: [group]
    inhibit: {{severity: SEV1}}
  - {{key: k4, matchers: ['group="d"'], service: api, severity: SEV2, group_by: [group]}}
"""

World = tuple[Database, TestClient]


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
    with TestClient(bind_app(settings, pg_db, clock)) as client:
        yield pg_db, client


def _alert(fp: str, group: str, status: str = "firing") -> dict[str, Any]:
    return {
        "status": status,
        "labels": {"alertname": "Down", "group": group, "instance": fp},
        "annotations": {"summary": f"{group} {fp} is down"},
        "startsAt": "2026-01-05T10:00:00Z",
        "endsAt": "2026-01-05T10:09:00Z" if status == "resolved" else "0001-01-01T00:00:00Z",
        "fingerprint": fp,
    }


def _send(client: TestClient, *alerts: dict[str, Any]) -> Any:
    body = {
        "receiver": "warroom",
        "status": "firing",
        "version": "4",
        "groupKey": "{}:{}",
        "alerts": list(alerts),
    }
    headers = {"Authorization": f"Bearer {SECRET}", "Content-Type": "application/json"}
    return client.post(AM, json=body, headers=headers)


def _change(client: TestClient) -> Any:
    body = {"routing_key": PD_KEY, "payload": {"summary": "deployed api 1.2", "source": "ci"}}
    return client.post("/v2/change/enqueue", json=body)


def _opened(client: TestClient, *alerts: dict[str, Any]) -> int:
    r = _send(client, *alerts)
    assert r.status_code == 202, r.text
    (number,) = r.json()["incidents"]
    return int(number)


def _first_holds(
    db: Database, pause: Pause, first: Callable[[], Any], second: Callable[[], Any]
) -> tuple[Any, Any, list[str], bool]:
    """`first` runs up to `pause`; `second` starts; `first` goes on once `second` waits on a
    lock (or finished). Both answers, the deadlocks PostgreSQL broke, whether `second` waited."""
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


def _nth(n: int) -> Callable[[], bool]:
    """A Pause filter that lets the first n-1 matching statements pass."""
    seen = [0]

    def only() -> bool:
        seen[0] += 1
        return seen[0] == n

    return only


def _kinds(db: Database, number: int, kind: str) -> list[dict[str, Any]]:
    with db.session() as session:
        incident_id = session.scalar(select(Incident.id).where(Incident.number == number))
        rows = session.scalars(
            select(TimelineEvent.payload)
            .where(TimelineEvent.incident_id == incident_id, TimelineEvent.kind == kind)
            .order_by(TimelineEvent.seq)
        )
        return [dict(p or {}) for p in rows]


def _alerts_of(db: Database, fp: str) -> list[tuple[str, int | None]]:
    with db.session() as session:
        rows = session.execute(
            select(Alert.status, Alert.incident_number).where(Alert.fingerprint == fp)
        )
        return [(str(s), n) for s, n in rows]


def _incidents(db: Database) -> int:
    with db.session() as session:
        return int(session.scalar(select(func.count()).select_from(Incident)) or 0)


def _x_and_y(world: World) -> tuple[int, int]:
    """X (groups a and c, c joined by inhibition) and Y (group b)."""
    _, client = world
    x = _opened(client, _alert("a1", "a"))
    y = _opened(client, _alert("b1", "b"))
    assert _opened(client, _alert("c1", "c")) == x
    return x, y


def test_two_requests_joining_two_incidents_in_opposite_orders(world: World) -> None:
    """Groups a, b join X then Y; groups b, c join Y then X, unless incidents go by id."""
    db, client = world
    x, y = _x_and_y(world)
    r1, r2, deadlocks, waited = _first_holds(
        db,
        Pause(HEAD_BUMP),  # the first request recorded its join of X: it holds X
        lambda: _send(client, _alert("a2", "a"), _alert("b2", "b")),
        lambda: _send(client, _alert("b3", "b"), _alert("c2", "c")),
    )
    assert deadlocks == [], f"lock-order deadlock: {deadlocks}"
    assert waited, "the second request must wait for the first"
    assert (r1.status_code, r2.status_code) == (202, 202), (r1.text, r2.text)
    assert sorted(r1.json()["incidents"]) == sorted(r2.json()["incidents"]) == sorted([x, y])
    assert [_alerts_of(db, fp) for fp in ("a2", "b2", "b3", "c2")] == [
        [("firing", x)],
        [("firing", y)],
        [("firing", y)],
        [("firing", x)],
    ]
    assert _incidents(db) == 2
    assert len(_kinds(db, x, "intake:alert:grouped")) == 3  # c1, a2, c2
    assert len(_kinds(db, y, "intake:alert:grouped")) == 2  # b2, b3


def test_joins_and_resolutions_of_two_incidents_in_opposite_orders(world: World) -> None:
    """A new alert joining X with a resolution of Y's alert, against a new alert joining Y
    with a resolution of X's alert: placement took one incident before the other's alert
    row and incident."""
    db, client = world
    x, y = _x_and_y(world)
    r1, r2, deadlocks, waited = _first_holds(
        db,
        Pause(HEAD_BUMP),  # the first request recorded its join of X: it holds X
        lambda: _send(client, _alert("a2", "a"), _alert("b1", "b", "resolved")),
        lambda: _send(client, _alert("b2", "b"), _alert("a1", "a", "resolved")),
    )
    assert deadlocks == [], f"lock-order deadlock: {deadlocks}"
    assert waited, "the second request must wait for the first"
    assert (r1.status_code, r2.status_code) == (202, 202), (r1.text, r2.text)
    assert (r1.json()["resolved"], r2.json()["resolved"]) == (1, 1)
    assert _alerts_of(db, "a1") == [("resolved", x)]
    assert _alerts_of(db, "b1") == [("resolved", y)]
    assert _alerts_of(db, "a2") == [("firing", x)] and _alerts_of(db, "b2") == [("firing", y)]
    assert [p["still_open"] for p in _kinds(db, x, "intake:alert:resolved")] == [2]  # c1, a2
    # The first request counts Y's open alerts before the second's b2 joins Y: none left.
    assert [p["still_open"] for p in _kinds(db, y, "intake:alert:resolved")] == [0]
    assert _incidents(db) == 2


def test_a_change_event_while_alerts_of_two_incidents_resolve(world: World) -> None:
    """A change event for api tells X and W (newest first); a request resolving alerts of X
    and W (X first) holds both incidents. The change wrote W's chain head without its row."""
    db, client = world
    x = _opened(client, _alert("a1", "a"))
    w = _opened(client, _alert("d1", "d"))
    r_change, r_resolve, deadlocks, waited = _first_holds(
        db,
        Pause(HEAD_BUMP, only=_nth(2)),  # the global head, then W's (or X's) head
        lambda: _change(client),
        lambda: _send(client, _alert("a1", "a", "resolved"), _alert("d1", "d", "resolved")),
    )
    assert deadlocks == [], f"lock-order deadlock: {deadlocks}"
    assert waited, "the resolutions must wait for the change"
    assert r_change.status_code == 202, r_change.text
    assert r_resolve.status_code == 202 and r_resolve.json()["resolved"] == 2, r_resolve.text
    for number in (x, w):
        assert len(_kinds(db, number, "intake:change:received")) == 1
        assert len(_kinds(db, number, "intake:incident:all_alerts_resolved")) == 1


def test_two_deliveries_of_the_same_resolution_tell_the_incident_once(world: World) -> None:
    """Alertmanager HA peers send the same resolved notification at once: both find the alert
    open, one resolves it; the other must not tell the incident a second time."""
    db, client = world
    w = _opened(client, _alert("d1", "d"))
    r1, r2, deadlocks, waited = _first_holds(
        db,
        Pause(HEAD_BUMP),  # the first recorded intake:alert:resolved
        lambda: _send(client, _alert("d1", "d", "resolved")),
        lambda: _send(client, _alert("d1", "d", "resolved")),
    )
    assert deadlocks == [] and waited
    assert (r1.status_code, r2.status_code) == (202, 202), (r1.text, r2.text)
    assert (r1.json()["resolved"], r2.json()["resolved"]) == (1, 0)
    assert len(_kinds(db, w, "intake:alert:resolved")) == 1
    assert len(_kinds(db, w, "intake:incident:all_alerts_resolved")) == 1


def test_two_flapping_snapshots_in_opposite_states(world: World) -> None:
    """One request says a1 fires and b1 resolved, the other b1 fires and a1 resolved: each
    counts its repeat (locking that alert row) before resolving the other's alert."""
    db, client = world
    x, y = _x_and_y(world)
    r1, r2, deadlocks, waited = _first_holds(
        db,
        # the first counted its repeat of a1 (on PostgreSQL in one statement with the lookup of
        # the rest: dedup.bump_and_lookup, a CTE)
        Pause(r"^(WITH bumped AS\s*\()?UPDATE alerts SET .*alerts\.count \+"),
        lambda: _send(client, _alert("a1", "a"), _alert("b1", "b", "resolved")),
        lambda: _send(client, _alert("b1", "b"), _alert("a1", "a", "resolved")),
    )
    assert deadlocks == [], f"lock-order deadlock: {deadlocks}"
    assert waited, "the second request must wait for the first"
    assert (r1.status_code, r2.status_code) == (202, 202), (r1.text, r2.text)
    assert (r1.json()["resolved"], r2.json()["resolved"]) == (1, 1)
    assert _alerts_of(db, "a1") == [("resolved", x)]
    # b1 resolved by the first; the second's firing copy (same startsAt) is a late copy
    assert _alerts_of(db, "b1") == [("resolved", y)] and r2.json()["ignored"] == 1
