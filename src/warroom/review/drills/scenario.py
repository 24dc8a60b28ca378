"""Drill scenarios: a YAML file of steps, each at an offset from the drill's start, firing or
resolving a synthetic alert. A bad file is refused whole with `file:line: what is wrong`.

    title: Checkout latency above 2s   # optional: the drill incident's title
    steps:
      - at: 0m
        fire: checkout-latency          # a name for the alert, unique in the scenario
        summary: Checkout p99 latency above 2s
        labels: {alertname: CheckoutLatency, service: checkout}
        annotations: {description: p99 above 2s for 5 minutes}
      - at: 20m
        resolve: checkout-latency
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field, ValidationError

from warroom.config.loader import SourceFile, parse
from warroom.config.types import ConfigModel, Delay, Key

MAX_STEPS = 100
MAX_OFFSET = timedelta(days=7)


class ScenarioError(ValueError):
    """A scenario that cannot run; `problems` are `file:line: message` lines."""

    def __init__(self, name: str, items: list[tuple[int, str]]) -> None:
        self.items = items  # (line in the scenario text, message)
        self.problems = [f"{name}:{line}: {message}" for line, message in items]
        super().__init__("; ".join(self.problems))


class Step(ConfigModel):
    at: Delay
    fire: Key | None = None
    resolve: Key | None = None
    summary: str = Field(default="", max_length=500)
    labels: dict[str, str] = Field(default_factory=dict)
    annotations: dict[str, str] = Field(default_factory=dict)


class Scenario(ConfigModel):
    title: str = Field(default="", max_length=280)
    steps: list[Step] = Field(min_length=1, max_length=MAX_STEPS)


def _line(lines: dict[tuple[Any, ...], int], path: tuple[Any, ...]) -> int:
    """The line of a path, or of its nearest parent that has one."""
    while path and path not in lines:
        path = path[:-1]
    return lines.get(path, 1)


def _steps_problems(scenario: Scenario) -> list[tuple[tuple[Any, ...], str]]:
    """Cross-step checks: one action per step, names fired once, resolves after their fire."""
    found: list[tuple[tuple[Any, ...], str]] = []
    fired: dict[str, timedelta] = {}
    for n, step in enumerate(scenario.steps):
        where = ("steps", n)
        if step.at > MAX_OFFSET:
            found.append(((*where, "at"), "a step must come within 7 days of the start"))
        if (step.fire is None) == (step.resolve is None):
            found.append((where, "a step either fires or resolves an alert: give fire or resolve"))
        elif step.fire is not None:
            if step.fire in fired:
                found.append(((*where, "fire"), f"alert {step.fire!r} is fired twice"))
            fired[step.fire] = step.at
        elif step.resolve not in fired or fired[step.resolve] > step.at:
            found.append(((*where, "resolve"), f"{step.resolve!r} is not fired by an earlier step"))
        if step.resolve is not None and (step.labels or step.annotations or step.summary):
            found.append((where, "a resolve step takes no summary, labels or annotations"))
    return found


def parse_scenario(text: str, name: str = "scenario") -> Scenario:
    """The scenario in `text` (YAML), or ScenarioError naming each problem's line."""
    loaded, issues = parse(SourceFile(name, text), env={}, references=False)
    if issues:
        raise ScenarioError(name, [(i.line, i.message) for i in issues])
    try:
        scenario = Scenario.model_validate(loaded.data)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            path = tuple(error["loc"])
            label = ".".join(str(p) for p in path) or "scenario"
            problems.append((_line(loaded.lines, path), f"{label}: {error['msg']}"))
        raise ScenarioError(name, problems) from None
    cross = _steps_problems(scenario)
    if cross:
        raise ScenarioError(name, [(_line(loaded.lines, path), message) for path, message in cross])
    return scenario


def stored(scenario: Scenario) -> dict[str, Any]:
    """The scenario as kept on the drill row (offsets in seconds), steps in file order."""
    steps = [
        {
            "at_s": int(step.at.total_seconds()),
            "fire": step.fire,
            "resolve": step.resolve,
            "summary": step.summary,
            "labels": dict(step.labels),
            "annotations": dict(step.annotations),
        }
        for step in scenario.steps
    ]
    return {"title": scenario.title, "steps": steps}
