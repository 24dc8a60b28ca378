"""Default names of evidence items (pure: the CLI uses it without the server's modules)."""

from __future__ import annotations

import re

_CONTROLS = re.compile(r"[\x00-\x1f\x7f-\x9f]+")
NAME_MAX = 300


def default_name(value: str, fallback: str = "item", limit: int = NAME_MAX) -> str:
    """A name from a command, link, file name or note: its first line with text, control
    characters as spaces (a name is one printable line), at most `limit` characters (cut
    ones end in an ellipsis when the limit is shorter than a name may be)."""
    lines = [_CONTROLS.sub(" ", line).strip() for line in value.splitlines()]
    first = next((line for line in lines if line), fallback)
    if len(first) <= limit:
        return first
    return first[: limit - 1].rstrip() + "…" if limit < NAME_MAX else first[:limit]
