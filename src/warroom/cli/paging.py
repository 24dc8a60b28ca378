"""CLI for paging: oncall, override add|list|remove, escalate, schedule list|shifts|feed."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any

import typer

from warroom.cli.client import client
from warroom.cli.output import (
    IncidentArg,
    JsonOption,
    api_errors,
    echo,
    fail,
    fmt_time,
    print_json,
    print_table,
)

override_app = typer.Typer(
    help="Schedule overrides: who covers whom, from when to when", no_args_is_help=True
)
schedule_app = typer.Typer(help="On-call schedules", no_args_is_help=True)

_RELATIVE = re.compile(r"^\+(\d+)([mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_when(text: str, option: str) -> str:
    """ISO time, 'now' or '+2h' as an ISO string with a zone (naive means WARROOM_TZ/local)."""
    text = text.strip()
    now = datetime.now(UTC)
    if text == "now":
        return now.isoformat()
    try:
        when = _when(text, now)
        # Room for the windows commands look at past it (a year at most) and for any zone.
        (when.astimezone(UTC) + timedelta(days=400)).astimezone()
    except ValueError:
        fail(
            f"{option}: {text!r} is not a time (2026-03-01T09:00, 2026-03-01T09:00+01:00, now, +2h)"
        )
    except OverflowError:
        fail(f"{option}: {text!r} is too far away (out of the range of dates)")
    return when.isoformat()


def _when(text: str, now: datetime) -> datetime:
    match = _RELATIVE.match(text)
    if match:
        return now + timedelta(**{_UNITS[match[2]]: int(match[1])})
    when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if when.tzinfo is None:
        from warroom.cli.output import _tz

        zone = _tz()
        if zone is None:
            return when.astimezone()
        note = clock_change_note(when, zone)
        when = when.replace(tzinfo=zone)
        if note:
            echo(note, err=True)
    return when


def clock_change_note(naive: datetime, zone: tzinfo) -> str | None:
    """What a wall-clock time means on a night the clocks change, or None on any other night.

    A time the spring change skips (02:30 in Berlin on the last Sunday of March) is read by the
    clock before the jump: 02:30 CET, which the clock calls 03:30 CEST. A time the autumn change
    shows twice is read as the first of the two; an offset picks the other.
    """
    first = naive.replace(tzinfo=zone)
    second = naive.replace(tzinfo=zone, fold=1)
    name = getattr(zone, "key", None) or str(zone)
    shown = naive.strftime("%Y-%m-%d %H:%M")
    if first.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != naive:
        real = first.astimezone(UTC).astimezone(zone)
        return (
            f"note: {shown} does not exist in {name} (the clocks jump forward that night); "
            f"reading it as {real.strftime('%Y-%m-%d %H:%M %Z')} "
            f"({naive.strftime('%H:%M')} by the clock before the jump)"
        )
    if first.utcoffset() != second.utcoffset():
        return (
            f"note: {shown} comes twice in {name} (the clocks go back that night); "
            f"reading it as the first, {first.strftime('%H:%M %Z')} "
            f"({first.isoformat(timespec='minutes')}); for the second write "
            f"{second.isoformat(timespec='minutes')}"
        )
    return None


def oncall(
    schedule: str = typer.Option(None, "--schedule", "-s", help="Only this schedule"),
    at: str = typer.Option(None, "--at", help="At this time instead of now (ISO, now, +2h)"),
    check: bool = typer.Option(
        False, "--check", help="List who is on call in the next --days with no working contact"
    ),
    days: int = typer.Option(None, "--days", help="With --check: how many days ahead (7)"),
    json_out: bool = JsonOption,
) -> None:
    """Who is on call now (or --at TIME), until when, and who is next."""
    if check:
        if schedule or at:
            # The check covers every schedule from now; it must not seem to answer for one.
            raise typer.BadParameter(
                "--check covers every schedule from now on; drop --schedule and --at",
                param_hint="--schedule/--at",
            )
        oncall_check(7 if days is None else days, json_out)
        return
    if days is not None:
        raise typer.BadParameter("--days goes with --check", param_hint="--days")
    params: dict[str, Any] = {}
    if schedule:
        params["schedule"] = schedule
    if at:
        params["at"] = parse_when(at, "--at")
    with api_errors():
        rows = client().get("/api/v1/oncall", params=params)
    if json_out:
        print_json(rows)
        return
    reference = datetime.fromisoformat(params.get("at") or datetime.now(UTC).isoformat())
    table = [
        {
            "schedule": r["schedule"],
            "now": r["now"]["user"] or "(nobody)",
            "until": shift_end(r, reference),
            "next": "-" if r["next"] is None else r["next"]["user"] or "(nobody)",
            "next_from": fmt_time((r["next"] or {}).get("start")),
        }
        for r in rows
    ]
    print_table(
        table,
        [
            ("schedule", "Schedule"),
            ("now", "On call"),
            ("until", "Until"),
            ("next", "Next"),
            ("next_from", "From"),
        ],
    )


# How far the server looks for the next hand-off (paging.schedules.now_and_next's horizon).
LOOK_AHEAD = timedelta(days=90)


def shift_end(row: dict[str, Any], reference: datetime) -> str:
    """When the current shift ends, or that no hand-off is in sight: a shift that only stops at
    the end of the server's look-ahead window has no known end."""
    end = datetime.fromisoformat(row["now"]["end"].replace("Z", "+00:00"))
    if row["next"] is None and end >= reference + LOOK_AHEAD - timedelta(days=1):
        return f"no hand-off in the next {LOOK_AHEAD.days} days"
    return fmt_time(row["now"]["end"])


