"""The largest request body of the JSON API and of the public pages, refused before it is read.

FastAPI reads and parses a route's whole JSON body before any dependency runs, the caller's
token included: anyone, signed in or not, could make the server hold and parse a body of any
size (four 50 MB bodies at once took it from ~160 MB to ~900 MB), and the status page's
subscribe form (anonymous by design) read any size of JSON too. This ASGI middleware answers
413 for a POST, PUT, PATCH or DELETE under /api/v1/, /status/ or a page link (/p/) whose body
is larger than its limit: at once when the Content-Length says so, or once a chunked body
passes it (only such a body is held here, at most the limit). The limit is
WARROOM_MAX_BODY_BYTES; the routes that carry a large text (text evidence, a postmortem's
Markdown, config files) have WARROOM_EVIDENCE_MAX_BYTES more. Intake (answering in each
sender's shape) and evidence file uploads keep their own limits, and web UI forms theirs
(`warroom.web.security`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Read by routes with limits of their own: intake (per sender) and evidence file uploads.
OWN_LIMIT = re.compile(
    r"/api/v1/intake/(?:alertmanager|generic)/?|/api/v1/incidents/[^/]+/evidence/files/?"
)
# Anonymous posts outside the API: the status page's (subscribe, confirm) and page links.
PUBLIC = re.compile(r"/status/.*|/p/[^/]*/?")
LARGE_TEXT = re.compile(r"/api/v1/config/apply/?|/api/v1/incidents/[^/]+/(?:evidence|postmortem)/?")


def limit_for(scope: Scope) -> int | None:
    """Bytes this request's body may have, or None when this middleware does not check it."""
    path = str(scope.get("path", ""))
    if scope.get("type") != "http" or scope.get("method") not in METHODS:
        return None
    api = path.startswith("/api/v1/") and not OWN_LIMIT.fullmatch(path)
    if not api and not PUBLIC.fullmatch(path):
        return None
    settings = scope["app"].state.settings
    limit = int(settings.max_body_bytes)
    if LARGE_TEXT.fullmatch(path):
        limit += int(settings.evidence_max_bytes)
    return limit


async def refuse(send: Send, limit: int) -> None:
    """413 naming the limit; the connection is closed, as the rest of the body is not read."""
    message = f"the request body is larger than the limit of {limit} bytes"
    body = json.dumps(
        {"error": {"code": "payload_too_large", "message": message, "field": None}}
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class BodyLimit:
    """ASGI middleware: an API body larger than its limit is a 413, never read whole."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limit = limit_for(scope)
        if limit is None:
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > limit:
                await refuse(send, limit)
                return
            # The server hands the route no more than the Content-Length says.
            await self.app(scope, receive, send)
            return
        # Chunked: held here until it ends (at most `limit` bytes), then handed on.
        held: list[Message] = []
        size = 0
        while True:
            message = await receive()
            held.append(message)
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > limit:
                await refuse(send, limit)
                return
            if not message.get("more_body"):
                break
        await self.app(scope, _replay(held, receive), send)


def _replay(held: list[Message], receive: Receive) -> Receive:
    pending = list(held)

    async def replaying() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replaying
