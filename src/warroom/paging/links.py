"""Signed, expiring, single-purpose action links carried by every page.

A link is `{public_url}/p/{token}`; the token is `base64url(claims).base64url(hmac)` signed
with HMAC-SHA256 over the settings' secret key. Claims: purpose (ack or resolve), incident
number, user id, expiry, nonce. A used nonce is recorded, so a link acts once.

Why GET only shows a confirm page: chat apps, mail scanners (Outlook Safe Links, Gmail's
proxy) and link previewers fetch URLs from messages with GET. If GET acted, a preview bot would
acknowledge the incident before anybody read the page. GET therefore renders a one-button form;
the button POSTs to the same URL, which verifies the token again and acts.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from warroom.auth.models import User

PURPOSES = ("ack", "resolve")
DEFAULT_TTL = timedelta(hours=24)


class LinkError(Exception):
    """The token is malformed, forged, expired or for another purpose."""


@dataclass(frozen=True)
class LinkClaims:
    purpose: str
    incident_number: int
    user_id: int | None
    expires_at: datetime
    nonce: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _sign(secret: str, body: str) -> str:
    key = hashlib.sha256(("warroom-link:" + secret).encode()).digest()
    return _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())


def make_token(
    secret: str,
    *,
    purpose: str,
    incident_number: int,
    user_id: int | None,
    now: datetime,
    ttl: timedelta = DEFAULT_TTL,
) -> str:
    """A signed token for one action on one incident."""
    if purpose not in PURPOSES:
        raise ValueError(f"purpose must be one of {', '.join(PURPOSES)}")
    if not secret:
        raise ValueError("signed links need a secret key")
    claims = {
        "p": purpose,
        "i": incident_number,
        "u": user_id,
        "e": int((now + ttl).timestamp()),
        "n": secrets.token_urlsafe(12),
    }
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{body}.{_sign(secret, body)}"


def verify_token(secret: str, token: str, *, now: datetime) -> LinkClaims:
    """The claims of a valid, unexpired token; LinkError otherwise."""
    body, sep, signature = token.partition(".")
    if not sep or not secret or not hmac.compare_digest(signature, _sign(secret, body)):
        raise LinkError("this link is not valid")
    try:
        data = json.loads(_unb64(body))
        claims = LinkClaims(
            purpose=str(data["p"]),
            incident_number=int(data["i"]),
            user_id=None if data.get("u") is None else int(data["u"]),
            expires_at=datetime.fromtimestamp(int(data["e"]), tz=now.tzinfo),
            nonce=str(data["n"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise LinkError("this link is not valid") from exc
    if claims.purpose not in PURPOSES:
        raise LinkError("this link is not valid")
    if now >= claims.expires_at:
        raise LinkError("this link has expired; use the CLI or the web UI")
    return claims


def check_holder(session: Session, claims: LinkClaims) -> None:
    """LinkError unless the person the link was sent to still exists, is active and may act.

    A link acts in its holder's name, so deactivating a user, or making them a viewer, voids
    every link they were sent; one sent before a deactivation stays void once they are back.
    """
    if claims.user_id is None:
        return
    user = session.get(User, claims.user_id)
    if user is None or not user.active:
        raise LinkError("this link's holder is no longer active in warroom; it cannot be used")
    # Made ttl before it expires (every page's link has the default ttl; whole seconds).
    if user.deactivated_at is not None and claims.expires_at - DEFAULT_TTL <= user.deactivated_at:
        raise LinkError("this link's holder was deactivated since it was sent; it cannot be used")
    if user.role == "viewer":  # no more than its holder may do now (a role taken away counts)
        raise LinkError(
            "this link's holder is a viewer, who may not acknowledge or resolve incidents"
        )


def link_url(public_url: str, token: str) -> str:
    return f"{public_url.rstrip('/')}/p/{token}"
