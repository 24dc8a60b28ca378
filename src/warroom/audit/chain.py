"""The hash of a timeline event: sha256 over a canonical JSON of what the event says."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from warroom.clock import utc


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return utc(value).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, set | frozenset | tuple):
        return sorted(value, key=str) if isinstance(value, set | frozenset) else list(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _tame(value: Any) -> Any:
    # PostgreSQL's JSONB prints large integral floats without an exponent, which would read
    # back as an int; store them as ints so the hash survives the round trip.
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e15:
        return int(value)
    if isinstance(value, float) and value == 0.0:
        return 0.0  # JSONB has no negative zero
    if isinstance(value, str) and "\x00" in value:
        return value.replace("\x00", "\ufffd")  # JSONB cannot hold NUL characters
    if isinstance(value, dict):
        return {_tame(str(k)): _tame(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_tame(v) for v in value]
    return value


def normalise_payload(payload: dict[str, Any] | None) -> dict[str, Any]:
    """The payload as it will read back from either database (plain JSON types)."""
    loaded = json.loads(json.dumps(payload or {}, default=_default, allow_nan=False))
    result: dict[str, Any] = _tame(loaded)
    return result


def canonical(doc: Any) -> bytes:
    return json.dumps(
        doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode()


def event_hash(
    *,
    chain: int,
    seq: int,
    incident_id: int | None,
    kind: str,
    actor: str,
    occurred_at: datetime,
    payload: dict[str, Any],
    prev_hash: str,
) -> str:
    """sha256 hex of the canonical form of one event, linked to its predecessor's hash."""
    doc = {
        "chain": chain,
        "seq": seq,
        "incident_id": incident_id,
        "kind": kind,
        "actor": actor,
        "occurred_at": utc(occurred_at).isoformat(),
        "payload": payload,
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical(doc)).hexdigest()


def anchor_hash(
    *, seq: int, chain: int, first_hash: str, anchored_at: datetime, prev_hash: str
) -> str:
    """sha256 hex of one anchor register entry, linked to the previous entry's hash."""
    doc = {
        "anchor": seq,
        "chain": chain,
        "first_hash": first_hash,
        "anchored_at": utc(anchored_at).isoformat(),
        "prev_hash": prev_hash,
    }
    return hashlib.sha256(canonical(doc)).hexdigest()
