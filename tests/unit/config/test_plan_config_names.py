"""A plan speaks the config's language: `escalate_after` as a duration, not `delay_s`."""

from __future__ import annotations

from warroom.config.plan import Plan

OLD = {"name": "Atlas", "levels": [{"targets": ["schedule:a"], "delay_s": 300}]}
NEW = {"name": "Atlas", "levels": [{"targets": ["schedule:a", "user:b"], "delay_s": 600}]}


def test_an_escalation_level_change_shows_the_config_field_and_a_duration() -> None:
    plan = Plan()
    assert plan.compare("escalation_policy", "atlas", OLD, NEW)
    assert plan.detail() == [
        "~ update escalation_policy atlas",
        '    levels[0].notify: ["schedule:a"] → ["schedule:a", "user:b"]',
        '    levels[0].escalate_after: "5m" → "10m"',
    ]
    assert "delay_s" not in "\n".join(plan.lines())
    [entry] = plan.to_json()
    assert entry["changes"]["levels[0].escalate_after"] == {"old": "5m", "new": "10m"}


def test_a_created_policy_carries_config_names() -> None:
    plan = Plan()
    plan.compare("escalation_policy", "atlas", None, NEW)
    [entry] = plan.to_json()
    levels = entry["changes"]["levels"]["new"]
    assert levels == [{"notify": ["schedule:a", "user:b"], "escalate_after": "10m"}]


def test_heartbeat_seconds_show_as_durations_under_their_config_names() -> None:
    plan = Plan()
    plan.compare("heartbeat", "nightly", {"interval_s": 3600}, {"interval_s": 7200})
    assert plan.detail()[1] == '    interval: "1h" → "2h"'
