"""The evidence upload's size limit, kept before the body is read.

A multipart body is parsed whole before the route runs, its file spooled to a temporary file
on the server's disk: the route's own check (`WARROOM_EVIDENCE_MAX_BYTES`) came only after a
responder's 50 GB upload had been written there. This ASGI middleware answers 413 (naming
`file`) for `POST /api/v1/incidents/N/evidence/files` whose Content-Length is over the limit,
and stops reading a body sent without one (chunked) once it passes the limit.
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

UPLOAD = re.compile(r"/api/v1/incidents/[^/]+/evidence/files/?")
# Room for the multipart framing and the name and description fields around the file.
FORM_SLACK = 65_536


def _limit(scope: Scope) -> int:
    return int(scope["app"].state.settings.evidence_max_bytes) + FORM_SLACK


async def _refuse(send: Send, limit: int) -> None:
    message = f"the upload is larger than the limit of {limit - FORM_SLACK} bytes"
    body = json.dumps(
        {"error": {"code": "payload_too_large", "message": message, "field": "file"}}
    ).encode()
    headers = [(b"content-type", b"application/json"), (b"connection", b"close")]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class UploadLimit:
    """ASGI middleware: an evidence upload larger than the limit is a 413, never spooled."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope.get("method") != "POST"
            or UPLOAD.fullmatch(scope.get("path", "")) is None
        ):
            await self.app(scope, receive, send)
            return
        limit = _limit(scope)
        declared = dict(scope.get("headers") or []).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            await _refuse(send, limit)
            return
        read = 0
        over = False

        async def counted() -> Message:
            nonlocal read, over
            if over:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                read += len(message.get("body", b""))
                if read > limit:  # the rest is never read: the parser sees a disconnect
                    over = True
                    return {"type": "http.disconnect"}
            return message

        answered = False

        async def answer(message: Message) -> None:
            nonlocal answered
            if not over:
                await send(message)
            elif not answered:  # the route's answer to a cut body becomes the 413
                answered = True
                await _refuse(send, limit)

        try:
            await self.app(scope, counted, answer)
        except Exception:
            if not over:
                raise
            if not answered:  # the parser gave up on the cut body with an error of its own
                answered = True
                await _refuse(send, limit)
