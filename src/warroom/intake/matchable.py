"""Sender fields that routes can match on, as labels with a prefix that says where they came from.

- PagerDuty `payload.custom_details` and Opsgenie `details`: each key becomes a label
  `details.<key>` (`details.mountpoint="/var/lib/postgresql"`). Non-string values are written
  as JSON (`details.used_percent="96.4"`). Opsgenie details also stay plain labels, as before.
- Opsgenie `tags`: each tag becomes a label `tag:<tag>` with the value `true`
  (`tag:prod="true"`).

Only keys a matcher can name (letters, digits, `_ : . -`, not starting with a digit) become
labels; at most MAX_LABELS of them, values cut at MAX_VALUE characters.
"""

from __future__ import annotations

import json
import re
from typing import Any

DETAIL_PREFIX = "details."
TAG_PREFIX = "tag:"
MAX_LABELS = 64
MAX_VALUE = 1024
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_:.-]{0,127}$")


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text[:MAX_VALUE]


def detail_labels(details: Any) -> dict[str, str]:
    """`details.<key>` labels of a custom_details / details object."""
    if not isinstance(details, dict):
        return {}
    out: dict[str, str] = {}
    for key, value in details.items():
        if len(out) >= MAX_LABELS:
            break
        if isinstance(key, str) and _NAME.match(key):
            out[DETAIL_PREFIX + key] = _text(value)
    return out


def tag_labels(tags: list[str]) -> dict[str, str]:
    """`tag:<tag>` = "true" for each tag a matcher can name."""
    return {TAG_PREFIX + t: "true" for t in tags[:MAX_LABELS] if _NAME.match(t)}