@override_app.command("add")
def override_add(
    schedule: str = typer.Option(..., "--schedule", "-s", help="The schedule key"),
    user: str = typer.Option(..., "--user", "-u", help="E-mail of who covers"),
    start: str = typer.Option(..., "--start", help="ISO time, now or +1h"),
    end: str = typer.Option(..., "--end", help="ISO time or +8h"),
    replaces: str = typer.Option(None, "--replaces", help="Cover only this person's shifts"),
    reason: str = typer.Option("", "--reason", help="Why, for the record"),
    json_out: bool = JsonOption,
) -> None:
    """Let someone cover a schedule from --start to --end."""
    body = {
        "user": user,
        "start": parse_when(start, "--start"),
        "end": parse_when(end, "--end"),
        "replaces": replaces,
        "reason": reason,
    }
    with api_errors():
        row = client().post(f"/api/v1/schedules/{schedule}/overrides", json=body)
    if json_out:
        print_json(row)
        return
    echo(
        f"override {row['id']}: {row['user_email']} covers {schedule}"
        + (f" for {row['replaces_email']}" if row["replaces_email"] else "")
        + f" from {fmt_time(row['start_at'])} to {fmt_time(row['end_at'])}"
    )


@override_app.command("list")
def override_list(
    schedule: str = typer.Option(..., "--schedule", "-s", help="The schedule key"),
    past: bool = typer.Option(False, "--past", help="Include overrides that are over"),
    json_out: bool = JsonOption,
) -> None:
    """Overrides of a schedule."""
    with api_errors():
        rows = client().get(f"/api/v1/schedules/{schedule}/overrides", params={"past": past})
    if json_out:
        print_json(rows)
        return
    print_table(
        rows,
        [
            ("id", "Id"),
            ("user_email", "Covers"),
            ("replaces_email", "For"),
            ("start_at", "From"),
            ("end_at", "To"),
            ("created_by", "By"),
            ("reason", "Reason"),
        ],
        formatters={"start_at": fmt_time, "end_at": fmt_time},
    )


@override_app.command("remove")
def override_remove(
    override_id: int = typer.Argument(...),
    schedule: str = typer.Option(..., "--schedule", "-s", help="The schedule key"),
) -> None:
    """Remove an override."""
    with api_errors():
        client().delete(f"/api/v1/schedules/{schedule}/overrides/{override_id}")
    echo(f"override {override_id} removed from {schedule}")


