"""The public status page: no login. HTML for people, Atom for readers, Statuspage v2 JSON.

Only published incidents appear, with their public name, components and public update texts
(see service.py); the subscriber routes act on signed tokens (see subscribers.py).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy.orm import Session

from warroom.clock import Clock, utc
from warroom.config import service as config_service
from warroom.deps import ClockDep, SessionDep, SettingsDep
from warroom.errors import Invalid, NotFound, WarroomError
from warroom.openapi import IdPath, responses, unstorable_field
from warroom.settings import Settings
from warroom.statuspage import maintenance, service, subscribers, view
from warroom.statuspage.caching import conditional, conditional_json
from warroom.statuspage.ratelimit import ClientLimiter

router = APIRouter(prefix="/status", tags=["status page"], responses=responses(503))


def page(description: str, *errors: int, code: int = 200) -> dict[str, Any]:
    """Route arguments of a page: an HTML answer, its errors documented as the JSON they are
    (with `response_class=Response`, FastAPI lists error models under application/json)."""
    html = {code: {"description": description, "content": {"text/html": {"schema": {}}}}}
    return {"response_class": Response, "responses": {**html, **responses(*errors)}}


class SubscribeIn(BaseModel):
    """The subscribe form, posted as a form or as JSON."""

    model_config = ConfigDict(extra="ignore")

    email: str = Field(max_length=320, description="the address that gets the confirm link")
    components: list[Annotated[str, Field(max_length=200)]] = Field(default=[], max_length=200)


SUBSCRIBE_SCHEMA = SubscribeIn.model_json_schema()
SUBSCRIBE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": SUBSCRIBE_SCHEMA},
            "application/x-www-form-urlencoded": {"schema": SUBSCRIBE_SCHEMA},
        },
    }
}


@router.get("", **page("The status page"))
def status_page(
    request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> Response:
    page = view.build(session, clock, settings.public_url)
    return conditional(request, HTMLResponse(page.html()))


@router.get("/incidents/{status_id}", **page("A published incident", 404, 422))
def incident_page(
    request: Request, status_id: IdPath, session: SessionDep, clock: ClockDep,
    settings: SettingsDep,
) -> Response:  # fmt: skip
    try:
        incident = service.public_incident(session, status_id)
    except NotFound as gone:  # unpublished since the link was shared, or never published
        after = "It may have been taken off the status page: the page shows what is public now."
        return _refusal(request, session, settings, gone, after)
    cfg = service.page_config(session)
    base = settings.public_url.rstrip("/")
    names = service.component_names(session)
    html = view.render("incident.html", title=cfg.title, base=base, incident=incident, names=names)
    return conditional(request, HTMLResponse(html))


# The newest incidents the feed, incidents.json and each page of the history show (Statuspage's
# incidents.json gives "the 50 most recent"): a long history costs no more to read.
NEWEST = 50
HistoryPage = Annotated[int, Query(ge=1, le=100_000, description="1: the newest incidents")]


@router.get("/history", **page("Incidents and maintenance of the last days", 422))
def history_page(
    request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep,
    page: HistoryPage = 1,
) -> Response:  # fmt: skip
    cfg = service.page_config(session)
    since = clock.now() - timedelta(days=cfg.history_days)
    found = service.history(session, clock, limit=NEWEST + 1, offset=(page - 1) * NEWEST)
    windows = []
    if page == 1:
        windows = [m for m in maintenance.listing(session, since=since) if m.status == "completed"]
    return conditional(request, HTMLResponse(view.render(
        "history.html", title=cfg.title, base=settings.public_url.rstrip("/"),
        days=cfg.history_days, incidents=found[:NEWEST], maintenances=windows, page=page,
        older=len(found) > NEWEST, names=service.component_names(session),
    )))  # fmt: skip


ATOM = {"content": {"application/atom+xml": {"schema": {}}}, "description": "An Atom feed"}


@router.get("/feed.atom", response_class=Response, responses={200: ATOM})
def feed(request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep) -> Response:
    cfg = service.page_config(session)
    base = settings.public_url.rstrip("/")
    since = clock.now() - timedelta(days=cfg.history_days)
    entries = [view.incident_entry(base, i) for i in service.history(session, clock, limit=NEWEST)]
    # Maintenance windows too (scheduled, under way, completed), as the history and the mails.
    entries += [view.maintenance_entry(base, m) for m in maintenance.listing(session, since=since)]
    entries = sorted(entries, key=lambda e: e.updated, reverse=True)[:NEWEST]
    # Not "now" when the feed is empty: the body (and its ETag) would change on every poll.
    quiet = config_service.applied_at(session) or datetime(1970, 1, 1, tzinfo=UTC)
    updated = max([e.updated for e in entries], default=utc(quiet))
    body = view.render("feed.atom", title=cfg.title, base=base, entries=entries,
                       updated=view.atom_time(updated), stamp=view.atom_time)  # fmt: skip
    return conditional(request, Response(body, media_type="application/atom+xml"))


@router.get("/api/v2/summary.json", response_model=dict[str, Any])
def summary(
    request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> Response:
    return conditional_json(request, view.build(session, clock, settings.public_url).summary())


@router.get("/api/v2/status.json", response_model=dict[str, Any])
def status(
    request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> Response:
    page = view.build(session, clock, settings.public_url)
    indicator, description = page.indicator()
    data = {"page": page.page(), "status": {"indicator": indicator, "description": description}}
    return conditional_json(request, data)


@router.get("/api/v2/components.json", response_model=dict[str, Any])
def components(
    request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> Response:
    page = view.build(session, clock, settings.public_url)
    return conditional_json(request, {"page": page.page(), "components": page.json_components()})


@router.get("/api/v2/incidents.json", response_model=dict[str, Any])
def incidents(
    request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> Response:
    page = view.build(session, clock, settings.public_url)
    newest = service.history(session, clock, limit=NEWEST)
    return conditional_json(
        request, {"page": page.page(), "incidents": page.json_incidents(newest)}
    )


@router.get("/api/v2/incidents/unresolved.json", response_model=dict[str, Any])
def unresolved(
    request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> Response:
    page = view.build(session, clock, settings.public_url)
    data = {"page": page.page(), "incidents": page.json_incidents(page.open_incidents)}
    return conditional_json(request, data)


@router.get("/api/v2/scheduled-maintenances.json", response_model=dict[str, Any])
def maintenances(
    request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> Response:
    page = view.build(session, clock, settings.public_url)
    data = {"page": page.page(),
            "scheduled_maintenances": page.json_maintenances(page.maintenances)}  # fmt: skip
    return conditional_json(request, data)


def _message(settings: Any, session: Any, text: str, action: str = "", button: str = "") -> str:
    cfg = service.page_config(session)
    return view.render("message.html", title=cfg.title, base=settings.public_url.rstrip("/"),
                       message=text, action=action, button=button)  # fmt: skip


SUBSCRIBE_PAGE = page("Mail sent", 400, 413, 422, 429, code=202)
SUBSCRIBE_PAGE["responses"][429] = {
    **SUBSCRIBE_PAGE["responses"][429],
    "headers": {
        "Retry-After": {
            "description": "seconds until this client may subscribe again",
            "schema": {"type": "integer"},
        }
    },
}


def _limiter(request: Request) -> ClientLimiter:
    state = request.app.state
    if getattr(state, "subscribe_limiter", None) is None:
        state.subscribe_limiter = ClientLimiter()
    limiter: ClientLimiter = state.subscribe_limiter
    return limiter


class _TooManyPosts(WarroomError):
    """This client posted the form SUBSCRIBE_LIMIT times in SUBSCRIBE_WINDOW."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many subscribe requests; retry later")
        self.retry_after = retry_after


