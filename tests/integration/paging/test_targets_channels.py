"""Targets that say what they mean (issue 10), played through the real config, planner, engine.

`members:` pages every member, `oncall:` and `schedule:` the on-call only, `channel:` one
message to the channel's URL (a real local HTTP receiver) recorded on the timeline; a rung with
`after: 0s` pages as the incident opens; a service's per-severity policy wins for its severity;
channel URLs are masked in GET /api/v1/config for every role.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.notify.receivers import http_receiver
from tests.integration.paging.world import apply, sender, who, worker
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.notify.models import Message
from warroom.paging.models import Channel
from warroom.settings import Settings

__all__ = ["sender"]  # the fixture, used by name below

SECRET = "T0CHANNEL/B0SECRET/xyzzy"


def org(channel_url: str = "json://127.0.0.1:9/room") -> str:
    people = ["a1", "a2", "lead", "ic", "cto", "cmd"]
    users = "".join(
        f"  - email: {p}@core.test\n    name: {p}\n"
        f'    contact_methods: [{{name: push, url: "json://127.0.0.1:9/{p}"}}]\n'
        for p in people
    )
    return f"""\
severities:
  - key: SEV0
    name: Critical
    escalate_while_unresolved:
      - {{after: 0s, notify: [user:cmd@core.test]}}
      - {{after: 30m, notify: [user:cmd@core.test]}}
  - key: SEV1
    name: High
  - key: SEV2
    name: Medium
    escalation_policy: sev2
users:
{users}teams:
  - key: core
    name: Core
    members: [a1@core.test, a2@core.test]
    leads: [lead@core.test]
    schedule: core-primary
    channels: [room]
schedules:
  - key: core-primary
    layers:
      - {{name: all, participants: [a1@core.test], shift: weekly, start: "2025-12-29"}}
channels:
  - key: room
    name: "#core-incidents"
    url: "{channel_url}"
    description: The core team's incident room
escalation_policies:
  - {{key: oncall, levels: [{{notify: [oncall:core]}}]}}
  - {{key: members, levels: [{{notify: [members:core]}}]}}
  - {{key: schedule, levels: [{{notify: [schedule:core-primary]}}]}}
  - {{key: chat, levels: [{{notify: [channel:room]}}]}}
  - {{key: exec, levels: [{{notify: [user:cto@core.test]}}]}}
  - {{key: sev2, levels: [{{notify: [user:lead@core.test]}}]}}
  - {{key: fallback, default: true, levels: [{{notify: [user:ic@core.test]}}]}}
services:
  - {{key: api, name: API, escalation_policy: oncall, escalation_policies: {{SEV0: exec}}}}
  - {{key: web, name: Web, escalation_policy: members, channels: [room]}}
  - {{key: db, name: DB, escalation_policy: schedule}}
  - {{key: chat, name: Chat, escalation_policy: chat}}
  - {{key: bare, name: Bare}}
