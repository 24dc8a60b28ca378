"""What the OpenAPI document says about errors: one error body model and the `responses=`
entries routers declare, so every status code a route can answer is listed with its shape."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from pydantic import BaseModel

# The largest value a BIGINT column (and SQLite's INTEGER) holds: larger ids are a 422.
MAX_ID = 2**63 - 1

IdPath = Annotated[int, Path(ge=1, le=MAX_ID, description="a row id")]
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
