"""The e-mail URL of one recipient: the SMTP URL (`WARROOM_SMTP_URL`) with `to=` the address.

The address is percent-encoded: an address holding `&`, `=` or `#` (config takes any text with
one @) must stay one recipient, never add a `bcc=` or cut the URL short. Apprise decodes it.
"""

from __future__ import annotations

from urllib.parse import quote


def mail_url(smtp_url: str, address: str) -> str:
    """`smtp_url` addressed to `address` alone."""
    joiner = "&" if "?" in smtp_url else "?"
    return f"{smtp_url}{joiner}to={quote(address, safe='@+')}"
