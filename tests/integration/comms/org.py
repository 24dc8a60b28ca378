"""A small organisation for communications tests, applied through the real config sections."""

from __future__ import annotations

from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database


def org(hook: str, extra: str = "") -> str:
    """Severities with a cadence, people reached at `hook`/<name>, a team with a channel."""
    people = ["comms", "ic", "oncall", "vp", "boss"]
    users = "".join(
        f"  - email: {p}@corp.test\n    name: {p}\n"
        f'    contact_methods: [{{name: push, url: "json://{hook}/{p}"}}]\n'
        for p in people
    )
    return f"""\
severities:
  - key: P0
    name: Critical
    internal_update_every: 30m
    external_update_every: 1h
    escalation_policy: bosses
  - key: P2
    name: Medium
    internal_update_every: 1h
users:
{users}teams:
  - key: core
    name: Core
    members: [oncall@corp.test]
    schedule: core-primary
    channels: [core-room]
schedules:
  - key: core-primary
    layers:
      - {{name: all, participants: [oncall@corp.test], shift: weekly, start: "2025-12-29"}}
channels:
  - key: core-room
    name: "#core"
    url: "json://{hook}/core-room"
  - key: p0-room
    name: "#p0"
    url: "json://{hook}/p0-room"
escalation_policies:
  - {{key: bosses, levels: [{{notify: [user:boss@corp.test]}}]}}
services:
  - {{key: api, name: API, team: core}}
  - {{key: web, name: Web}}
comms:
  reminder_before: 5m
  escalate_overdue_after: 10m
  escalate_to: [user:vp@corp.test]
  first_update_within: {{P0: 15m}}
  severity_channels: {{P0: [p0-room]}}
{extra}"""


def apply(db: Database, clock: FakeClock, text: str) -> None:
    doc, problems = config_service.load_files({"org.yaml": text})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
