"""`/ui/events`: Server-Sent Events for live pages, polled from the database.

The stream polls about once a second (`POLL_SECONDS`), so it works with several warroom
processes and with both databases; nothing is pushed in-process. Each poll checks the web
session again and reads as the person is then (a role changed meanwhile counts at once, not
the role the stream connected with). It ends when the session ends (sign-out, expiry,
deactivation: a last `event: signed-out`).

Without a query, the dashboard stream:

    event: ready       id: <signature>   data: {}
    event: incidents   id: <signature>   data: {"open": <number of open incidents visible>}

`incidents` is sent whenever the open incidents the person may see (number, status,
severity, title, update times) or the pages sent to them change; warroom.js then re-fetches
the dashboard fragment. A reconnecting browser sends Last-Event-ID and gets `incidents` at
once if anything changed while it was away.

With `?incident=<number>` (a visible incident; private ones need membership), the timeline
stream:

    event: ready       id: <last seq>    data: {"incident": N, "last_seq": S}
    event: timeline    id: <last seq>    data: {"incident": N, "last_seq": S, "events": [
        {"seq": 7, "kind": "incident:note:added", "actor": "a@x", "occurred_at": "ISO"}, ...]}

Events are those with seq > the later of the client's Last-Event-ID and `after=<seq>` (else
the newest at connect), oldest first, at most `BATCH` per message. The incident page fetches
their rendered HTML from its own fragment route. When the person may no longer see the
incident (made a viewer, or removed from a private incident's roles) or it is gone, the
stream ends with a last `event: closed` (`data: {}`); reconnecting is then refused (404, as
for an incident that does not exist).

Each stream polls the database every second, so one signed-in session may hold at most
`MAX_STREAMS` at once (in this process): one more is a 429 (before, a script holding a viewer's
cookie could open hundreds, each polling). Should two start at the same moment, the one past
the limit ends at once with `event: busy`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import AsyncIterator, Callable
from functools import partial
from typing import Any

import anyio
from fastapi import APIRouter, Query, Request, Response
from sqlalchemy.orm import Session
from sse_starlette import EventSourceResponse

from warroom.audit import service as timeline
from warroom.audit.pagination import encode_cursor
from warroom.auth.sessions import SessionLimits, session_principal
from warroom.clock import Clock
from warroom.db import Database
from warroom.errors import Forbidden, NotFound
from warroom.incidents import access, lifecycle, listing
from warroom.notify import service as notify
from warroom.openapi import MAX_ID
from warroom.principal import Principal
from warroom.web.csrf import SESSION_COOKIE
from warroom.web.deps import UiViewer, limits

router = APIRouter(include_in_schema=False)
POLL_SECONDS = 1.0
PING_SECONDS = 15.0
BATCH = 50
MAX_STREAMS = 8  # per session: a person's tabs, with room to spare

State = tuple[str, dict[str, Any]]
# A poll reads as the person the session is now.
Poll = Callable[[Session, Principal], State | None]
# A timeline poll's answer when the incident may no longer be seen.
CLOSED: State = ("", {})


def _dashboard_state(session: Session, me: Principal) -> State:
    viewer = None if me.allows("admin") else me.email
    rows, _, _ = listing.list_rows(
        session, status=list(lifecycle.OPEN_STATUSES), viewer=viewer, limit=listing.MAX_PAGE
    )
    digest = hashlib.sha256()
    for r in sorted(rows, key=lambda r: r.id):
        fields = (r.id, r.status, r.severity, r.title, r.updated_at, r.last_internal_update_at)
        digest.update(repr((*fields, r.last_external_update_at)).encode())
    for m in notify.list_messages(session, user_id=me.user_id, limit=5):
        digest.update(repr((m.id, m.state)).encode())
    return digest.hexdigest()[:16], {"open": len(rows)}


def _newest_seq(session: Session, incident_id: int) -> int:
    rows, _ = timeline.timeline_rows(session, incident_id=incident_id, limit=1, newest_first=True)
    return int(rows[0].seq) if rows else 0


def _timeline_after(number: int, after: int, session: Session, me: Principal) -> State:
    try:
        incident = access.visible_incident(session, number, me)
    except (Forbidden, NotFound):
        return CLOSED
    rows, _ = timeline.timeline_rows(
        session, incident_id=incident.id, cursor=encode_cursor(seq=after), limit=BATCH
    )
    events = [
        {"seq": r.seq, "kind": r.kind, "actor": r.actor, "occurred_at": r.occurred_at.isoformat()}
        for r in rows
    ]
    last = events[-1]["seq"] if events else after
    return str(last), {"incident": number, "last_seq": last, "events": events}


def _read(db: Database, clock: Clock, token: str, lim: SessionLimits, poll: Poll) -> Any:
    """One poll in its own short transaction, as the session's person is now (their role may
    have changed since the stream began); None when the session has ended."""
    with db.sessions() as session:
        try:
            me = session_principal(session, clock, token, lim)
            if me is None:
                return None
            return poll(session, me)
        finally:
            session.rollback()  # read only: the stream never extends or ends a session


async def _dashboard(
    request: Request, read: Callable[[Poll], Any]
) -> AsyncIterator[dict[str, Any]]:
    known = request.headers.get("last-event-id")
    first = True
    while True:
        state = await anyio.to_thread.run_sync(read, _dashboard_state)
        if state is None:
            yield {"event": "signed-out", "data": "{}"}
            return
        signature, data = state
        if first and (known is None or known == signature):
            yield {"event": "ready", "id": signature, "data": "{}"}
        elif signature != known:
            yield {"event": "incidents", "id": signature, "data": json.dumps(data)}
        known, first = signature, False
        await anyio.sleep(POLL_SECONDS)


async def _timeline(
    read: Callable[[Poll], Any], number: int, after: int
) -> AsyncIterator[dict[str, Any]]:
    yield {
        "event": "ready",
        "id": str(after),
        "data": json.dumps({"incident": number, "last_seq": after}),
    }
    while True:
        state = await anyio.to_thread.run_sync(read, partial(_timeline_after, number, after))
        if state is None:
            yield {"event": "signed-out", "data": "{}"}
            return
        if state is CLOSED:
            yield {"event": "closed", "data": "{}"}
            return
        last, data = state
        if data["events"]:
            yield {"event": "timeline", "id": last, "data": json.dumps(data)}
            after = int(last)
            continue  # more may be waiting beyond BATCH
        await anyio.sleep(POLL_SECONDS)


def _start(request: Request, me: Principal, number: int, after: int | None) -> int:
    """Check the incident is visible and find where its stream starts."""
    db: Database = request.app.state.db
    with db.sessions() as session:
        incident = access.visible_incident(session, number, me)
        # A reconnecting browser repeats the page's URL (its `after=` from when the page was
        # rendered) and sends Last-Event-ID, the newest it has heard of: start from the later.
        known = request.headers.get("last-event-id", "")
        heard = [int(v) for v in (known,) if v.isdigit() and len(v) < 10]  # a seq, no more
        starts = heard + ([after] if after is not None else [])
        return max(starts) if starts else _newest_seq(session, incident.id)


@router.get("/ui/events")
def events(
    request: Request,
    me: UiViewer,
    incident: int | None = Query(default=None, ge=1, le=MAX_ID),
    after: int | None = Query(default=None, ge=0, le=MAX_ID),
) -> Response:
    """The live stream of the dashboard, or of one incident's timeline."""
    token = request.cookies.get(SESSION_COOKIE, "")
    opened, key = _streams(request), hashlib.sha256(token.encode()).hexdigest()[:32]
    if opened.get(key, 0) >= MAX_STREAMS:
        message = f"at most {MAX_STREAMS} live streams at once; close a tab"
        return Response(message, status_code=429, headers={"Retry-After": str(PING_SECONDS)})
    read = partial(_read, request.app.state.db, request.app.state.clock, token, limits(request))
    if incident is None:
        stream = _dashboard(request, read)
    else:
        stream = _timeline(read, incident, _start(request, me, incident, after))
    return EventSourceResponse(_counted(opened, key, stream), ping=PING_SECONDS)


def _streams(request: Request) -> dict[str, int]:
    """Streams open in this process, by session (a hash of its token)."""
    state = request.app.state
    if not hasattr(state, "event_streams"):
        state.event_streams = {}
    opened: dict[str, int] = state.event_streams
    return opened


async def _counted(
    opened: dict[str, int], key: str, stream: AsyncIterator[dict[str, Any]]
) -> AsyncIterator[dict[str, Any]]:
    """The stream, counted while it runs (on the event loop: no two count at once)."""
    if opened.get(key, 0) >= MAX_STREAMS:
        yield {"event": "busy", "data": "{}"}
        return
    opened[key] = opened.get(key, 0) + 1
    try:
        async for item in stream:
            yield item
    finally:
        opened[key] -= 1
        if opened[key] <= 0:
            del opened[key]
