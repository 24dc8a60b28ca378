"""The normalised alert every wire format becomes, and the checks the parsers share."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, Field

from warroom.errors import Invalid

ACTIONS = ("firing", "resolved", "acknowledged")


@dataclass
class NormalisedAlert:
    """One alert as intake understands it, whatever wire format it came in."""

    fingerprint: str
    status: str  # firing | resolved | acknowledged (PagerDuty/Opsgenie acknowledge)
    labels: dict[str, str]
    annotations: dict[str, Any] = field(default_factory=dict)
    summary: str = ""
    severity_hint: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    links: list[dict[str, str]] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    # True when starts_at comes from the sender (Alertmanager), so a replayed notification of an
    # already-resolved alert can be recognised by (fingerprint, starts_at).
    sender_start: bool = False


@dataclass
class Batch:
    """What one request carried: its alerts plus the group identity the sender gave."""

    source: str  # alertmanager | grafana | pagerduty | opsgenie | generic
    alerts: list[NormalisedAlert]
    group_key: str | None = None
    test: bool = False
    # A drill's synthetic alerts (warroom.review.drills): the group key of the drill incident
    # they join ("drill:..."); they never join, open or inhibit a real incident.
    drill: str | None = None


_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(Z|z|[+-]\d{2}:?\d{2})$"
)
# ISO 8601 as PagerDuty takes it: the offset may also be hours only (+00) or missing (UTC).
_ISO_TIME = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?"
    r"(Z|z|[+-]\d{2}(?::?\d{2})?)?$"
)


def parse_time(value: Any, where: str, *, required: bool = True) -> datetime | None:
    """RFC 3339 with 0-9 fractional digits and any offset; Go's zero time means "none"."""
    if value is None or value == "":
        if required:
            raise Invalid(f"{where} is required (an RFC 3339 time)", field=where)
        return None
    if not isinstance(value, str):
        raise Invalid(f"{where} must be an RFC 3339 time string", field=where)
    m = _TIME.match(value)
    if m is None:
        raise Invalid(f"{where}: {value[:40]!r} is not an RFC 3339 time", field=where)
    try:
        return _from_match(m)
    except ValueError as exc:
        raise Invalid(f"{where}: {value[:40]!r} is not a valid time ({exc})", field=where) from None


def parse_iso_time(value: Any, where: str) -> datetime | None:
    """An optional ISO 8601 time as PagerDuty takes it (RFC 3339, an offset of hours only or
    none at all, read as UTC); an unreadable one is refused naming the field."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise Invalid(f"{where} must be an ISO 8601 time string", field=where)
    m = _ISO_TIME.match(value)
    if m is None:
        raise Invalid(f"{where}: {value[:40]!r} is not an ISO 8601 time", field=where)
    try:
        return _from_match(m)
    except ValueError as exc:
        raise Invalid(f"{where}: {value[:40]!r} is not a valid time ({exc})", field=where) from None


def iso_time_or_none(value: Any) -> datetime | None:
    """An optional ISO 8601 time (RFC 3339, or an offset of hours only or none at all, read
    as UTC); None when absent or unreadable, so that the caller uses the time of receipt."""
    m = _ISO_TIME.match(value) if isinstance(value, str) else None
    try:
        return _from_match(m) if m is not None else None
    except ValueError:
        return None


def _from_match(m: re.Match[str]) -> datetime | None:
    """The UTC time a _TIME or _ISO_TIME match names; None for Go's zero time."""
    year, month, day, hour, minute, second, frac, zone = m.groups()
    if year == "0001":
        return None
    micro = int((frac or "0").ljust(6, "0")[:6])
    when = datetime(
        int(year), int(month), int(day), int(hour), int(minute), int(second), micro, _zone(zone)
    )
    return when if when.tzinfo is UTC else when.astimezone(UTC)


@lru_cache(maxsize=256)
def _zone(zone: str | None) -> timezone:
    """The fixed offset of "Z", "+02:00", "-0130" or "+02"; UTC when there is none (senders
    repeat a few; built once each)."""
    if zone is None or zone in ("Z", "z"):
        return UTC
    sign = -1 if zone[0] == "-" else 1
    digits = zone[1:].replace(":", "")
    return timezone(sign * timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or "0")))


def obj(value: Any, where: str, *, required: bool = True) -> dict[str, Any]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise Invalid(f"{where} must be a JSON object", field=where)
    return value


def string_map(value: Any, where: str, *, required: bool = True) -> dict[str, str]:
    """An object whose values are all strings (labels, annotations)."""
    mapping = obj(value, where, required=required)
    for k, v in mapping.items():
        if not isinstance(v, str):
            raise Invalid(f"{where}.{k} must be a string", field=f"{where}.{k}")
    return mapping


