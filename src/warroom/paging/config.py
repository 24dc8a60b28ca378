"""Config sections of paging: `schedules`, `escalation_policies`, and people's contact methods.

Users belong to the catalog's `users` section; it passes `contact_methods` and
`notification_rules` through untouched, and this module validates them (in the `schedules`
check) and writes them into paging's tables (in the `schedules` apply, which runs after users).

    schedules:
      - key: atlas-primary
        name: Atlas primary on-call
        time_zone: Europe/Berlin
        layers:
          - name: weekly
            participants: [jane@atlas.test, john@atlas.test]
            shift: weekly            # hourly | daily | weekly | custom
            length: 1                # hours/days/weeks per shift (custom: shift_length: 36h)
            start: "2026-01-05"      # first hand-off day, at `handoff` in the time zone
            handoff: "09:00"
            restrictions: [{days: [mon, tue, wed, thu, fri], start: "09:00", end: "17:00"}]
    escalation_policies:
      - key: atlas-p0
        repeat: 1
        levels:
          - notify: [schedule:atlas-primary]
            escalate_after: 15m
          - notify: [user:lead@atlas.test]
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Literal, cast
from zoneinfo import ZoneInfo

from pydantic import Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.config import service as config_service
from warroom.config.document import ConfigDocument, Plan, Problems
from warroom.config.plan import config_name
from warroom.config.registry import Section
from warroom.config.targets import check_targets
from warroom.config.types import ConfigModel, Duration, Email, Key, Target, check_time_zone
from warroom.paging import channels, levels, peopleconfig
from warroom.paging.handoff import plan_all
from warroom.paging.models import EscalationPolicy, Schedule
from warroom.paging.people import new_feed_token, to_pure
from warroom.paging.rotations import local_instant, parse_restriction, parse_time
from warroom.paging.schedules import on_call_at
from warroom.redaction import mask_document


def _zone(value: str | None) -> str | None:
    return None if value is None else check_time_zone(value, "Europe/Berlin")


class RestrictionConfig(ConfigModel):
    days: list[str] = ["mon", "tue", "wed", "thu", "fri"]
    start: str
    end: str

    @model_validator(mode="after")
    def _valid(self) -> RestrictionConfig:
        parse_restriction(self.days, self.start, self.end)
        return self


class LayerConfig(ConfigModel):
    name: str = Field(min_length=1, max_length=100)
    participants: list[Email] = Field(min_length=1)
    shift: Literal["hourly", "daily", "weekly", "custom"] = "weekly"
    length: int = Field(default=1, ge=1, le=1000)
    shift_length: Duration | None = None
    start: str
    handoff: str = "09:00"
    time_zone: str | None = None
    priority: int | None = None
    restrictions: list[RestrictionConfig] = []
    end: str | None = None

    @field_validator("time_zone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return _zone(value)

    @field_validator("handoff")
    @classmethod
    def _handoff(cls, value: str) -> str:
        parse_time(value)
        return value

    @field_validator("start", "end")
    @classmethod
    def _when(cls, value: str | None) -> str | None:
        if value is not None:
            _parse_when(value)
        return value

    @model_validator(mode="after")
    def _custom(self) -> LayerConfig:
        if self.shift == "custom" and self.shift_length is None:
            raise ValueError("a custom shift needs shift_length (e.g. 36h)")
        if self.shift != "custom" and self.shift_length is not None:
            raise ValueError("shift_length is only for shift: custom; use length")
        return self


class ScheduleConfig(ConfigModel):
    key: Key
    name: str = Field(default="", max_length=200)
    description: str = ""
    time_zone: str = "UTC"
    team: str | None = None
    handoff_notify: bool = True
    layers: list[LayerConfig] = Field(min_length=1)

    @field_validator("time_zone")
    @classmethod
    def _tz(cls, value: str | None) -> str | None:
        return _zone(value)


class LevelConfig(ConfigModel):
    notify: list[Target] = Field(min_length=1)
    escalate_after: Duration | None = None


class EscalationPolicyConfig(ConfigModel):
    key: Key
    name: str = Field(default="", max_length=200)
    description: str = ""
    repeat: int = Field(default=0, ge=0, le=20)
    levels: list[LevelConfig] = Field(min_length=1)
    # Pages incidents whose services name no policy (or that have no service); one at most.
    default: bool = False

    @model_validator(mode="after")
    def _delays(self) -> EscalationPolicyConfig:
        for n, level in enumerate(self.levels):
            last = n == len(self.levels) - 1
            if level.escalate_after is None and (not last or self.repeat):
                raise ValueError(
                    f"levels[{n}] needs escalate_after (the wait before the next level)"
                )
        return self


def _parse_when(value: str) -> date | datetime:
    try:
        return (
            datetime.fromisoformat(value)
            if "T" in value or " " in value
            else date.fromisoformat(value)
        )
    except ValueError:
        raise ValueError(
            f"{value!r} is not a date (2026-01-05) or time (2026-01-05T09:00)"
        ) from None


def layer_data(layer: LayerConfig, schedule_tz: str, index: int) -> dict[str, Any]:
    """A layer as stored: the rotation's start as an aware instant, lengths in units."""
    tz_name = layer.time_zone or schedule_tz
    tz = ZoneInfo(tz_name)
    when = _parse_when(layer.start)
    skipped = None  # a hand-off the start day's clock change skips (kept to hand off at)
    if isinstance(when, datetime):
        start = when if when.tzinfo else when.replace(tzinfo=tz)
        if (
            when.tzinfo is None
            and start.astimezone(UTC).astimezone(tz).replace(tzinfo=None) != when
        ):
            # 02:30 on the night 02:30 is skipped: the rotation starts at 03:30 and still
            # hands off at 02:30 on every other day, as a start given by date does.
            skipped = when.strftime("%H:%M")
    else:
        start = local_instant(when, parse_time(layer.handoff), tz)
        if start.astimezone(tz).time() != parse_time(layer.handoff):
            skipped = layer.handoff
    end = None
    if layer.end:
        parsed_end = _parse_when(layer.end)
        end = (
            (parsed_end if parsed_end.tzinfo else parsed_end.replace(tzinfo=tz))
            if isinstance(parsed_end, datetime)
            else local_instant(parsed_end, parse_time(layer.handoff), tz)
        )
    length = int(layer.shift_length.total_seconds()) if layer.shift_length else layer.length
    return {
        **({"handoff": skipped} if skipped else {}),
        "name": layer.name,
        "priority": index if layer.priority is None else layer.priority,
        "participants": list(layer.participants),
        "shift": layer.shift,
        "length": length,
        "start": start.isoformat(),
        "time_zone": tz_name,
        "restrictions": [r.model_dump() for r in layer.restrictions],
        "end": end.isoformat() if end else None,
    }


