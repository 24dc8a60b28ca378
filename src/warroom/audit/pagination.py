"""Opaque keyset cursors: base64url of a small JSON document."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from warroom.errors import Invalid


def encode_cursor(**position: Any) -> str:
    raw = json.dumps(position, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, *keys: str) -> dict[str, Any]:
    """The position in a cursor; Invalid(field="cursor") when it is not one of ours."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        doc = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise Invalid("cursor is not valid; pass next_cursor as given", field="cursor") from None
    if not isinstance(doc, dict) or any(not _position(doc.get(k)) for k in keys):
        raise Invalid("cursor is not valid; pass next_cursor as given", field="cursor")
    return doc


def _position(value: Any) -> bool:
    # Positions are ids and seqs, INTEGER columns: a forged 10**30 failed in the database.
    return isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31
