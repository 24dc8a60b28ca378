"""The `drills` config section: drills the engine starts when due, paging who takes part.

drills:
  - name: p2-monthly                 # unique key
    severity: P2
    service: checkout                # optional
    every: monthly                   # weekly | monthly | quarterly | yearly
    day: 1                           # weekday 1-7 (Monday 1) for weekly, else day of month 1-28
    month: 1                         # yearly only: the month, 1-12
    at: "10:00"                      # time of day, in time_zone
    time_zone: Europe/Berlin         # optional: an IANA name, UTC by default
    participants: [oncall:core, user:ic@corp.test]
    title: Monthly P2 drill          # optional: the drill incident's title
    scenario_file: drills/p2.yaml    # optional: a scenario (or `scenario:` with its YAML text)
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, cast

from pydantic import Field, field_validator
from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.config.document import ConfigDocument, Plan, Problems
from warroom.config.registry import Section
from warroom.config.targets import check_targets
from warroom.config.types import ConfigModel, Key, Target
from warroom.engine import service as engine
from warroom.redaction import mask_document
from warroom.review.drills import schedule
from warroom.review.drills.scenario import ScenarioError, parse_scenario

DUE_KIND = "review.drill.due"


class DrillSchedule(ConfigModel):
    name: Key
    severity: str = Field(min_length=1, max_length=32)
    service: str | None = Field(default=None, max_length=64)
    every: Literal["weekly", "monthly", "quarterly", "yearly"]
    day: int = Field(default=1, ge=1, le=28)
    month: int = Field(default=1, ge=1, le=12)
    at: str = "10:00"
    time_zone: str = "UTC"
    participants: list[Target] = Field(default_factory=list, max_length=50)
    title: str = Field(default="", max_length=280)
    scenario: str | None = Field(default=None, max_length=100_000)

    @field_validator("at")
    @classmethod
    def _time_of_day(cls, value: str) -> str:
        schedule.parse_at(value)
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        return schedule.check_zone(value)

    def rule(self) -> schedule.Rule:
        hour, minute = schedule.parse_at(self.at)
        return schedule.Rule(self.every, self.day, self.month, hour, minute, self.time_zone)


def check(doc: ConfigDocument, problems: Problems) -> None:
    severities = doc.identities("severities")
    services = doc.identities("services")
    for index, item in doc.entries("drills"):
        assert isinstance(item, DrillSchedule)
        if item.severity not in severities:
            known = ", ".join(sorted(severities)) or "none defined"
            problems.add(
                "drills", index, "severity", f"unknown severity {item.severity!r} (known: {known})"
            )
        if item.service is not None and item.service not in services:
            problems.add("drills", index, "service", f"unknown service {item.service!r}")
        if item.every == "weekly" and item.day > 7:
            problems.add("drills", index, "day", "a weekly drill's day is a weekday, 1-7")
        check_targets(doc, problems, "drills", index, "participants", item.participants)
        if item.scenario is not None:
            try:
                parse_scenario(item.scenario)
            except ScenarioError as exc:
                for line, message in exc.items:
                    problems.add("drills", index, "scenario", f"scenario line {line}: {message}")


def due_key(name: str) -> str:
    """The dedup key of a schedule's pending start (one per schedule)."""
    return f"{DUE_KIND}:{name}"


def _values(item: DrillSchedule) -> dict[str, Any]:
    values = item.model_dump(mode="json", exclude={"scenario"})
    values["scenario"] = bool(item.scenario)
    if values.get("time_zone") == "UTC":
        del values["time_zone"]  # as rules were kept before time_zone: unchanged, not replanned
    return values


def plan_next(session: Session, clock: Clock, item: DrillSchedule, after: datetime) -> None:
    """Queue the schedule's next start, after `after` (replacing a pending one); the job keeps
    the applied rule, so the next apply can tell what changed."""
    due = schedule.next_after(item.rule(), after)
    engine.cancel(session, dedup_key=due_key(item.name), clock=clock)
    payload = {"name": item.name, "due": due.isoformat(), "rule": _values(item)}
    engine.enqueue(session, clock, DUE_KIND, payload, run_at=due, dedup_key=due_key(item.name))


def _pending(session: Session) -> dict[str, dict[str, Any]]:
    jobs = engine.list_jobs(session, state="pending", kind=DUE_KIND, limit=1000)
    return {str(j.payload.get("name")): dict(j.payload) for j in jobs}


def apply(session: Session, clock: Clock, doc: ConfigDocument, plan: Plan) -> None:
    from warroom.config import service as config_service

    pending = _pending(session)
    stored = {i["name"]: i for i in config_service.current_section(session, "drills") or []}
    seen: set[str] = set()
    for item in cast("list[DrillSchedule]", doc.items("drills")):
        seen.add(item.name)
        old, rule = pending.get(item.name, {}).get("rule"), _values(item)
        # The pending start keeps the rule; the scenario's text is read from the stored
        # document when the drill starts, so the plan compares it there.
        shown_old = None if old is None else _compared(old, stored.get(item.name, {}))
        shown_new = _compared(rule, mask_document(item.model_dump(mode="json")))
        plan.compare("drill", item.name, shown_old, shown_new)
        if old != rule:
            plan_next(session, clock, item, clock.now())
    for name in sorted(set(pending) - seen):
        engine.cancel(session, dedup_key=due_key(name), clock=clock)
        plan.delete("drill", name, "no longer scheduled")


def _compared(rule: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """The rule but its `scenario` (which only says whether there is one), then every other
    field of the config item: the scenario's text, as the stored document has it."""
    kept = {k: v for k, v in rule.items() if k != "scenario"}
    return kept | {k: v for k, v in item.items() if k not in kept and k != "name"}


def schedules(session: Session) -> dict[str, DrillSchedule]:
    """The drills section of the current config, by name."""
    from warroom.config import service as config_service

    raw = config_service.current_section(session, "drills") or []
    return {str(r["name"]): DrillSchedule.model_validate(r) for r in raw}


SECTIONS: list[Section] = [
    Section(
        "drills",
        DrillSchedule,
        identity="name",
        check=check,
        apply=apply,
        order=120,
        description="Drills the engine starts on schedule, paging who takes part",
    )
]