# The escalation checklist (docs/paging.md, Manual escalation): the page's message.
SUMMARY = "Incident summary (1-2 sentences)"
ACTIONS = "Actions taken so far"
WHY = "Why you are escalating"
NEED = "What you need (decision, expertise, help)"
ASKED = "; asked for when left out"


def escalate(
    number: int = IncidentArg,
    to: list[str] = typer.Option(
        ...,
        "--to",
        help="Who is paged (repeatable): user:EMAIL, oncall:TEAM (its on-call), members:TEAM, "
        "schedule:KEY, channel:KEY or policy:KEY",
    ),
    summary: str = typer.Option(..., "--summary", prompt=SUMMARY, help=f"{SUMMARY}{ASKED}"),
    actions: str = typer.Option(..., "--actions", prompt=ACTIONS, help=f"{ACTIONS}{ASKED}"),
    why: str = typer.Option(..., "--why", prompt=WHY, help=f"{WHY}{ASKED}"),
    need: str = typer.Option(..., "--need", prompt=NEED, help=f"{NEED}{ASKED}"),
    json_out: bool = JsonOption,
) -> None:
    """Escalate an incident by hand; the escalation checklist is the message."""
    body = {"to": to, "summary": summary, "actions_taken": actions, "why": why, "need": need}
    with api_errors():
        pages = client().post(f"/api/v1/incidents/{number}/escalate", json=body)
    if json_out:
        print_json(pages)
        return
    targets = ", ".join(sorted({p["target"] for p in pages}))
    echo(f"INC-{number}: escalated to {targets} ({len(pages)} person(s) paged)")


@schedule_app.command("list")
def schedule_list(json_out: bool = JsonOption) -> None:
    """Every schedule."""
    with api_errors():
        rows = client().get("/api/v1/schedules")
    if json_out:
        print_json(rows)
        return
    print_table(
        [{**r, "layers": ", ".join(layer["name"] for layer in r["layers"])} for r in rows],
        [("key", "Key"), ("name", "Name"), ("time_zone", "Time zone"), ("layers", "Layers")],
    )


@schedule_app.command("shifts")
def schedule_shifts(
    key: str = typer.Argument(...),
    start: str = typer.Option("now", "--start", help="ISO time (your zone), now or +1h"),
    end: str = typer.Option("+7d", "--end", help="ISO time (your zone) or +7d"),
    json_out: bool = JsonOption,
) -> None:
    """The final shifts of a schedule (default: the next 7 days)."""
    params = {"start": parse_when(start, "--start"), "end": parse_when(end, "--end")}
    with api_errors():
        rows = client().get(f"/api/v1/schedules/{key}/shifts", params=params)
    if json_out:
        print_json(rows)
        return
    print_table(
        rows,
        [
            ("start", "From"),
            ("end", "To"),
            ("user", "On call"),
            ("layer", "Layer"),
            ("override_id", "Override"),
        ],
        formatters={"start": fmt_time, "end": fmt_time},
    )


@schedule_app.command("feed")
def schedule_feed(
    key: str = typer.Argument(None, help="Schedule key; omit for your own feed"),
) -> None:
    """Print the secret iCalendar URL of a schedule (or your own shifts)."""
    with api_errors():
        found = client().get(f"/api/v1/schedules/{key}/feed" if key else "/api/v1/me/feed")
    echo(found["url"])


def oncall_check(days: int, json_out: bool) -> None:
    """Everyone on call in the next `days` days who cannot be reached; exit 1 if anyone."""
    with api_errors():
        rows = client().get("/api/v1/oncall/check", params={"days": days})
    if json_out:
        print_json(rows)
    elif rows:
        for row in rows:
            row["schedules"] = ", ".join(row["schedules"])
        print_table(rows, [("user", "On call"), ("schedules", "Schedules"), ("reason", "Why")])
    else:
        echo(f"everyone on call in the next {days} days has a working contact method")
    if rows:
        raise typer.Exit(1)
