"""Heartbeat routes. A ping needs a responder token or the heartbeat's own key.

    curl -X POST https://warroom.example.com/api/v1/heartbeats/NAME \
         -H "Authorization: Bearer $RESPONDER_TOKEN"
    curl -X POST "https://warroom.example.com/api/v1/heartbeats/NAME?key=$KEY"

The key (derived from WARROOM_SECRET_KEY and the name) is shown to admins as `ping_url` by
`GET /api/v1/heartbeats/NAME`; it can only ping that one heartbeat. A GET of the ping URL
(key, no token: `curl URL`) is a 405 saying that a ping is a POST.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request

from warroom.auth.service import authenticate
from warroom.deps import ClockDep, SessionDep, SettingsDep, Viewer, bearer_token
from warroom.errors import Forbidden, Unauthorized, WarroomError
from warroom.heartbeats import service
from warroom.heartbeats.schemas import HeartbeatOut
from warroom.openapi import API_ERRORS, ErrorBody

router = APIRouter(prefix="/api/v1/heartbeats", tags=["heartbeats"], responses=API_ERRORS)


@router.get("", response_model=list[HeartbeatOut])
def list_heartbeats(principal: Viewer, session: SessionDep) -> list[HeartbeatOut]:
    heartbeats = service.list_heartbeats(session)
    numbers = service.incident_numbers(session, heartbeats)
    return [HeartbeatOut.of(h, numbers) for h in heartbeats]


class PingIsPost(WarroomError):
    status_code = 405
    code = "method_not_allowed"


def _not_a_ping(
    name: str,
    request: Request,
    key: Annotated[str | None, Query(description="refused: a ping is a POST")] = None,
) -> None:
    """A GET of the ping URL (`curl URL` in a cron line) carries the key but no token: say
    that a ping is a POST rather than ask for a token (before the token check)."""
    if key is not None and bearer_token(request) is None:
        raise PingIsPost(
            f"a ping is a POST, not a GET: curl -X POST '.../api/v1/heartbeats/{name}?key=...' "
            "(a GET reads the heartbeat, with a token); nothing was pinged"
        )


@router.get(
    "/{name}",
    response_model=HeartbeatOut,
    dependencies=[Depends(_not_a_ping)],
    responses={405: {"model": ErrorBody, "description": "?key= without a token: pings are POSTs"}},
)
def get_heartbeat(
    name: str, principal: Viewer, session: SessionDep, settings: SettingsDep
) -> HeartbeatOut:
    heartbeat = service.get_heartbeat(session, name)
    url = None
    if principal.allows("admin") and settings.secret_key:
        key = service.ping_key(settings.secret_key, name)
        url = f"{settings.public_url.rstrip('/')}{router.prefix}/{name}?key={key}"
    return HeartbeatOut.of(heartbeat, service.incident_numbers(session, [heartbeat]), url)


@router.post("/{name}", response_model=HeartbeatOut)
def ping(
    name: str,
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    key: Annotated[str | None, Query(description="the heartbeat's ping key")] = None,
    x_warroom_key: Annotated[str | None, Header()] = None,
) -> HeartbeatOut:
    actor = _authorize(request, session, clock, settings.secret_key, name, key or x_warroom_key)
    heartbeat = service.ping(session, clock, name, actor=actor)
    out = HeartbeatOut.of(heartbeat, service.incident_numbers(session, [heartbeat]))
    session.commit()
    return out


def _authorize(
    request: Request,
    session: SessionDep,
    clock: ClockDep,
    secret_key: str,
    name: str,
    key: str | None,
) -> str:
    if key is not None:
        # A key is hex: anything else (non-ASCII included) is simply the wrong key.
        if not key.isascii() or not service.key_matches(secret_key, name, key):
            raise Unauthorized("wrong heartbeat key")
        return f"heartbeat:{name}"
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("send 'Authorization: Bearer <token>' or the heartbeat's ?key=")
    principal = authenticate(session, clock, token)
    if principal is None:
        raise Unauthorized("invalid or revoked token")
    if not principal.allows("responder"):
        raise Forbidden(f"pinging needs the responder role; your token has {principal.role}")
    return principal.actor
