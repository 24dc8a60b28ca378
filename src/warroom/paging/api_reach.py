"""Routes to check that people can be reached: test pages and the on-call reachability check."""

from __future__ import annotations

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from warroom.deps import ClockDep, Responder, SessionDep, SettingsDep, Viewer
from warroom.notify.schemas import MessageOut
from warroom.openapi import API_ERRORS
from warroom.paging import reachability

router = APIRouter(prefix="/api/v1", tags=["paging"], responses=API_ERRORS)


class TestPageIn(BaseModel):
    user: str


class UnreachableOut(BaseModel):
    user: str
    schedules: list[str]
    reason: str


@router.post("/notifications/test", response_model=list[MessageOut], status_code=202)
def send_test_pages(
    body: TestPageIn,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> list[MessageOut] | JSONResponse:
    """Queue a test page through each of a person's contact methods (read each outcome with
    GET /api/v1/notifications/{id}). Yourself, or anyone as an admin; 429 when repeated."""
    try:
        messages = reachability.send_test_pages(
            session,
            clock,
            settings,
            body.user,
            caller=principal.email,
            admin=principal.allows("admin"),
        )
    except reachability.TooSoon as exc:
        headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse(exc.to_dict(), status_code=429, headers=headers)
    session.commit()
    return [MessageOut.of(m) for m in messages]


@router.get("/oncall/check", response_model=list[UnreachableOut])
def check_on_call(
    _: Viewer,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    days: int = Query(7, ge=1, le=90),
) -> list[UnreachableOut]:
    """Everyone on call in the next `days` days with no working contact method (someone with
    none configured is paged by e-mail to their address: that e-mail is checked)."""
    found = reachability.unreachable_on_call(session, clock, settings, days)
    return [UnreachableOut(user=u.user, schedules=u.schedules, reason=u.reason) for u in found]
