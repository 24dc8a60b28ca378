"""`warroom simulate`: an incident played on a fake clock through the real paging code.

The simulator builds its own throw-away SQLite database, so these tests need no `db` fixture;
they run the real CLI (Typer's runner) and the real service function.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from tests.integration.paging.world import ORG
from warroom.cli.main import app
from warroom.notify import senders
from warroom.simulation import service
from warroom.simulation.schemas import Scenario, SimulationResult

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
START = "2026-01-01T12:00+00:00"  # atlas-primary's first shift: oncall1 is on call
# pack -> (its top severity, a service of the pack, (step, who) pairs its document requires)
PACKS: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    # Atlas: "P0 -> tech lead at 30 min unresolved, CTO at 1 h".
    "atlas": (
        "P0",
        "proof-validation",
        [("unresolved 30m", "tech-lead@atlas.example"), ("unresolved 1h", "cto@atlas.example")],
    ),
    # Exchange: the whole trading-core team is paged at the last level.
    "exchange": ("P0", "matching-engine", [("level 3", "ic@exchange.example")]),
    # Oracle: "immediate paging of core team" for SEV0, executive escalation (the CTO).
    "oracle": ("SEV0", "api-gateway", [("level 1", "oncall@oracle.example")]),
}


@pytest.fixture
def org_dir(tmp_path: Path) -> Path:
    (tmp_path / "org").mkdir()
    (tmp_path / "org" / "org.yaml").write_text(ORG)
    return tmp_path / "org"


@pytest.fixture
def guard() -> Iterator[senders.FakeSender]:
    """A fake sender in place of the real one: the simulation must not use it."""
    fake = senders.FakeSender()
    senders.set_sender(fake)
    yield fake
    senders.set_sender(None)


def run(*args: str) -> Any:
    return CliRunner().invoke(app, ["simulate", *args])


def play(directory: Path, **fields: Any) -> SimulationResult:
    doc, problems = service.load_config(directory)
    assert not problems, problems
    start = datetime.fromisoformat(fields.pop("start", START))
    return service.simulate(doc, Scenario(start=start, **fields))


def pages(result: SimulationResult) -> list[tuple[float, str, str, str]]:
    return [(r.minute, r.who, r.contact, r.step) for r in result.rows if r.kind == "page"]


def test_nobody_acks_for_six_hours(org_dir: Path, guard: senders.FakeSender) -> None:
    result = play(org_dir, severity="P0", service="api", hours=6)
    assert pages(result) == [
        (0.0, "oncall1@atlas.test", "push (webhook)", "level 1"),
        (2.0, "oncall1@atlas.test", "mail (webhook)", "level 1"),  # the second rule
        (5.0, "lead@atlas.test", "push (webhook)", "level 2"),
        (30.0, "lead@atlas.test", "push (webhook)", "unresolved 30m"),
        (60.0, "cto@atlas.test", "push (webhook)", "unresolved 1h"),
    ]
    assert result.rows[1].why == "schedule:atlas-primary, rule 2 at +2m"
    assert result.policy == "atlas" and result.status == "triggered"
    assert result.end - result.start == timedelta(hours=6)
    due = {d.target: d.outcome for d in result.due}
    assert due["acknowledge"] == "missed"
    assert guard.sent == [] and senders.get_sender() is guard  # nothing sent, sender restored


def test_ack_stops_escalation_not_the_ladder(org_dir: Path) -> None:
    result = play(org_dir, severity="P0", service="api", ack_after=timedelta(minutes=1))
    assert pages(result) == [
        (0.0, "oncall1@atlas.test", "push (webhook)", "level 1"),
        (30.0, "lead@atlas.test", "push (webhook)", "unresolved 30m"),
        (60.0, "cto@atlas.test", "push (webhook)", "unresolved 1h"),
    ]
    acks = [r for r in result.rows if r.kind == "action"]
    assert [(a.minute, a.who, a.step) for a in acks] == [(1.0, "oncall1@atlas.test", "ack")]
    due = {d.target: d for d in result.due}
    assert due["acknowledge"].outcome == "met"
    assert due["acknowledge"].done_at == result.start + timedelta(minutes=1)


def test_resolve_stops_the_ladder(org_dir: Path) -> None:
    result = play(
        org_dir,
        severity="P0",
        service="api",
        ack_after=timedelta(minutes=12),
        resolve_after=timedelta(minutes=45),
        ack_by="lead@atlas.test",
    )
    assert pages(result)[-1] == (30.0, "lead@atlas.test", "push (webhook)", "unresolved 30m")
    assert all(r.minute <= 45 for r in result.rows)
    assert [(r.step, r.who) for r in result.rows if r.kind == "action"] == [
        ("ack", "lead@atlas.test"),
        ("resolve", "lead@atlas.test"),
    ]
    assert result.status == "resolved"
    assert {d.target: d.outcome for d in result.due}["acknowledge"] == "missed"  # 12m > 5m


def test_labels_go_through_routing(org_dir: Path) -> None:
    result = play(org_dir, labels={"service": "api", "severity": "P0"})
    assert result.services == ["api"] and result.severity == "P0"
    assert pages(result)[0] == (0.0, "oncall1@atlas.test", "push (webhook)", "level 1")


def test_start_time_zone_is_kept_and_schedules_follow_it(org_dir: Path) -> None:
    # 2026-01-02 10:00 in Paris is 09:00 UTC: the hand-off to oncall2.
    result = play(org_dir, severity="P0", service="api", start="2026-01-02T10:00+01:00", hours=1)
    assert result.rows[0].who == "oncall2@atlas.test"
    assert result.rows[0].at.isoformat() == "2026-01-02T10:00:00+01:00"


def test_json_shape(org_dir: Path) -> None:
    out = run(str(org_dir), "--severity", "P0", "--service", "api", "--start", START, "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert set(data) >= {"incident", "severity", "policy", "start", "end", "rows", "due"}
    assert set(data["rows"][0]) == {"kind", "minute", "at", "who", "contact", "step", "why"}
    assert data["rows"][0]["at"] == "2026-01-01T12:00:00Z"
    assert [d["target"] for d in data["due"]] == ["acknowledge", "respond", "resolve"]


def test_table_output(org_dir: Path) -> None:
    out = run(str(org_dir), "--severity", "P0", "--service", "api", "--start", START)
    assert out.exit_code == 0, out.output
    assert "Who is paged when" in out.stdout and "Due times" in out.stdout
    assert "lead@atlas.test" in out.stdout and "unresolved" in out.stdout


def test_compare_with_shows_both_runs(org_dir: Path, tmp_path: Path) -> None:
    changed = tmp_path / "changed"
    changed.mkdir()
    (changed / "org.yaml").write_text(ORG.replace("{after: 30m, notify", "{after: 0s, notify"))
    args = ["--severity", "P0", "--service", "api", "--start", START]
    out = run(str(changed), *args, "--compare-with", str(org_dir), "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    steps = {r["step"] for r in data["after"]["rows"]}
    assert "unresolved at once" in steps and "unresolved 30m" not in steps
    assert "unresolved 30m" in {r["step"] for r in data["before"]["rows"]}
    table = run(str(changed), *args, "--compare-with", str(org_dir))
    assert table.exit_code == 0, table.output
    assert "before" in table.stdout and "after" in table.stdout


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--severity", "P9"], "--severity"),
        (["--severity", "P0", "--service", "nope"], "--service"),
        (["--severity", "P0", "--ack-after", "5x"], "--ack-after"),
        (["--severity", "P0", "--ack-after", "1h", "--resolve-after", "5m"], "--resolve-after"),
        (["--severity", "P0", "--hours", "0"], "--hours"),
        (["--severity", "P0", "--ack-by", "nobody@x.test"], "--ack-by"),
        (["--severity", "P0", "--start", "tuesday"], "--start"),
        (["--severity", "P0", "--tz", "Mars/Base"], "--tz"),
        (["--labels", "nolabel"], "--labels"),
        (["--labels", "a=b", "--integration", "nope"], "--integration"),
        ([], "--severity"),
    ],
)
def test_bad_options_give_one_line(org_dir: Path, args: list[str], option: str) -> None:
    out = run(str(org_dir), *args)
    assert out.exit_code == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {option}:"), out.stderr


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_pack_top_severity_unacknowledged_for_six_hours(pack: str) -> None:
    severity, service_key, required = PACKS[pack]
    result = play(EXAMPLES / pack, severity=severity, service=service_key, hours=6)
    rows = [r for r in result.rows if r.kind == "page"]
    assert rows and rows[0].minute == 0 and rows[0].step == "level 1", rows[:1]
    assert [r.minute for r in result.rows] == sorted(r.minute for r in result.rows)
    assert all(0 <= r.minute <= 360 for r in result.rows)
    assert all(r.contact and r.why for r in rows)
    seen = {(r.step, r.who) for r in rows}
    for step, who in required:
        assert (step, who) in seen, (step, who, sorted(seen))
    assert {d.target: d.outcome for d in result.due}["acknowledge"] in ("missed", "none")
    assert result.status == "triggered" and result.start.tzinfo is not None
    assert result.start.astimezone(UTC) == datetime(2026, 1, 1, 12, tzinfo=UTC)


def test_nobody_on_call_is_shown(tmp_path: Path) -> None:
    # The rotation starts a year later: at the start nobody is on call on atlas-primary.
    (tmp_path / "org.yaml").write_text(ORG.replace('start: "2026-01-01"', 'start: "2027-01-01"'))
    result = play(tmp_path, severity="P0", service="api", hours=1)
    nobody = [r for r in result.rows if r.kind == "nobody"]
    assert nobody and nobody[0].minute == 0 and nobody[0].step == "level 1"
    assert "schedule:atlas-primary" in nobody[0].why
    assert (5.0, "lead@atlas.test", "push (webhook)", "level 2") in pages(result)
