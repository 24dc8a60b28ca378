"""Scenario files: a good one is read in order with its offsets; a bad one is refused whole,
each problem as `file:line: what is wrong`."""

from __future__ import annotations

import pytest

from warroom.review.drills.scenario import ScenarioError, parse_scenario, stored

GOOD = """\
title: Checkout latency above 2s
steps:
  - at: 0m
    fire: latency
    summary: Checkout p99 above 2s
    labels: {alertname: CheckoutLatency, service: checkout}
    annotations: {description: p99 above 2s for 5 minutes}
  - at: 5m
    fire: errors
  - at: 1h30m
    resolve: latency
"""


def test_a_good_scenario_keeps_its_steps_and_offsets() -> None:
    scenario = stored(parse_scenario(GOOD, "drills/p2.yaml"))
    assert scenario["title"] == "Checkout latency above 2s"
    steps = [(s["at_s"], s["fire"], s["resolve"]) for s in scenario["steps"]]
    assert steps == [(0, "latency", None), (300, "errors", None), (5400, None, "latency")]
    assert scenario["steps"][0]["labels"] == {"alertname": "CheckoutLatency", "service": "checkout"}


def _problems(text: str) -> list[str]:
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(text, "drills/bad.yaml")
    return caught.value.problems


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("steps:\n  - at: 0m\n    fire: a\n  - at: soon\n    fire: b\n",
         "drills/bad.yaml:4: steps.1.at: Value error, 'soon' is not a duration"),
        ("steps:\n  - at: 0m\n    fire: a\n    lables: {x: y}\n",
         "drills/bad.yaml:4: steps.0.lables: Extra inputs are not permitted"),
        ("steps:\n  - at: 0m\n    fire: a\n  - at: 1m\n    fire: a\n",
         "drills/bad.yaml:5: alert 'a' is fired twice"),
        ("steps:\n  - at: 0m\n    fire: a\n  - at: 1m\n    resolve: b\n",
         "drills/bad.yaml:5: 'b' is not fired by an earlier step"),
        ("steps:\n  - at: 0m\n    summary: nothing to do\n",
         "drills/bad.yaml:2: a step either fires or resolves an alert: give fire or resolve"),
        ("steps:\n  - at: 8d\n    fire: a\n",
         "drills/bad.yaml:2: a step must come within 7 days of the start"),
        ("title: x\nsteps: []\n", "drills/bad.yaml:2: steps: List should have at least 1 item"),
        ("steps:\n  - at: 0m\n    fire: [a\n", "drills/bad.yaml:4: YAML syntax error"),
        ("title: x\n", "drills/bad.yaml:1: steps: Field required"),
    ],
)  # fmt: skip
def test_a_bad_scenario_names_file_and_line(text: str, expected: str) -> None:
    problems = _problems(text)
    assert any(p.startswith(expected) for p in problems), problems