def check_schedules(doc: ConfigDocument, problems: Problems) -> None:
    users = {u.lower() for u in doc.identities("users")}
    viewers = {
        str(getattr(u, "email", "")).lower()
        for u in doc.items("users")
        if getattr(u, "role", None) == "viewer"
    }
    teams = doc.identities("teams")
    for index, item in doc.entries("schedules"):
        schedule = cast(ScheduleConfig, item)
        if schedule.team is not None and schedule.team not in teams:
            problems.add("schedules", index, "team", f"unknown team {schedule.team!r}")
        names = [layer.name for layer in schedule.layers]
        if len(set(names)) != len(names):
            problems.add("schedules", index, "layers", "layer names must be distinct")
        for n, layer in enumerate(schedule.layers):
            for m, email in enumerate(layer.participants):
                if email not in users:
                    problems.add(
                        "schedules",
                        index,
                        ("layers", n, "participants", m),
                        f"no user {email!r} in users",
                    )
                elif email.lower() in viewers:
                    # As an override for a viewer is refused: on call, nobody hears back.
                    problems.warn(
                        "schedules",
                        index,
                        ("layers", n, "participants", m),
                        f"{email} is a viewer: on call, their pages carry no acknowledge link "
                        "and they may not acknowledge, so escalation runs on; make them a "
                        "responder or take them off the layer",
                    )
    peopleconfig.check_people(doc, problems)


def check_policies(doc: ConfigDocument, problems: Problems) -> None:
    for index, item in doc.entries("escalation_policies"):
        policy = cast(EscalationPolicyConfig, item)
        for n, level in enumerate(policy.levels):
            check_targets(
                doc, problems, "escalation_policies", index, ("levels", n, "notify"), level.notify
            )
            for m, target in enumerate(level.notify):
                if target.startswith("policy:"):
                    problems.add(
                        "escalation_policies",
                        index,
                        ("levels", n, "notify", m),
                        "a policy cannot page another policy; name users, schedules, teams "
                        "or channels",
                    )


