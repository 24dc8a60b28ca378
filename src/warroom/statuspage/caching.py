"""Conditional GETs of the public page: an ETag on every answer, 304 when the reader has it.

Widgets, aggregators and feed readers poll the page every minute or so; most polls find it
unchanged, and with `If-None-Match` they get an empty 304 instead of the whole page again.
"""

from __future__ import annotations

import hashlib
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response

# Shared caches and browsers may keep a public answer this long before asking again.
CACHE_CONTROL = "public, max-age=10"


def etag_of(body: bytes) -> str:
    """A strong validator: the same bytes give the same tag on every instance and restart."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _matches(header: str, tag: str) -> bool:
    """RFC 9110 If-None-Match: `*` or a list of tags, compared weakly (W/ ignored)."""
    wanted = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in wanted or tag in wanted


def conditional(request: Request, answer: Response) -> Response:
    """The answer with its ETag and Cache-Control, or a 304 when If-None-Match names it."""
    tag = etag_of(bytes(answer.body))
    headers = {"ETag": tag, "Cache-Control": CACHE_CONTROL}
    if _matches(request.headers.get("if-none-match", ""), tag):
        return Response(status_code=304, headers=headers)
    answer.headers.update(headers)
    return answer


def conditional_json(request: Request, data: Any) -> Response:
    """JSON data as an answer with its ETag (see conditional)."""
    return conditional(request, JSONResponse(jsonable_encoder(data)))
