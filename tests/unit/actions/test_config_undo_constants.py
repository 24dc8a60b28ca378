"""An undo parameter written as plain text passes its action's checks at config check.

examples/oracle's switch-rpc is undone with `endpoint: https://primary-rpc.example.com`, one
of the enum's values. With a typo there (`exmaple`) config check said ok, the run succeeded,
and each `warroom action revert` then failed with 'endpoint must be one of ...' (a 422): the
mitigation could not be undone, and a run keeps the undo it was requested with, so applying
a corrected config did not help it (seen on a real warroom serve)."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.config.service import load_directory

PACK = """
actions:
  - id: switch-rpc
    title: Switch RPC
    kind: command
    argv: [switch, "{{{{ endpoint }}}}"]
    params:
      - {{name: endpoint, type: enum, values: [https://backup.example.com, https://primary.example.com]}}
      - {{name: count, type: integer, min: 1, max: 5, required: false}}
    undo: {{action: switch-rpc, params: {undo}}}
"""


def problems_of(tmp_path: Path, undo: str) -> str:
    (tmp_path / "actions.yaml").write_text(PACK.format(undo=undo))
    _, problems = load_directory(tmp_path)
    return "\n".join(problems.lines())


@pytest.mark.parametrize(
    ("undo", "expected"),
    [
        (
            "{endpoint: https://primary.exmaple.com}",
            "actions[switch-rpc].undo.params.endpoint: endpoint must be one of "
            "https://backup.example.com, https://primary.example.com",
        ),
        (
            '{endpoint: https://primary.example.com, count: "9"}',
            "actions[switch-rpc].undo.params.count: count must be between 1 and 5",
        ),
    ],
)
def test_a_plain_undo_value_its_action_refuses_is_a_problem(
    tmp_path: Path, undo: str, expected: str
) -> None:
    assert expected in problems_of(tmp_path, undo)


@pytest.mark.parametrize(
    "undo",
    [
        "{endpoint: https://primary.example.com}",
        '{endpoint: https://primary.example.com, count: "2"}',
        # A template is judged when the revert renders it from the run's own values.
        '{endpoint: "{{ endpoint }}"}',
        '{endpoint: "{% if endpoint %}x{% endif %}"}',
    ],
)
def test_a_value_its_action_accepts_or_a_template_passes(tmp_path: Path, undo: str) -> None:
    assert "undo.params" not in problems_of(tmp_path, undo)