@router.post("/subscribers", openapi_extra=SUBSCRIBE_BODY, **SUBSCRIBE_PAGE)
async def subscribe(
    request: Request, session: SessionDep, clock: ClockDep, settings: SettingsDep
) -> Response:
    """Subscribe an e-mail address (an HTML form post or JSON {email, components}); at most
    SUBSCRIBE_LIMIT posts per client address in SUBSCRIBE_WINDOW (429 with Retry-After). A
    refusal is the JSON error, or, to a browser's form post, a page saying it."""
    try:
        await _subscribe_from(request, session, clock, settings)
    except WarroomError as refused:
        if refused.status_code >= 500:
            raise  # the app's answer (503 with its Retry-After)
        session.rollback()
        return _refusal(request, session, settings, refused)
    text = "Check your mailbox: the subscription starts when you follow the confirm link."
    return HTMLResponse(_message(settings, session, text), status_code=202)


async def _subscribe_from(
    request: Request, session: Session, clock: Clock, settings: Settings
) -> None:
    client = request.client.host if request.client else "unknown"
    wait = _limiter(request).hit(client, clock.now())
    if wait is not None:
        raise _TooManyPosts(wait)
    if _is_json(request):
        try:
            data: Any = json.loads(await request.body())
        except ValueError as exc:
            raise WarroomError("the body is not JSON", field="body") from exc
        data = data if isinstance(data, dict) else {}
    else:
        form = await request.form()
        data = {"email": form.get("email"), "components": form.getlist("components")}
    wanted = _subscription(data)
    await run_in_threadpool(_subscribe, session, clock, settings, wanted.email, wanted.components)


def _is_json(request: Request) -> bool:
    return request.headers.get("content-type", "").startswith("application/json")