def text_field(value: Any, where: str, *, required: bool = True, max_len: int | None = None) -> str:
    if value is None or value == "":
        if required:
            raise Invalid(f"{where} is required", field=where)
        return ""
    if not isinstance(value, str):
        raise Invalid(f"{where} must be a string", field=where)
    if max_len is not None and len(value) > max_len:
        raise Invalid(f"{where} is longer than {max_len} characters", field=where)
    return value


# A JSON escape \u0000 preceded by an even number of backslashes is a real NUL character; the
# text "\\u0000" (an escaped backslash, then u0000) is not.
_NUL_ESCAPE = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]", re.ASCII)


def check_text(body: bytes, data: Any) -> None:
    """Refuse what no database can store: NUL characters and lone UTF-16 surrogates."""
    # PostgreSQL cannot store NUL in text or JSONB; refuse it here rather than fail later.
    if b"\\u0000" in body and _NUL_ESCAPE.search(body):
        raise Invalid("the body must not contain NUL characters (\\u0000)", field="body")
    if _SURROGATE_ESCAPE.search(body):
        where = _lone_surrogate(data, "body")
        if where is not None:
            raise Invalid(f"{where} holds a lone UTF-16 surrogate (\\ud800-\\udfff)", field=where)


def _lone_surrogate(value: Any, where: str) -> str | None:
    """The path of the first string (key or value) that is not valid Unicode, or None."""
    if isinstance(value, str):
        return None if _encodable(value) else where
    if isinstance(value, list):
        for i, item in enumerate(value):
            found = _lone_surrogate(item, f"{where}[{i}]")
            if found:
                return found
    if isinstance(value, dict):
        for key, item in value.items():
            path = where if where != "body" else ""
            name = f"{path}.{key}" if path else str(key)
            if not _encodable(key):
                return path or "body"
            found = _lone_surrogate(item, name)
            if found:
                return found
    return None


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


LINKS_DROPPED = "warroom_links_dropped"


def web_link(href: Any) -> bool:
    """True for an absolute http(s) URL: the only links kept from senders (never javascript:)."""
    if not isinstance(href, str) or len(href) > 4096:
        return False
    scheme, sep, rest = href.strip().partition("://")
    return bool(sep) and scheme.lower() in ("http", "https") and bool(rest) and href == href.strip()


def keep_web_links(
    candidates: list[tuple[Any, str]], annotations: dict[str, Any]
) -> list[dict[str, str]]:
    """The (href, text) pairs that are http(s) links; names the others in the annotations."""
    kept: list[dict[str, str]] = []
    dropped: list[str] = []
    for href, text in candidates:
        if href is None or href == "":
            continue
        if web_link(href):
            kept.append({"href": href, "text": text})
        else:
            dropped.append(text or "link")
    if dropped:
        annotations[LINKS_DROPPED] = ", ".join(dropped)
    return kept


# FNV-1a 64 over sorted labels, each name and value followed by 0xff: Alertmanager's fingerprint.
_FNV_OFFSET = 14695981039346656037
_FNV_PRIME = 1099511628211
_MASK = (1 << 64) - 1


def label_fingerprint(labels: dict[str, str]) -> str:
    """The fingerprint Prometheus and Alertmanager compute for this label set."""
    h = _FNV_OFFSET
    for name in sorted(labels):
        for part in (name, labels[name]):
            for byte in part.encode():
                h = ((h ^ byte) * _FNV_PRIME) & _MASK
            h = ((h ^ 0xFF) * _FNV_PRIME) & _MASK
    return f"{h:016x}"


# ---- API shapes -------------------------------------------------------------------------


class AlertOut(BaseModel):
    id: int
    integration: str
    fingerprint: str
    status: str
    labels: dict[str, Any]
    annotations: dict[str, Any]
    summary: str
    severity_hint: str | None
    severity: str | None
    service: str | None
    route: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    first_seen_at: datetime
    last_seen_at: datetime
    resolved_at: datetime | None
    acknowledged_at: datetime | None
    count: int
    links: list[Any]
    incident_id: int | None
    incident_number: int | None
    suppressed_by: str | None
    group_key: str | None

    model_config = {"from_attributes": True}


class SilenceIn(BaseModel):
    matchers: list[str] = Field(min_length=1)
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    duration: str | None = Field(default=None, description="e.g. 2h, 30m (instead of ends_at)")
    comment: str = Field(min_length=1, max_length=2000)


class SilenceOut(BaseModel):
    id: int
    matchers: list[str]
    starts_at: datetime
    ends_at: datetime
    author: str
    comment: str
    created_at: datetime
    expired_at: datetime | None
    state: str


class RouteTestIn(BaseModel):
    labels: dict[str, str]
    integration: str | None = None
