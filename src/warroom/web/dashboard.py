"""`/`: the dashboard of a signed-in person, else a redirect to the login page."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from warroom.web.deps import OptionalUser
from warroom.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def dashboard(request: Request, me: OptionalUser) -> Response:
    if me is None:
        return RedirectResponse("/login", status_code=303)
    return render(request, "dashboard.html", {})
