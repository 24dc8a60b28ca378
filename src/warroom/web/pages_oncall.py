"""On-call pages: the calendar of every schedule (layers, overrides, the final answer), who is on
call now per schedule and per escalation policy, my next shift, and overrides added or removed
from the calendar. Times are shown in the signed-in person's time zone (users.time_zone)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from warroom.auth import service as auth_service
from warroom.clock import Clock
from warroom.deps import ClockDep, SessionDep
from warroom.errors import Invalid, WarroomError
from warroom.paging import service as paging
from warroom.paging.schedules import Shift
from warroom.principal import Principal
from warroom.web import formkit
from warroom.web import oncall_calendar as cal
from warroom.web.deps import CsrfForm, UiResponder, UiViewer, flash
from warroom.web.formkit import person_zone, required, say
from warroom.web.render import render

router = APIRouter(include_in_schema=False)
PAGE = "/ui/oncall"
# How far ahead "who is next" and "my next shift" look: two weeks first, further when needed.
SHORT_HORIZON = timedelta(days=14)
NEXT_SHIFT_HORIZON = timedelta(days=90)
OVERRIDE_FIELDS = ("schedule", "user", "replaces", "start", "end", "reason")


@dataclass(frozen=True)
class View:
    """What the calendar URL asks for: week or month, around which day, which schedule."""

    view: str
    anchor: date
    schedule: str

    def query(self) -> str:
        only = f"&schedule={self.schedule}" if self.schedule else ""
        return f"view={self.view}&start={self.anchor.isoformat()}{only}"


def _view(params: Any, today: date) -> View:
    view = params.get("view") if params.get("view") in cal.VIEWS else "week"
    anchor = cal.parse_anchor(params.get("start"), today)
    return View(str(view), anchor, str(params.get("schedule") or "").strip())


@router.get(PAGE, response_class=HTMLResponse)
def oncall_page(request: Request, me: UiViewer, session: SessionDep, clock: ClockDep) -> Response:
    tz = person_zone(session, me)
    view = _view(request.query_params, clock.now().astimezone(tz).date())
    prefill = {
        "schedule": request.query_params.get("add_schedule", ""),
        "start": request.query_params.get("add_start", ""),
        "end": request.query_params.get("add_end", ""),
    }
    return _page(request, session, clock, me, tz, view, prefill)


def _page(
    request: Request,
    session: Session,
    clock: Clock,
    me: Principal,
    tz: ZoneInfo,
    view: View,
    form: dict[str, str],
    error: WarroomError | None = None,
) -> HTMLResponse:
    now = clock.now()
    schedules = paging.list_schedules(session)
    unknown = None
    if view.schedule and view.schedule not in {s.key for s in schedules}:
        # A renamed schedule or a typo: say so and show every calendar, not an empty page.
        known = ", ".join(s.key for s in schedules) or "none yet"
        unknown = f"no schedule {view.schedule!r}; every schedule is shown ({known})"
        view = View(view.view, view.anchor, "")
    shown = [s for s in schedules if not view.schedule or s.key == view.schedule]
    grid = cal.window(view.view, view.anchor, tz)
    ahead = {row.key: _ahead(session, row, now, me.email) for row in schedules}
    context = {
        "tz": str(tz),
        "view": view,
        "grid": grid,
        "weeks": cal.weeks(grid.days),
        "day_links": [(d, f"{d}T00:00", f"{d + timedelta(days=1)}T00:00") for d in grid.days],
        "today": now.astimezone(tz).date(),
        "schedules": schedules,
        "calendars": [_calendar(session, clock, row, grid, tz) for row in shown],
        "on_call": [_now_row(row, ahead[row.key], tz) for row in schedules],
        "policies": _policies_now(session, now),
        "my_shift": _my_next_shift(schedules, ahead, me, now, tz),
        "handoff_days": NEXT_SHIFT_HORIZON.days,
        "users": [u for u in auth_service.list_users(session) if u.active],
        "can_edit": me.allows("responder"),
        "form": form,
        "error": error,
        "unknown_schedule": unknown,
    }
    return render(request, "oncall.html", context, status_code=422 if error else 200)


def _calendar(
    session: Session, clock: Clock, row: Any, grid: cal.Window, tz: ZoneInfo
) -> dict[str, Any]:
    final = paging.shifts(session, row.key, grid.start, grid.end)
    rows = [cal.Row("On call", "final", cal.cells(final, grid.days, tz))]
    if grid.view == "week":  # the month grid names the layers only
        for name, layer in paging.layer_shifts(session, row.key, grid.start, grid.end):
            rows.append(cal.Row(f"Layer {name}", "layer", cal.cells(layer, grid.days, tz)))
    layers = [str(layer.get("name", "")) for layer in row.layers]
    overrides = [
        o
        for o in paging.list_overrides(session, clock, row.key)
        if o.start_at < grid.end or o.end_at > clock.now()
    ]
    return {"schedule": row, "rows": rows, "layers": layers, "overrides": overrides, "zone": tz}


def _ahead(session: Session, row: Any, now: datetime, email: str) -> list[Shift]:
    """The schedule's shifts from now: two weeks, or up to NEXT_SHIFT_HORIZON when that
    shows no hand-over, or when `email` takes part in the schedule and has no shift in it."""
    shifts = paging.shifts(session, row.key, now, now + SHORT_HORIZON)
    takes_part = any(email in (layer.get("participants") or []) for layer in row.layers) or any(
        o.user_email == email for o in row.overrides
    )
    if len(shifts) < 2 or (takes_part and all(s.user != email for s in shifts)):
        shifts = paging.shifts(session, row.key, now, now + NEXT_SHIFT_HORIZON)
    return shifts


def _now_row(row: Any, ahead: list[Shift], tz: ZoneInfo) -> dict[str, Any]:
    current = ahead[0]
    following = ahead[1] if len(ahead) > 1 else None
    return {
        "schedule": row,
        "user": current.user,
        "override": current.override_id is not None,
        # No one else in the look-ahead: its end is where the look-ahead stops, not a hand-off.
        "until": current.end.astimezone(tz) if following else None,
        "next_user": following.user if following else None,
        "next_start": following.start.astimezone(tz) if following else None,
    }


def _policies_now(session: Session, now: datetime) -> list[dict[str, Any]]:
    """Per escalation policy: its first level's targets and whom they reach right now."""
    out = []
    for policy in paging.list_policies(session):
        first = (policy.levels or [{}])[0]
        targets = [str(t) for t in first.get("targets", [])]
        out.append(
            {
                "policy": policy,
                "targets": targets,
                "people": paging.paged_first(session, targets, now),
            }
        )
    return out


