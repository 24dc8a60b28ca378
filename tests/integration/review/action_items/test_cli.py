"""`warroom action-item ...` through the real CLI against the in-process app."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.integration.review.action_items.conftest import run_due
from warroom.clock import FakeClock
from warroom.engine.worker import Worker


def ok(cli: Callable[..., Any], *args: str) -> Any:
    result = cli("action-item", *args)
    assert result.exit_code == 0, result.output
    return result


def test_add_list_overdue_show_update_done(
    cli: Callable[..., Any], number: int, clock: FakeClock, worker: Worker
) -> None:
    soon = json.loads(
        ok(cli, "add", f"INC-{number}", "-t", "Page on queue depth", "-o", "ana@corp.test",
           "--impact", "high", "--effort", "low", "--json").stdout
    )  # fmt: skip
    later = json.loads(
        ok(cli, "add", str(number), "-t", "Rewrite the consumer", "-o", "bo@corp.test",
           "--impact", "high", "--effort", "high", "--json").stdout
    )  # fmt: skip
    assert (soon["priority"], later["priority"]) == ("P0", "P1")
    assert "no overdue action items" in ok(cli, "list", "--overdue").stdout
    clock.advance(days=8)
    run_due(worker)
    overdue = ok(cli, "list", "--overdue").stdout
    assert f"#{soon['id']}" in overdue and "OVERDUE" in overdue and "Page on queue" in overdue
    assert f"#{later['id']}" not in overdue
    mine = json.loads(ok(cli, "list", "--owner", "bo@corp.test", "--json").stdout)
    assert [i["id"] for i in mine] == [later["id"]]
    by_incident = json.loads(ok(cli, "list", "--incident", f"INC-{number}", "--json").stdout)
    assert {i["id"] for i in by_incident} == {soon["id"], later["id"]}
    shown = ok(cli, "show", str(soon["id"])).stdout
    assert "impact high, effort low -> P0 (this week)" in shown
    moved = ok(cli, "update", str(later["id"]), "--status", "in_progress", "--due", "2026-01-05")
    assert "in_progress" in moved.stdout and "OVERDUE" in moved.stdout
    ok(cli, "done", str(soon["id"]))
    left = json.loads(ok(cli, "list", "--overdue", "--json").stdout)
    assert [i["id"] for i in left] == [later["id"]]
    done = json.loads(ok(cli, "list", "--status", "done", "--json").stdout)
    assert [i["id"] for i in done] == [soon["id"]]


def test_bad_input_names_the_field(cli: Callable[..., Any], number: int) -> None:
    result = cli(
        "action-item", "add", str(number), "-t", "x", "-o", "nobody@corp.test",
        "--impact", "high", "--effort", "low",
    )  # fmt: skip
    assert result.exit_code == 1 and "field: owner" in result.output
    bad = cli(
        "action-item", "add", str(number), "-t", "x", "-o", "ana@corp.test",
        "--impact", "huge", "--effort", "low",
    )  # fmt: skip
    assert bad.exit_code == 1 and "field: impact" in bad.output
    assert "no action items" in ok(cli, "list").stdout