def apply_schedules(session: Session, clock: Clock, doc: ConfigDocument, plan: Plan) -> None:
    peopleconfig.apply_people(session, clock, doc, plan)
    rows = {s.key: s for s in session.scalars(select(Schedule))}
    wanted = cast("list[ScheduleConfig]", doc.items("schedules"))
    for item in wanted:
        values = {
            "name": item.name or item.key,
            "description": item.description,
            "time_zone": item.time_zone,
            "team_key": item.team,
            "handoff_notify": item.handoff_notify,
            "layers": [layer_data(layer, item.time_zone, n) for n, layer in enumerate(item.layers)],
            "active": True,
        }
        row = rows.get(item.key)
        old = None if row is None else {k: getattr(row, k) for k in values}
        before = None if row is None else _on_call(row, clock)
        if plan.compare("schedule", item.key, old, values):
            if row is None:
                row = Schedule(key=item.key, feed_token=new_feed_token())
                session.add(row)
            for name, value in values.items():
                setattr(row, name, value)
            after = _on_call(row, clock)
            if old is not None and before != after:  # e.g. the person on call was removed
                plan.entries[-1].warnings.append(
                    f"who is on call now changes at once: {before or 'nobody'} → "
                    f"{after or 'nobody'}"
                )
    keep = {s.key for s in wanted}
    for key, row in sorted(rows.items()):
        if row.active and key not in keep:
            row.active = False
            plan.delete("schedule", key, "kept for history, deactivated")
    session.flush()
    plan_all(session, clock)


def _on_call(row: Schedule, clock: Clock) -> str | None:
    """Who the schedule (its layers and overrides) puts on call now."""
    return on_call_at(to_pure(row), clock.now()).user


def apply_policies(session: Session, clock: Clock, doc: ConfigDocument, plan: Plan) -> None:
    rows = {p.key: p for p in session.scalars(select(EscalationPolicy))}
    wanted = cast("list[EscalationPolicyConfig]", doc.items("escalation_policies"))
    before = config_service.current_section(session, "escalation_policies") or []
    stored = {i["key"]: i for i in before}
    for item in wanted:
        values = {
            "name": item.name or item.key,
            "description": item.description,
            "repeat": item.repeat,
            "levels": [
                {
                    "targets": list(level.notify),
                    "delay_s": int(level.escalate_after.total_seconds())
                    if level.escalate_after
                    else 0,
                }
                for level in item.levels
            ],
            "active": True,
        }
        row = rows.get(item.key)
        old = None if row is None else {k: getattr(row, k) for k in values}
        # The plan also compares the fields kept only in the stored document (`default`).
        shown_old = None if old is None else _compared(old, stored.get(item.key, {}))
        shown_new = _compared(values, mask_document(item.model_dump(mode="json")))
        plan.compare("escalation_policy", item.key, shown_old, shown_new)
        if old != values:
            if row is None:
                row = EscalationPolicy(key=item.key)
                session.add(row)
            for name, value in values.items():
                setattr(row, name, value)
    keep = {p.key for p in wanted}
    for key, row in sorted(rows.items()):
        if row.active and key not in keep:
            row.active = False
            plan.delete("escalation_policy", key, "kept for history, deactivated")
    session.flush()
    # Users, channels and schedules are applied by now: say what their removal does to
    # overrides and to the escalations of open incidents.
    levels.review_apply(session, clock, plan)


def _compared(values: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """The table's `values`, then the fields of the config item the table does not hold."""
    held = {config_name(name) for name in values} | {"key"}
    return values | {k: v for k, v in item.items() if k not in held}


# This domain's config sections; the composition root (warroom.wiring) registers them.
SECTIONS: list[Section] = [channels.SECTION]
SECTIONS.append(
    Section(
        "schedules",
        ScheduleConfig,
        check=check_schedules,
        apply=apply_schedules,
        order=50,
        description="On-call schedules (rotations, layers, restrictions); also applies users' "
        "contact methods and notification rules",
    )
)
SECTIONS.append(
    Section(
        "escalation_policies",
        EscalationPolicyConfig,
        check=check_policies,
        apply=apply_policies,
        order=55,
        description="Escalation policies: ordered levels of targets with a delay, repeated",
    )
)
