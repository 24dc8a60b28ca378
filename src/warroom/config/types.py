"""Building blocks for config section models: `ConfigModel`, `Duration`, `Target`, `Key`.

Every section model should subclass `ConfigModel` (unknown fields are errors that name the
field). Durations are written "90s", "15m", "4h", "1d", "1w" or combined ("2h30m") and validate
to `timedelta`; they serialise back to the canonical text, so the stored document stays
readable. `Delay` is a duration that may be zero ("0s": at once), for ladder rungs.
Targets name who gets notified: "user:EMAIL", "schedule:KEY", "oncall:TEAM", "members:TEAM",
"channel:KEY", "policy:KEY" and the old "team:TEAM" (the team's on-call) — their syntax is
checked here, their existence by `warroom.config.targets`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    PlainSerializer,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

_DURATION = re.compile(r"^(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")
_UNITS = (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1))
DURATION_HINT = "a duration like 90s, 15m, 4h, 1d or 2h30m"

TARGET_KINDS = ("user", "team", "schedule", "policy", "oncall", "members", "channel")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
KEY = r"^[A-Za-z0-9][A-Za-z0-9_.-]*$"  # what config calls a key


class TextProblem(ValueError):
    """A model validator's problem at a line of one of its multi-line text fields (a runbook's
    Markdown): reported at that line of the file the text was read from (`X_file:`), or of the
    YAML block (`X: |`) it was written in. line None: the text as a whole."""

    def __init__(self, field: str, reason: str, line: int | None = None) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.line = line


class ConfigModel(BaseModel):
    """Base of every config model: unknown fields are errors, names are exact.

    Booleans are only `true` or `false`: pydantic would also take "no", "off", "0", 0 or the
    text 'false' (the YAML loader already keeps YAML 1.1's yes/no/on/off as text).
    """

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @field_validator("*", mode="before")
    @classmethod
    def _strict_booleans(cls, value: Any, info: ValidationInfo) -> Any:
        field = cls.model_fields.get(info.field_name or "")
        strict = field is not None and _is_bool(field.annotation)
        if strict and value is not None and not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {value!r}")
        return value


def _is_bool(annotation: Any) -> bool:
    """bool, or bool | None."""
    if annotation is bool:
        return True
    args = get_args(annotation)
    return bool(args) and bool in args and all(a in (bool, type(None)) for a in args)


def check_time_zone(value: str, example: str = "Europe/Paris") -> str:
    """An IANA zone name as given; ValueError naming it (and an example of one) otherwise."""
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {value!r} (use an IANA name like {example})") from None
    return value


def parse_duration(value: Any) -> timedelta:
    """Parse "90s", "15m", "4h", "1d", "1w", "2h30m" into a positive timedelta."""
    found = parse_delay(value)
    if found <= timedelta(0):
        raise ValueError(f"{value!r}: a duration must be longer than zero")
    return found


def parse_delay(value: Any) -> timedelta:
    """Like `parse_duration`, but "0s" (at once) is allowed."""
    if isinstance(value, timedelta):
        if value < timedelta(0):
            raise ValueError(f"{value!r}: a delay cannot be negative")
        return value
    if not isinstance(value, str):
        raise ValueError(f"expected {DURATION_HINT}, got {value!r}")
    match = _DURATION.match(value.strip())
    if not value.strip() or match is None:
        raise ValueError(f"{value!r} is not {DURATION_HINT}")
    seconds = sum(int(n) * mult for n, (_, mult) in zip(match.groups(), _UNITS, strict=True) if n)
    try:
        return timedelta(seconds=seconds)
    except OverflowError:  # past ~2.7 million years: a typo, not a duration (was a 500)
        raise ValueError(f"{value!r} is too long") from None


def format_duration(value: timedelta) -> str:
    """The canonical text of a duration: 5400s -> "1h30m"."""
    seconds = int(value.total_seconds())
    parts = []
    for unit, mult in _UNITS:
        if seconds >= mult:
            parts.append(f"{seconds // mult}{unit}")
            seconds %= mult
    return "".join(parts) or "0s"


def parse_target(value: str) -> tuple[str, str]:
    """Split "team:sre" into ("team", "sre"); ValueError on bad syntax."""
    kind, sep, name = str(value).partition(":")
    if not sep or not name.strip():
        raise ValueError(
            f"{value!r} is not a target; write kind:name with kind one of {', '.join(TARGET_KINDS)}"
        )
    if kind not in TARGET_KINDS:
        raise ValueError(
            f"{value!r}: unknown target kind {kind!r}; expected one of {', '.join(TARGET_KINDS)}"
        )
    if kind == "user" and not _EMAIL.match(name):
        raise ValueError(f"{value!r}: a user target needs an e-mail address (user:EMAIL)")
    return kind, name.strip()


def _target(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError(f"expected a target string such as team:sre, got {value!r}")
    kind, name = parse_target(value)
    return f"{kind}:{name.lower() if kind == 'user' else name}"


def _email(value: Any) -> str:
    if not isinstance(value, str) or not _EMAIL.match(value.strip()):
        raise ValueError(f"{value!r} is not an e-mail address")
    return value.strip().lower()


Duration = Annotated[
    timedelta,
    BeforeValidator(parse_duration),
    PlainSerializer(format_duration, return_type=str),
]
# A wait that may be zero: a ladder rung with `after: 0s` fires when the incident opens.
Delay = Annotated[
    timedelta,
    BeforeValidator(parse_delay),
    PlainSerializer(format_duration, return_type=str),
]
Target = Annotated[str, BeforeValidator(_target)]
Email = Annotated[str, BeforeValidator(_email)]
Key = Annotated[str, StringConstraints(pattern=KEY, min_length=1, max_length=64)]
