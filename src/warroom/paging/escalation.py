"""Escalation planning: pure functions that say which targets to page at which offsets.

An escalation policy is a list of levels, each with targets and a delay before the next level;
after the last level the policy starts over `repeat` more times. The severity's "escalate while
unresolved" ladder is a separate list of rungs ({after_s, targets}) that fires regardless of
acknowledgement. Both are snapshotted as plain dicts when an incident opens; these functions
work on those snapshots so that a policy edited mid-incident does not change a running plan.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

TARGET_KINDS = ("user", "schedule", "team", "oncall", "members", "channel", "policy")


@dataclass(frozen=True)
class Level:
    targets: tuple[str, ...]
    delay_s: int


@dataclass(frozen=True)
class Policy:
    key: str
    levels: tuple[Level, ...]
    repeat: int = 0

    def snapshot(self) -> dict[str, Any]:
        """The plain-data form stored with the incident."""
        return {
            "key": self.key,
            "repeat": self.repeat,
            "levels": [{"targets": list(lv.targets), "delay_s": lv.delay_s} for lv in self.levels],
        }

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> Policy:
        levels = tuple(
            Level(tuple(lv.get("targets", [])), int(lv.get("delay_s", 0)))
            for lv in data.get("levels", [])
        )
        return cls(str(data.get("key", "")), levels, int(data.get("repeat", 0)))


@dataclass(frozen=True)
class Step:
    """Page `targets` at `at_s` seconds after the plan starts, as level `level` of round `round`."""

    at_s: int
    level: int
    round: int
    targets: tuple[str, ...]


def first_step(policy: Policy) -> Step | None:
    """Level 1 of round 0, due at once."""
    if not policy.levels:
        return None
    return Step(0, 0, 0, policy.levels[0].targets)


def next_step(policy: Policy, step: Step) -> Step | None:
    """The step after `step`, or None when the policy (with its repeats) is exhausted."""
    delay = policy.levels[step.level].delay_s
    level, round_ = step.level + 1, step.round
    if level >= len(policy.levels):
        level, round_ = 0, round_ + 1
        if round_ > policy.repeat:
            return None
    return Step(step.at_s + delay, level, round_, policy.levels[level].targets)


def plan(policy: Policy) -> list[Step]:
    """Every step of the policy, in order (what happens if nobody ever acknowledges)."""
    steps: list[Step] = []
    step = first_step(policy)
    while step is not None:
        steps.append(step)
        step = next_step(policy, step)
    return steps


@dataclass(frozen=True)
class Rung:
    """One rung of the unresolved ladder: page `targets` once unresolved for `after_s`."""

    index: int
    after_s: int
    targets: tuple[str, ...]


def ladder(rungs: list[dict[str, Any]]) -> list[Rung]:
    """The severity's unresolved_escalation list as rungs in time order."""
    parsed = [
        Rung(i, int(r.get("after_s", 0)), tuple(r.get("targets", [])))
        for i, r in enumerate(rungs or [])
    ]
    return sorted(parsed, key=lambda r: (r.after_s, r.index))


def pending_rungs(rungs: list[Rung], elapsed_s: float, fired: set[int]) -> list[tuple[Rung, int]]:
    """Rungs still to fire and the delay (from now) for each; overdue ones fire at once."""
    return [(r, max(0, int(r.after_s - elapsed_s))) for r in rungs if r.index not in fired]


def already_paged(rungs: list[Rung], paged: list[tuple[int, list[str]]]) -> list[int]:
    """The indices of `rungs` that already paged: a rung with the same delay and targets as
    one in `paged` ((after_s, targets) of the rungs fired so far, whatever their severity)."""
    done = {(int(after_s), frozenset(targets)) for after_s, targets in paged}
    return sorted(r.index for r in rungs if (r.after_s, frozenset(r.targets)) in done)


def parse_target(target: str) -> tuple[str, str]:
    """'user:ana@x' -> ('user', 'ana@x'); a bare e-mail is a user, a bare name a schedule."""
    kind, sep, name = target.partition(":")
    if sep and kind in TARGET_KINDS and name:
        return kind, name
    if not sep and target:
        return ("user", target) if "@" in target else ("schedule", target)
    raise ValueError(
        f"target {target!r} must be user:EMAIL, schedule:KEY, oncall:TEAM, members:TEAM "
        "or channel:KEY"
    )
