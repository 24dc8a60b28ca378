"""Every kind of config mistake is reported as file:line: message, pointing at the culprit."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.config.helpers import write
from warroom.config.service import load_directory

TEAM = "teams:\n  - key: sre\n    name: SRE\n"

CASES: dict[str, tuple[dict[str, str], list[str]]] = {
    "yaml syntax error": (
        {"services.yaml": "services:\n  - key: api\n    name: API: gateway\n"},
        ["services.yaml:3: YAML syntax error: mapping values are not allowed here"],
    ),
    "duplicate key in a mapping": (
        {"services.yaml": "services:\n  - key: api\n    name: API\n    name: Again\n"},
        ["services.yaml:4: duplicate key 'name' (first at line 3)"],
    ),
    "unknown section": (
        {"extra.yaml": "# comment\nservice:\n  - key: x\n"},
        ["extra.yaml:2: unknown section 'service'; did you mean 'services'?"],
    ),
    "unknown field": (
        {"services.yaml": "services:\n  - key: api\n    name: API\n    tema: sre\n"},
        ["services.yaml:4: services[api].tema: unknown field; did you mean 'team'?"],
    ),
    "wrong type": (
        {"severities.yaml": "severities:\n  - key: SEV1\n    name: High\n    page: maybe\n"},
        ["severities.yaml:4: severities[SEV1].page: expected true or false, got 'maybe'"],
    ),
    "bad duration": (
        {
            "severities.yaml": (
                "severities:\n  - key: SEV1\n    name: High\n    resolve_within: 2 hours\n"
            )
        },
        [
            "severities.yaml:4: severities[SEV1].resolve_within: '2 hours' is not a duration "
            "like 90s, 15m, 4h, 1d or 2h30m"
        ],
    ),
    "unknown team reference": (
        {"services.yaml": "services:\n  - key: api\n    name: API\n    team: platform\n"},
        ["services.yaml:4: services[api].team: unknown team 'platform' (known: sre)"],
    ),
    "duplicate service key": (
        {
            "services.yaml": (
                "services:\n  - key: api\n    name: API\n  - key: api\n    name: Again\n"
            )
        },
        [
            "services.yaml:4: services[api].key: duplicate key 'api' (first "
            "defined at {d}/services.yaml:2)"
        ],
    ),
    "unknown severity in matrix": (
        {
            "matrix.yaml": """\
                severity_matrix:
                  questions:
                    - key: scope
                      text: What is down?
                      answers: [total, partial]
                  rules:
                    - when: {scope: total}
                      severity: SEV0
                """
        },
        [
            "matrix.yaml:8: severity_matrix.rules[0].severity: unknown severity "
            "'SEV0' (known: SEV1, SEV2)"
        ],
    ),
    "answer not offered by the question": (
        {
            "matrix.yaml": """\
                severity_matrix:
                  questions:
                    - key: scope
                      text: What is down?
                      answers: [total, partial]
                  rules:
                    - when:
                        scope: everything
                      severity: SEV1
                """
        },
        [
            "matrix.yaml:8: severity_matrix.rules[0].when.scope: 'everything' is not an answer "
            "of 'scope' (allowed: total, partial)"
        ],
    ),
    "missing environment variable": (
        {"services.yaml": "services:\n  - key: api\n    name: ${API_NAME_FOR_TEST}\n"},
        ["services.yaml:3: environment variable 'API_NAME_FOR_TEST' is not set"],
    ),
    "missing *_file": (
        {
            "services.yaml": (
                "services:\n  - key: api\n    description_file: nope.txt\n    name: API\n"
            )
        },
        ["services.yaml:3: description_file: file '{d}/nope.txt' does not exist"],
    ),
    "invalid time zone": (
        {
            "org.yaml": (
                "users:\n  - email: ann@example.com\n    name: Ann\n    time_zone: "
                "Europe/Atlantis\n"
            )
            + TEAM
        },
        [
            "org.yaml:4: users[ann@example.com].time_zone: unknown time zone 'Europe/Atlantis' "
            "(use an IANA name like Europe/Paris)"
        ],
    ),
    "bad role": (
        {"org.yaml": "users:\n  - email: ann@example.com\n    name: Ann\n    role: root\n" + TEAM},
        [
            "org.yaml:4: users[ann@example.com].role: Input should be 'viewer', 'responder' or "
            "'admin' (got 'root')"
        ],
    ),
    "invalid target syntax": (
        {
            "severities.yaml": """\
                severities:
                  - key: SEV1
                    name: High
                    escalate_while_unresolved:
                      - after: 30m
                        notify:
                          - team:sre
                          - pager:duty
                """
        },
        [
            "severities.yaml:8: severities[SEV1].escalate_while_unresolved[0].notify[1]: "
            "'pager:duty': unknown target kind 'pager'; expected one of user, "
            "team, schedule, policy, oncall, members, channel"
        ],
    ),
    "target naming an unknown user": (
        {
            "severities.yaml": """\
                severities:
                  - key: SEV1
                    name: High
                    escalate_while_unresolved:
                      - after: 1h
                        notify: [user:cto@example.com]
                """
        },
        [
            "severities.yaml:6: severities[SEV1].escalate_while_unresolved[0].notify[0]: "
            "'user:cto@example.com': no user 'cto@example.com' in users"
        ],
    ),
    "missing required field": (
        {"services.yaml": "services:\n  - key: api\n    team: sre\n"},
        ["services.yaml:2: services[api].name: required field is missing"],
    ),
    "team member who is not a user": (
        {
            "org.yaml": "users:\n  - email: ann@example.com\n    name: Ann\n"
            "teams:\n  - key: sre\n    name: SRE\n    members:\n      - ann@example.com\n"
            "      - zed@example.com\n"
        },
        ["org.yaml:9: teams[sre].members[1]: no user 'zed@example.com' in users"],
    ),
    "escalation ladder out of order": (
        {
            "severities.yaml": """\
                severities:
                  - key: SEV1
                    name: High
                    escalate_while_unresolved:
                      - {after: 1h, notify: [team:sre]}
                      - {after: 30m, notify: [team:sre]}
                """
        },
        [
            "severities.yaml:4: severities[SEV1].escalate_while_unresolved: steps must be in "
            "increasing order of `after`"
        ],
    ),
    "section that should be a list": (
        {"services.yaml": "services:\n  key: api\n"},
        ["services.yaml:1: services must be a list of items"],
    ),
    "top level that is not a mapping": (
        {"services.yaml": "- key: api\n"},
        [
            "services.yaml:1: the top level must be a mapping of sections "
            "(severities:, services:, ...)"
        ],
    ),
    "single-object section given twice": (
        {
            "a.yaml": "severity_matrix:\n  questions: []\n  rules: []\n",
            "b.yaml": "\nseverity_matrix:\n  questions: []\n",
        },
        [
            "a.yaml:2: severity_matrix.questions: List should have at least 1 item after "
            "validation, not 0",
            "a.yaml:3: severity_matrix.rules: List should have at least 1 item "
            "after validation, not 0",
            "b.yaml:2: severity_matrix is already defined at {d}/a.yaml:1",
        ],
    ),
    "bad e-mail address": (
        {"org.yaml": "users:\n  - email: ann.example.com\n    name: Ann\n" + TEAM},
        ["org.yaml:2: users[ann.example.com].email: 'ann.example.com' is not an e-mail address"],
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_mistake_is_reported_at_its_line(case: str, tmp_path: Path) -> None:
    files, expected = CASES[case]
    directory = write(tmp_path / "cfg", files)
    _, problems = load_directory(directory)
    lines = list(problems)
    wanted = [f"{directory}/{line.format(d=directory)}" for line in expected]
    if case == "unknown section":
        assert len(lines) == 1 and lines[0].startswith(wanted[0])
    else:
        assert lines == wanted


def test_problems_from_several_files_come_in_file_order(tmp_path: Path) -> None:
    directory = write(
        tmp_path / "cfg",
        {
            "services.yaml": "services:\n  - key: api\n    name: API\n    team: nope\n",
            "org.yaml": "users:\n  - email: ann@example.com\n    name: Ann\n    role: boss\n",
        },
    )
    _, problems = load_directory(directory)
    assert [line.split(": ")[0] for line in problems] == [
        f"{directory}/org.yaml:4",
        f"{directory}/services.yaml:4",
    ]
    assert bool(problems) and len(problems) == 2


def test_missing_directory_is_one_problem(tmp_path: Path) -> None:
    _, problems = load_directory(tmp_path / "nowhere")
    assert list(problems) == [f"{tmp_path}/nowhere: no such config directory or file"]


def test_unknown_nested_field_suggests_the_right_one(tmp_path: Path) -> None:
    directory = write(
        tmp_path / "cfg",
        {
            "severities.yaml": """\
                severities:
                  - key: SEV1
                    name: High
                    postmortem:
                      requird: true
                    escalate_while_unresolved:
                      - aftr: 1h
                        notify: [team:sre]
                """
        },
    )
    _, problems = load_directory(directory)
    assert list(problems) == [
        f"{directory}/severities.yaml:5: severities[SEV1].postmortem.requird: unknown field; "
        "did you mean 'required'?",
        f"{directory}/severities.yaml:7: severities[SEV1].escalate_while_unresolved[0].after: "
        "required field is missing",
        f"{directory}/severities.yaml:7: severities[SEV1].escalate_while_unresolved[0].aftr: "
        "unknown field; did you mean 'after'?",
    ]