def _my_next_shift(
    schedules: list[Any],
    ahead: dict[str, list[Shift]],
    me: Principal,
    now: datetime,
    tz: ZoneInfo,
) -> dict[str, Any] | None:
    """The signed-in person's current or next shift across every schedule (soonest first)."""
    mine = [(shift, row) for row in schedules for shift in ahead[row.key] if shift.user == me.email]
    if not mine:
        return None
    shift, row = min(mine, key=lambda found: found[0].start)
    last = shift is ahead[row.key][-1]  # it runs to the end of the look-ahead, not a hand-off
    return {
        "schedule": row,
        "start": shift.start.astimezone(tz),
        "end": None if last else shift.end.astimezone(tz),
        "now": shift.start <= now,
    }


@router.post(f"{PAGE}/overrides", response_class=HTMLResponse)
def add_override(
    request: Request, me: UiResponder, form: CsrfForm, session: SessionDep, clock: ClockDep
) -> Response:
    """Add an override from the calendar's form; a refused one re-renders the form with why."""
    tz = person_zone(session, me)
    values = formkit.values(form, OVERRIDE_FIELDS)
    view = _view(_view_params(form), clock.now().astimezone(tz).date())
    try:
        row = paging.add_override(
            session,
            clock,
            schedule=required(values, "schedule"),
            user=required(values, "user"),
            start=_when(values, "start", tz),
            end=_when(values, "end", tz),
            replaces=values["replaces"] or None,
            reason=values["reason"],
            actor=me.actor,
        )
    except WarroomError as exc:
        session.rollback()
        return _page(request, session, clock, me, tz, view, values, error=exc)
    start, end = row.start_at.astimezone(tz), row.end_at.astimezone(tz)
    text = (
        f"Override added: {row.user_email} covers {values['schedule']} "
        f"from {start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} ({tz})"
    )
    session.commit()
    flash(request, "ok", text)
    return RedirectResponse(f"{PAGE}?{view.query()}", status_code=303)


@router.post(f"{PAGE}/overrides/{{override_id}}/remove")
def remove_override(
    request: Request,
    override_id: int,
    me: UiResponder,
    form: CsrfForm,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    """Remove an override (the schedule it belongs to comes with the form)."""
    tz = person_zone(session, me)
    view = _view(_view_params(form), clock.now().astimezone(tz).date())
    try:
        paging.remove_override(
            session,
            clock,
            schedule=str(form.get("schedule") or ""),
            override_id=override_id,
            actor=me.actor,
        )
    except WarroomError as exc:
        session.rollback()
        flash(request, "error", say(exc))
    else:
        session.commit()
        flash(request, "ok", f"Override {override_id} removed")
    return RedirectResponse(f"{PAGE}?{view.query()}", status_code=303)


def _view_params(form: Any) -> dict[str, str]:
    """The calendar a form was sent from (hidden fields view_*), to go back to it."""
    return {
        "view": str(form.get("view_view") or ""),
        "start": str(form.get("view_start") or ""),
        "schedule": str(form.get("view_schedule") or ""),
    }


def _when(values: dict[str, str], name: str, tz: ZoneInfo) -> datetime:
    text = required(values, name)
    try:
        return cal.parse_local(text, tz)
    except cal.SkippedTime as exc:
        raise Invalid(f"{name}: {exc}", field=name) from None
    except ValueError:
        message = f"{name}: {text!r} is not a date and time like 2026-03-01T09:00"
        raise Invalid(message, field=name) from None
