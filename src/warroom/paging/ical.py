"""iCalendar (RFC 5545) feeds of on-call shifts, written by hand.

Times are written in UTC (`...Z`), which every calendar app accepts and which sidesteps
VTIMEZONE blocks; the app shows them in the reader's zone. Text values are escaped (backslash,
semicolon, comma, newline) and content lines folded at 75 octets without splitting a UTF-8
character, with CRLF line ends.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

PRODID = "-//warroom//on-call//EN"


@dataclass(frozen=True)
class Event:
    start: datetime
    end: datetime
    summary: str
    description: str = ""
    uid_seed: str = ""


def escape_text(value: str) -> str:
    """TEXT escaping of RFC 5545 section 3.3.11."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a line into chunks of at most 75 octets; continuations start with a space."""
    data = line.encode()
    if len(data) <= 75:
        return line
    parts: list[str] = []
    limit = 75
    while data:
        cut = min(limit, len(data))
        # back off so as not to cut a multi-byte character (continuation bytes are 10xxxxxx)
        while cut < len(data) and (data[cut] & 0xC0) == 0x80:
            cut -= 1
        parts.append(data[:cut].decode())
        data = data[cut:]
        limit = 74  # the leading space counts
    return "\r\n ".join(parts)


def stamp(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def calendar(name: str, events: Iterable[Event], *, now: datetime) -> str:
    """A complete VCALENDAR document with one VEVENT per event."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
    ]
    for event in events:
        seed = f"{event.uid_seed}|{stamp(event.start)}|{stamp(event.end)}|{event.summary}"
        uid = hashlib.sha256(seed.encode()).hexdigest()[:32]
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}@warroom",
            f"DTSTAMP:{stamp(now)}",
            f"DTSTART:{stamp(event.start)}",
            f"DTEND:{stamp(event.end)}",
            f"SUMMARY:{escape_text(event.summary)}",
        ]
        if event.description:
            lines.append(f"DESCRIPTION:{escape_text(event.description)}")
        lines += ["TRANSP:TRANSPARENT", "END:VEVENT"]
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
