"""Text that anyone may read: the status page (HTML, Atom, JSON) and subscribers' mail.

A control character (an ESC pasted from a coloured terminal, a form feed) is not allowed in
XML: one in a public update made `/status/feed.atom` unreadable to every feed reader until the
incident left the 50 newest. Such text is refused where it comes in, naming the field, and
`xml_safe` keeps what an older warroom stored from breaking the feed.
"""

from __future__ import annotations

import re

from warroom.errors import Invalid

# C0 controls but tab, newline and carriage return; DEL and the C1 controls.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
# What XML 1.0 cannot carry at all (its Char production).
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def check_public(value: str | None, field: str) -> None:
    """Invalid naming `field` when the text holds a control character (tab and newline are
    fine)."""
    found = _CONTROL.search(value or "")
    if found is not None:
        char = f"U+{ord(found.group()):04X}"
        raise Invalid(f"{field} holds a control character ({char}) at position "
                      f"{found.start() + 1}: public text cannot carry it", field=field)  # fmt: skip


def xml_safe(value: object) -> object:
    """The value with what XML cannot carry taken out (text only; anything else as is)."""
    return _NOT_XML.sub("", value) if isinstance(value, str) else value