def _refusal(
    request: Request, session: Session, settings: Settings, error: WarroomError,
    after: str = "Nothing was stored: go back to the status page to try again.",
) -> Response:  # fmt: skip
    """The refusal as its JSON error; a browser (it accepts text/html: a form post, a link
    followed from a mail) gets the same status as a page saying what is wrong, not JSON."""
    wait = getattr(error, "retry_after", None)
    # The answer depends on Accept: a shared cache in front of the public page (a 404 may be
    # kept by one) must not hand a browser the JSON or a program the page.
    headers = {"Vary": "Accept"}
    if wait is not None:
        headers["Retry-After"] = str(wait)
    if _is_json(request) or "text/html" not in request.headers.get("accept", ""):
        return JSONResponse(error.to_dict(), status_code=error.status_code, headers=headers)
    said = error.message[:1].upper() + error.message[1:]
    text = f"{said}. {after}".strip()
    page = _message(settings, session, text)
    return HTMLResponse(page, status_code=error.status_code, headers=headers)


def _subscription(data: dict[str, Any]) -> SubscribeIn:
    """The form's fields, checked: a 422 naming the first wrong one."""
    if not isinstance(data.get("email"), str):
        raise Invalid("an e-mail address is needed", field="email")
    try:
        wanted = SubscribeIn.model_validate(data)
    except ValidationError as exc:
        loc = exc.errors()[0]["loc"]
        field = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc)[1:] or "body"
        raise Invalid(f"{field}: {exc.errors()[0]['msg']}", field=field) from exc
    unstorable = unstorable_field(wanted.model_dump())
    if unstorable:
        raise Invalid(f"{unstorable} holds text that cannot be stored", field=unstorable)
    return wanted


def _subscribe(
    session: Session, clock: Clock, settings: Settings, email: str, components: list[str]
) -> None:
    service.check_components(session, components)
    subscribers.subscribe_email(session, clock, settings, email, components)
    session.commit()


def _token_page(settings: Any, session: Any, action: str, token: str) -> HTMLResponse:
    button = {"confirm": "Confirm my subscription", "unsubscribe": "Unsubscribe"}[action]
    url = f"{settings.public_url.rstrip('/')}/status/subscribers/{action}/{token}"
    text = "Mail scanners open links; press the button to go on."
    return HTMLResponse(_message(settings, session, text, url, button))


@router.get("/subscribers/{action}/{token}", **page("A button to go on", 404, 422))
def token_form(
    request: Request, action: str, token: str, session: SessionDep, clock: ClockDep,
    settings: SettingsDep,
) -> Response:  # fmt: skip
    if action not in ("confirm", "unsubscribe"):
        return _refusal(request, session, settings, NotFound("no such page", field="action"), "")
    try:
        subscribers.read_token(settings.secret_key, token, action, int(clock.now().timestamp()))
    except subscribers.TokenError as exc:
        return _refusal(request, session, settings, NotFound(str(exc), field="token"), "")
    return _token_page(settings, session, action, token)


CONFIRM_ANSWERS = {
    subscribers.CONFIRMED: "Subscription confirmed. You will hear about incidents and maintenance.",
    subscribers.CHANGED: "Subscription changed. This address now hears about what you chose in "
    "this subscription instead of what it chose before, one message each time.",
    subscribers.STILL_SUBSCRIBED: "This link was already used; this address is subscribed as "
    "it last confirmed.",
    subscribers.ENDED: "You unsubscribed, so this link does not subscribe you again and nothing "
    "will be sent. To hear from us again, subscribe on the status page.",
}


@router.post("/subscribers/{action}/{token}", **page("Done", 404, 409, 422))
def token_act(
    request: Request, action: str, token: str, session: SessionDep, clock: ClockDep,
    settings: SettingsDep,
) -> Response:  # fmt: skip
    try:
        text = _act(session, clock, settings, action, token)
    except WarroomError as refused:
        if refused.status_code >= 500:
            raise
        session.rollback()
        return _refusal(request, session, settings, refused, "")
    session.commit()
    return HTMLResponse(_message(settings, session, text))


def _act(session: Session, clock: Clock, settings: Settings, action: str, token: str) -> str:
    """Follow a confirm or unsubscribe link; what to tell its reader."""
    if action == "confirm":
        _, outcome = subscribers.confirm(session, clock, settings.secret_key, token)
        return CONFIRM_ANSWERS[outcome]
    if action == "unsubscribe":
        subscribers.unsubscribe(session, clock, settings.secret_key, token)
        return "You are unsubscribed and will get no more messages."
    raise NotFound("no such page", field="action")


def _answer_head_as_get() -> None:
    """HEAD of every public GET, answered as its GET is (uptime monitors ask with HEAD, and a
    FastAPI route answers only the methods it names: HEAD /status was a 405). Left out of the
    OpenAPI document, which would list each operation twice under one id."""
    for route in list(router.routes):
        if isinstance(route, APIRoute) and route.methods == {"GET"}:
            router.add_api_route(
                route.path.removeprefix(router.prefix),
                route.endpoint,
                methods=["HEAD"],
                response_class=route.response_class,
                include_in_schema=False,
                name=f"{route.name}_head",
            )


_answer_head_as_get()
