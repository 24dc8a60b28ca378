"""`config check` for the targets of issue 10: oncall/members/channel/team, channels, 0s rungs."""

from __future__ import annotations

from warroom.config import service as config_service

BASE = """\
severities:
  - key: SEV0
    name: Critical
    escalate_while_unresolved:
      - {after: 0s, notify: [user:ic@core.test]}
  - key: SEV1
    name: High
users:
  - {email: a1@core.test, name: A1}
  - {email: ic@core.test, name: IC}
teams:
  - {key: core, name: Core, members: [a1@core.test], schedule: primary, channels: [room]}
  - {key: loose, name: Loose, members: [a1@core.test]}
schedules:
  - key: primary
    layers: [{name: all, participants: [a1@core.test], start: "2026-01-05"}]
channels:
  - {key: room, url: "json://chat.core.test/room"}
escalation_policies:
  - key: p
    levels: [{notify: [TARGET]}]
  - {key: exec, levels: [{notify: [user:ic@core.test]}]}
services:
  - {key: api, name: API, escalation_policy: p, escalation_policies: {SEV0: exec}}
"""


def check(target: str, text: str = BASE) -> tuple[list[str], list[str]]:
    _, problems = config_service.load_files({"c.yaml": text.replace("TARGET", target)})
    return problems.lines(), problems.warnings()


def test_the_new_targets_are_accepted_without_warning() -> None:
    for target in ("oncall:core", "members:core", "members:loose", "channel:room"):
        assert check(target) == ([], []), target


def test_team_warns_that_it_means_the_on_call() -> None:
    problems, warnings = check("team:core")
    assert problems == []
    assert warnings == [
        "c.yaml:21: warning: escalation_policies[p].levels[0].notify[0]: "
        "team:core means core's on-call; write oncall:core or members:core"
    ]


def test_an_on_call_needs_a_schedule() -> None:
    for target in ("oncall:loose", "team:loose"):
        problems, _ = check(target)
        assert len(problems) == 1 and "team 'loose' has no on-call schedule" in problems[0]
        assert "members:loose" in problems[0]


def test_a_schedule_naming_the_team_is_its_on_call() -> None:
    text = BASE.replace('start: "2026-01-05"}]', 'start: "2026-01-05"}]\n    team: loose')
    assert check("oncall:loose", text) == ([], [])


def test_unknown_names_are_problems() -> None:
    assert check("channel:nope")[0] == [
        "c.yaml:21: escalation_policies[p].levels[0].notify[0]: "
        "'channel:nope': no channel 'nope' in channels"
    ]
    assert "no members 'nope' in teams" in check("members:nope")[0][0]


def test_team_schedule_channels_and_per_severity_policies_are_checked() -> None:
    text = (
        BASE.replace("schedule: primary", "schedule: nope")
        .replace("channels: [room]", "channels: [room, gone]")
        .replace("{SEV0: exec}", "{SEV0: missing, SEV9: exec}")
    )
    problems, _ = check("user:ic@core.test", text)
    assert problems == [
        "c.yaml:12: teams[core].schedule: unknown schedule 'nope'",
        "c.yaml:12: teams[core].channels[1]: unknown channel 'gone'",
        "c.yaml:24: services[api].escalation_policies.SEV0: unknown escalation policy 'missing'",
        "c.yaml:24: services[api].escalation_policies.SEV9: unknown severity 'SEV9' "
        "(known: SEV0, SEV1)",
    ]


def test_a_severity_names_its_fallback_policy() -> None:
    text = BASE.replace("    name: High\n", "    name: High\n    escalation_policy: nope\n")
    problems, _ = check("user:ic@core.test", text)
    assert problems == ["c.yaml:8: severities[SEV1].escalation_policy: unknown escalation policy "
                        "'nope'"]  # fmt: skip


def test_a_channel_needs_a_url_warroom_can_send_to() -> None:
    problems, _ = check("channel:room", BASE.replace("json://chat.core.test/room", "nope"))
    assert len(problems) == 1 and "channels[room].url" in problems[0]


def test_a_rung_may_fire_at_once_but_a_level_delay_may_not_be_zero() -> None:
    doc, problems = config_service.load_files({"c.yaml": BASE.replace("TARGET", "oncall:core")})
    assert not problems
    assert doc.raw()["severities"][0]["escalate_while_unresolved"][0]["after"] == "0s"
    text = BASE.replace("TARGET", "oncall:core").replace(
        "levels: [{notify: [oncall:core]}]",
        "repeat: 1\n    levels: [{notify: [oncall:core], escalate_after: 0s}]",
    )
    problems_zero, _ = check("", text)
    assert len(problems_zero) == 1 and "longer than zero" in problems_zero[0]
