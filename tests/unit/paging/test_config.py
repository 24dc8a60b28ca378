"""Config checks of the paging sections: each mistake is reported as file:line naming the field."""

from __future__ import annotations

import pytest

from tests.integration.paging.world import ORG
from warroom.config import service as config_service


def problems_of(text: str) -> list[str]:
    _, problems = config_service.load_files({"org.yaml": text})
    return problems.lines()


def test_the_test_organisation_is_valid() -> None:
    assert problems_of(ORG) == []


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            "notify: [user:lead@atlas.test]\n        escalate_after",
            "notify: [user:ghost@atlas.test]\n        escalate_after",
            "escalation_policies[atlas].levels[1].notify[0]: 'user:ghost@atlas.test': no user",
        ),
        (
            "notify: [schedule:atlas-primary]",
            "notify: [schedule:nope]",
            "escalation_policies[atlas].levels[0].notify[0]: 'schedule:nope': no schedule",
        ),
        (
            "notify: [schedule:atlas-primary]",
            "notify: [policy:atlas]",
            "a policy cannot page another policy",
        ),
        (
            "escalation_policy: atlas",
            "escalation_policy: missing",
            "services[api].escalation_policy: unknown escalation policy 'missing'",
        ),
        (
            "- {contact: mail, after: 2m}",
            "- {contact: sms, after: 2m}",
            "notification_rules[1].contact: 'sms' is not one of this user's contact methods",
        ),
        (
            "- {contact: mail, after: 2m}",
            "- {contact: mail, after: soon}",
            "notification_rules[1].after",
        ),
        (
            'url: "json://127.0.0.1:9/oncall2-push"',
            'url: "nonsense"',
            "contact_methods[0].url",
        ),
        (
            '{name: push, url: "json://127.0.0.1:9/cto-push"}',
            '{name: push, url: "json://127.0.0.1:9/cto-push", email: cto@atlas.test}',
            "give exactly one of email or url",
        ),
        (
            "participants: [oncall1@atlas.test, oncall2@atlas.test]",
            "participants: [oncall1@atlas.test, ghost@atlas.test]",
            "schedules[atlas-primary].layers[0].participants[1]: no user 'ghost@atlas.test'",
        ),
        ("time_zone: UTC\n    team", "time_zone: Mars/Olympus\n    team", "unknown time zone"),
        ("team: sre\n    handoff", "team: ops\n    handoff", "schedules[atlas-primary].team"),
        ("shift: daily", "shift: custom", "a custom shift needs shift_length"),
        ('handoff: "09:00"', 'handoff: "9 am"', "time must be HH:MM"),
        ('start: "2026-01-01"', 'start: "first of January"', "is not a date"),
        ("escalate_after: 5m\n", "\n", "levels[0] needs escalate_after"),
    ],
)
def test_mistakes(old: str, new: str, expected: str) -> None:
    assert ORG.count(old) == 1, old
    found = problems_of(ORG.replace(old, new))
    assert any(expected in line and line.startswith("org.yaml:") for line in found), found


def test_problem_points_at_the_line() -> None:
    broken = ORG.replace("notify: [schedule:atlas-primary]", "notify: [schedule:nope]")
    line = next(n for n, text in enumerate(broken.splitlines(), 1) if "schedule:nope" in text)
    assert any(p.startswith(f"org.yaml:{line}:") for p in problems_of(broken))
