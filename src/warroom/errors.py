"""Domain errors and their JSON shape: {"error": {"code", "message", "field"}}."""

from __future__ import annotations

from typing import Any


class WarroomError(Exception):
    status_code = 400
    code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.details = details or {}
        if code:
            self.code = code

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message, "field": self.field}
        body.update(self.details)
        return {"error": body}


class Invalid(WarroomError):
    status_code = 422
    code = "invalid"


class NotFound(WarroomError):
    status_code = 404
    code = "not_found"


class Conflict(WarroomError):
    status_code = 409
    code = "conflict"


class Unauthorized(WarroomError):
    status_code = 401
    code = "unauthorized"


class Forbidden(WarroomError):
    status_code = 403
    code = "forbidden"


class PayloadTooLarge(WarroomError):
    status_code = 413
    code = "payload_too_large"


class Overloaded(WarroomError):
    status_code = 503
    code = "overloaded"
