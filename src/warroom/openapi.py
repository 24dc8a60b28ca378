"""What the OpenAPI document says about inputs and errors: the bounded id types every route
uses, one error body model and the `responses=` entries routers declare, so every status code a
route can answer is listed with its shape; and the guard that keeps text no database can store
(lone UTF-16 surrogates) out of the JSON bodies of the API routes."""

from __future__ import annotations

import json
import re
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import Path, Query
from pydantic import BaseModel, BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

# Row ids are INTEGER columns (int4 on PostgreSQL): a larger id names nothing and is a 422
# naming the parameter, never a database error. Jobs have BIGINT ids.
MAX_ID = 2**31 - 1
MAX_BIG_ID = 2**63 - 1

IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="a row id")]
BigIdPath = Annotated[int, Path(ge=1, le=MAX_BIG_ID, description="a job id")]
INCIDENT_NUMBER = re.compile(r"^(?:[Ii][Nn][Cc]-)?[0-9]{1,10}$")


def _incident_number(value: Any) -> Any:
    """'INC-42', 'inc-42' or '42' -> 42 (every output prints INC-42); the range is checked after."""
    if isinstance(value, int):
        return value
    text = str(value)
    if not INCIDENT_NUMBER.match(text):
        raise PydanticCustomError(
            "incident_number",
            "'{value}' is not an incident number such as INC-42 or 42",
            {"value": text},
        )
    return int(text[4:] if text[:4].upper() == "INC-" else text)


# An incident's number in a path: documented as the string it is (the pattern accepts exactly
# 1..999999999 with or without the INC- prefix, so every value it allows names a valid number).
IncidentNumberPath = Annotated[
    int,
    BeforeValidator(_incident_number),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^(?:[Ii][Nn][Cc]-)?[1-9][0-9]{0,8}$",
            "examples": ["INC-42"],
        }
    ),
    Path(ge=1, le=MAX_ID, description="an incident number: INC-42, inc-42 or 42"),
]
OptionalIdQuery = Annotated[int | None, Query(ge=1, le=MAX_ID)]


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None = None

    model_config = {"extra": "allow"}


class ErrorBody(BaseModel):
    """Every warroom error: `{"error": {"code", "message", "field"}}`."""

    error: ErrorDetail


DESCRIPTIONS = {
    400: "Malformed request (not JSON, empty body)",
    401: "Missing, unknown or revoked credential",
    403: "The credential lacks the role or scope",
    404: "No such object",
    409: "Conflicts with the current state",
    413: "The body is larger than the limit",
    422: "Invalid input; `field` names what is wrong",
    429: "Too many requests",
    503: "Busy or at capacity; retry later",
}


def responses(*codes: int, model: type[BaseModel] = ErrorBody) -> dict[int | str, dict[str, Any]]:
    """`responses=` entries for these status codes, all with the same error body model."""
    return {code: {"model": model, "description": DESCRIPTIONS[code]} for code in codes}


# What any route behind a token can answer.
API_ERRORS = responses(400, 401, 403, 404, 409, 413, 422, 503)


# ---- NUL and lone surrogates in JSON bodies ---------------------------------------------

# A JSON escape of a UTF-16 surrogate (\ud800-\udfff) or of NUL: bodies without one are passed
# on unparsed (the parsed text then decides: an escaped backslash before `u0000` is plain text).
_SUSPECT_ESCAPE = re.compile(rb"\\u(?:[dD][89a-fA-F][0-9a-fA-F]{2}|0000)")
_GUARDED_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_SCAN_LIMIT = 16 * 1024 * 1024


def unstorable_field(value: Any, where: str = "") -> str | None:
    """The dotted name of the first string (or key) holding a NUL character or a lone
    surrogate (text no database stores), or None."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return where or "body"
        return (where or "body") if "\x00" in value else None
    if isinstance(value, dict):
        for key, item in value.items():
            name = f"{where}.{key}" if where else str(key)
            found = unstorable_field(key, name) or unstorable_field(item, name)
            if found:
                return found
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found = unstorable_field(item, f"{where}[{i}]" if where else f"[{i}]")
            if found:
                return found
    return None


def _api(scope: Scope) -> bool:
    return scope["type"] == "http" and str(scope.get("path", "")).startswith("/api/v1/")


def _guarded(scope: Scope) -> bool:
    """A JSON body of the API that is not intake's (intake parses its own, answering in each
    sender's shape)."""
    if scope.get("method") not in _GUARDED_METHODS:
        return False
    if str(scope.get("path", "")).startswith("/api/v1/intake/"):
        return False
    headers = dict(scope.get("headers") or [])
    return b"json" in headers.get(b"content-type", b"").lower()


def _nul_in_url(scope: Scope) -> str | None:
    """The query parameter (or `path`) whose text holds a NUL character, or None."""
    if "\x00" in str(scope.get("path", "")):
        return "path"
    query = scope.get("query_string", b"")
    if b"%00" not in query and b"\x00" not in query:
        return None
    for name, value in parse_qsl(query.decode("latin-1"), keep_blank_values=True):
        if "\x00" in name or "\x00" in value:
            return name.replace("\x00", "") or "query"
    return None


async def _refuse(field: str, scope: Scope, receive: Receive, send: Send) -> None:
    problem = {
        "code": "invalid",
        "message": f"{field} holds a NUL character or a lone UTF-16 surrogate"
        " (\\u0000, \\ud800-\\udfff), which cannot be stored",
        "field": field,
    }
    await JSONResponse({"error": problem}, status_code=422)(scope, receive, send)


class RefuseUnstorableText:
    """ASGI middleware for the `/api/v1` routes: a JSON body whose text holds a lone surrogate
    or a NUL character, or a query parameter or path holding a NUL, is a 422 naming the field
    (no database, and no JSON answer, can hold such text), before any route runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not _api(scope):
            await self.app(scope, receive, send)
            return
        in_url = _nul_in_url(scope)
        if in_url is not None:
            await _refuse(in_url, scope, receive, send)
            return
        if not _guarded(scope):
            await self.app(scope, receive, send)
            return
        read: list[Message] = []
        body = b""
        while len(body) <= _SCAN_LIMIT:
            message = await receive()
            read.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        field = _field_in(body) if _SUSPECT_ESCAPE.search(body) else None
        if field is not None:
            await _refuse(field, scope, receive, send)
            return
        await self.app(scope, _replay(read, receive), send)


def _field_in(body: bytes) -> str | None:
    try:
        data = json.loads(body)
    except ValueError:
        return None  # not JSON: the route answers that itself
    return unstorable_field(data)


def _replay(read: list[Message], receive: Receive) -> Receive:
    pending = list(read)

    async def replaying() -> Message:
        if pending:
            return pending.pop(0)
        return await receive()

    return replaying
