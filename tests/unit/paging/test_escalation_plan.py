"""Escalation planning as tables: levels, delays, repeats, the unresolved ladder."""

from __future__ import annotations

import pytest

from warroom.paging.escalation import (
    Level,
    Policy,
    ladder,
    parse_target,
    pending_rungs,
    plan,
)

ATLAS = Policy(
    "atlas-p0",
    (
        Level(("schedule:atlas-primary",), 300),
        Level(("user:lead@atlas.test",), 600),
        Level(("user:cto@atlas.test",), 900),
    ),
)


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (ATLAS, [(0, 0, 0), (300, 1, 0), (900, 2, 0)]),
        (
            Policy("r", ATLAS.levels, repeat=1),
            [(0, 0, 0), (300, 1, 0), (900, 2, 0), (1800, 0, 1), (2100, 1, 1), (2700, 2, 1)],
        ),
        (
            Policy("one", (Level(("user:a@x",), 60),), repeat=2),
            [(0, 0, 0), (60, 0, 1), (120, 0, 2)],
        ),
        (Policy("empty", ()), []),
    ],
)
def test_plan(policy: Policy, expected: list[tuple[int, int, int]]) -> None:
    assert [(s.at_s, s.level, s.round) for s in plan(policy)] == expected


def test_snapshot_round_trip() -> None:
    assert Policy.from_snapshot(ATLAS.snapshot()) == ATLAS


def test_ladder_sorted_and_pending() -> None:
    rungs = ladder(
        [
            {"after_s": 3600, "targets": ["user:cto@atlas.test"]},
            {"after_s": 1800, "targets": ["user:lead@atlas.test"]},
        ]
    )
    assert [(r.index, r.after_s) for r in rungs] == [(1, 1800), (0, 3600)]
    # 40 minutes in, after a severity change: the 30-minute rung is overdue and fires at once
    assert [(r.index, d) for r, d in pending_rungs(rungs, 2400, set())] == [(1, 0), (0, 1200)]
    assert [(r.index, d) for r, d in pending_rungs(rungs, 2400, {1})] == [(0, 1200)]


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("user:ana@x.test", ("user", "ana@x.test")),
        ("ana@x.test", ("user", "ana@x.test")),
        ("schedule:primary", ("schedule", "primary")),
        ("primary", ("schedule", "primary")),
        ("team:sre", ("team", "sre")),
    ],
)
def test_parse_target(text: str, parsed: tuple[str, str]) -> None:
    assert parse_target(text) == parsed


@pytest.mark.parametrize("text", ["", "robot:x", "user:"])
def test_parse_target_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_target(text)