"""


def opened(db: Database, clock: FakeClock, settings: Settings, severity: str, service: str) -> int:
    """Open an incident and run the engine once; its number."""
    with db.session() as session:
        number = incidents.open_incident(
            session, clock, actor="test", title="t", severity=severity, services=[service]
        ).number
    worker(db, clock, settings).run_once()
    return number


def paged(fake: senders.FakeSender, start: int = 0) -> list[str]:
    return who([m.url for m in fake.sent[start:]])


def test_members_pages_every_member(
    db: Database, clock: FakeClock, settings: Settings, sender: senders.FakeSender
) -> None:
    apply(db, clock, org())
    opened(db, clock, settings, "SEV1", "web")
    # Every member and lead is paged; web's channel ("room") gets the incident's initial
    # notification from comms, which is comms' behaviour (tests/integration/comms), not a page.
    assert [p for p in paged(sender) if p != "room"] == ["a1", "a2", "lead"]


def test_oncall_and_schedule_page_the_on_call_only(
    db: Database, clock: FakeClock, settings: Settings, sender: senders.FakeSender
) -> None:
    apply(db, clock, org())
    opened(db, clock, settings, "SEV1", "api")
    assert paged(sender) == ["a1"]
    seen = len(sender.sent)
    opened(db, clock, settings, "SEV1", "db")
    assert paged(sender, seen) == ["a1"]


def test_a_rung_after_0s_pages_when_the_incident_opens(
    db: Database, clock: FakeClock, settings: Settings, sender: senders.FakeSender
) -> None:
    apply(db, clock, org())
    number = opened(db, clock, settings, "SEV0", "bare")
    assert paged(sender) == ["cmd", "ic"]  # the rung at 0s and the default policy, at once
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        [rung] = timeline.events_since(
            session, incident_id=incident.id, kinds=["paging:escalation:unresolved"]
        )
        pages = timeline.events_since(
            session, incident_id=incident.id, kinds=["paging:page:queued"]
        )
    assert rung.payload["after_s"] == 0
    assert any("has opened" in m.body for m in sender.sent if m.url.endswith("/cmd"))
    assert {p.payload["user"] for p in pages} == {"cmd@core.test", "ic@core.test"}


def test_per_severity_policy_and_fallbacks(
    db: Database, clock: FakeClock, settings: Settings, sender: senders.FakeSender
) -> None:
    apply(db, clock, org())
    cases = [
        ("SEV0", "api", ["cmd", "cto"]),  # the service's SEV0 policy (and the SEV0 rung)
        ("SEV1", "api", ["a1"]),  # the service's policy for the other severities
        ("SEV2", "bare", ["lead"]),  # no service policy: the severity's
        ("SEV1", "bare", ["ic"]),  # neither: the default policy
    ]
    for severity, service, expected in cases:
        seen = len(sender.sent)
        opened(db, clock, settings, severity, service)
        assert paged(sender, seen) == expected, (severity, service)


def test_a_channel_page_reaches_its_url_and_the_timeline(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    senders.set_sender(None)  # the real webhook sender
    with http_receiver() as receiver:
        apply(db, clock, org(f"http://{receiver.url}/room/{SECRET}"))
        number = opened(db, clock, settings, "SEV1", "chat")
        [hit] = receiver.to(f"/room/{SECRET}")
    body = json.loads(hit.body)
    assert f"INC-{number}" in json.dumps(body)
    assert hit.headers.get("Idempotency-Key")
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        events = timeline.events_since(
            session,
            incident_id=incident.id,
            kinds=["paging:page:queued", "paging:notification:sent", "paging:incident:unpaged"],
        )
        message = session.scalar(select(Message).where(Message.incident_id == incident.id))
    kinds = [e.kind for e in events]
    assert kinds == ["paging:page:queued", "paging:notification:sent"]
    queued: dict[str, Any] = events[0].payload
    assert queued["channel"] == "room" and "user" not in queued
    assert queued["target"] == "channel:room" and queued["reason"] == "escalation"
    assert message is not None and message.user_id is None and message.state == "sent"
    assert SECRET not in json.dumps(events[1].payload)


def test_channels_are_stored_and_removed_ones_deactivated(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    apply(db, clock, org())
    section = org().split("channels:\n  - key: room")[1].split("escalation_policies:")[0]
    text = (
        org()
        .replace("channels:\n  - key: room" + section, "")
        .replace("    channels: [room]\n", "")
        .replace(", channels: [room]", "")
        .replace("channel:room", "user:ic@core.test")
    )
    assert "room" not in text
    apply(db, clock, text)
    with db.session() as session:
        [row] = session.scalars(select(Channel)).all()
        assert (row.key, row.name, row.active) == ("room", "#core-incidents", False)


def test_channel_urls_are_masked_for_every_role(
    db: Database,
    clock: FakeClock,
    client: TestClient,
    admin_headers: dict[str, str],
    responder_headers: dict[str, str],
    viewer_headers: dict[str, str],
) -> None:
    apply(db, clock, org(f"json://hooks.core.test/{SECRET}"))
    for headers in (admin_headers, responder_headers, viewer_headers):
        response = client.get("/api/v1/config", headers=headers)
        assert response.status_code == 200
        [channel] = response.json()["document"]["channels"]
        assert channel["key"] == "room" and channel["url"].startswith("json://")
        assert "xyzzy" not in response.text and "B0SECRET" not in response.text
