"""Subscribers of the status page: e-mail (double opt-in, one-click unsubscribe) and webhooks.

An address has one subscription: subscribing again (say, for other components) mails a confirm
link like the first time, and following it makes the new choice the address's subscription,
ending the one before; unsubscribing ends every subscription of the address, pending ones too.

Confirm and unsubscribe links carry a signed token: `base64url(claims).base64url(hmac)`, an
HMAC-SHA256 over the settings' secret key with a key of its own ("warroom-subscriber:"), so a
page link can never pass as a subscriber link or the other way round. Messages go out through
the notify outbox from the `statuspage.notify` job, one message per subscriber, each with an
idempotency key, so a repeated job never sends twice.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from warroom import outbound
from warroom.clock import Clock
from warroom.comms import service as comms
from warroom.db import take_turns
from warroom.engine import service as engine
from warroom.errors import Invalid, NotFound, WarroomError
from warroom.mailto import mail_url
from warroom.notify import service as notify
from warroom.settings import Settings
from warroom.statuspage.models import PublishedIncident, Subscriber

NOTIFY_KIND = "statuspage.notify"
CONFIRM_TTL = timedelta(days=7)
# A pending (unconfirmed) subscription of an address is not stored or mailed again within this.
RESEND_AFTER = timedelta(minutes=10)
# Confirm mails the public form sends per hour, whoever asks: the per-client limit
# (statuspage.ratelimit) does not stop a flood from many addresses mailing strangers.
CONFIRM_MAILS_PER_HOUR = 200
# Letters, digits and . _ + - only: the address goes into an Apprise URL's `to=` list, which
# is URL-decoded and split on commas, so `%40`, `%2C` or `,` would add a recipient the owner
# of the address never confirmed (a public form: double opt-in would be bypassed).
_EMAIL = re.compile(r"^[A-Za-z0-9._+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")


class TooManyPending(WarroomError):
    """The form has sent CONFIRM_MAILS_PER_HOUR confirm mails in the last hour."""

    status_code = 429
    code = "rate_limited"

    def __init__(self, retry_after: int) -> None:
        super().__init__("too many subscriptions wait for confirmation; retry later")
        self.retry_after = retry_after


class TokenError(Exception):
    """The subscriber token is malformed, forged, expired or for another action."""


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _sign(secret: str, body: str) -> str:
    key = hashlib.sha256(("warroom-subscriber:" + secret).encode()).digest()
    return _b64(hmac.new(key, body.encode(), hashlib.sha256).digest())


def make_token(secret: str, action: str, subscriber_id: int, expires: int | None = None) -> str:
    """A signed token for confirming or cancelling one subscription."""
    if not secret:
        raise ValueError("subscriber links need a secret key")
    claims = {"a": action, "s": subscriber_id, "e": expires}
    body = _b64(json.dumps(claims, separators=(",", ":")).encode())
    return f"{body}.{_sign(secret, body)}"


def read_token(secret: str, token: str, action: str, now: int) -> int:
    """The subscriber id of a valid token for this action; TokenError otherwise."""
    body, sep, signature = token.partition(".")
    if not sep or not secret or not hmac.compare_digest(signature, _sign(secret, body)):
        raise TokenError("this link is not valid")
    try:
        data = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
        subscriber_id, expires = int(data["s"]), data.get("e")
    except (ValueError, KeyError, TypeError) as exc:
        raise TokenError("this link is not valid") from exc
    if data.get("a") != action:
        raise TokenError("this link is not valid")
    if expires is not None and now >= int(expires):
        raise TokenError("this link has expired; subscribe again")
    return subscriber_id


def _link(settings: Settings, action: str, token: str) -> str:
    return f"{settings.public_url.rstrip('/')}/status/subscribers/{action}/{token}"


def _mail_url(settings: Settings, address: str) -> str:
    return mail_url(settings.smtp_url, address)


def subscribe_email(
    session: Session, clock: Clock, settings: Settings, email: str, components: list[str]
) -> Subscriber:
    """Record an unconfirmed e-mail subscriber and send the confirm link (double opt-in); an
    address with a pending subscription of the last RESEND_AFTER gets that one, not a new mail.
    An address already subscribed is told so in the mail: confirming replaces its subscription
    (see `confirm`); the answer to the form is the same either way."""
    email = (email or "").strip().lower()
    if len(email) > 320 or not _EMAIL.match(email):
        raise Invalid("a valid e-mail address is needed", field="email")
    # The pending look-up and the hourly count are checks before an insert: two requests at
    # once must not both pass them (two mails to one address, or past the cap).
    take_turns(session, "statuspage.subscribe")
    now = clock.now()
    _forget_expired(session, now)
    pending = _pending(session, email, now)
    if pending is not None:
        return pending  # its confirm mail went out a moment ago: not mailed again
    _check_hourly_mails(session, now)
    current = _active(session, "email", email)
    subscriber = Subscriber(kind="email", target=email, components=list(components),
                            created_at=now)  # fmt: skip
    session.add(subscriber)
    session.flush()
    expires = int((now + CONFIRM_TTL).timestamp())
    link = _link(settings, "confirm", make_token(settings.secret_key, "confirm", subscriber.id,
                                                 expires))  # fmt: skip
    if current:
        body = (f"This address already gets status updates about {_about(current[0])}.\n"
                f"To hear about {_about(subscriber)} instead, confirm: {link}\n"
                "If you did not ask for this, ignore this message: nothing changes.")  # fmt: skip
    else:
        body = (f"Confirm that you want status updates: {link}\n"
                "If you did not ask for them, ignore this message.")  # fmt: skip
    notify.queue_message(
        session, clock, url=_mail_url(settings, email), title="Confirm your status subscription",
        body=body, incident_id=None, user_id=None, purpose="status_subscriber",
        idempotency_key=f"status:confirm:{subscriber.id}",
    )  # fmt: skip
    return subscriber


def _about(subscriber: Subscriber) -> str:
    """What a subscription hears about, in words."""
    if not subscriber.components:
        return "every component"
    return "the components " + ", ".join(str(c) for c in subscriber.components)


def _active(session: Session, kind: str, target: str) -> list[Subscriber]:
    """The confirmed, not ended subscriptions of an address (one, unless stored before a
    subscription per address was kept), oldest first."""
    query = select(Subscriber).where(
        Subscriber.kind == kind,
        Subscriber.target == target,
        Subscriber.confirmed_at.is_not(None),
        Subscriber.unsubscribed_at.is_(None),
    )
    return list(session.scalars(query.order_by(Subscriber.id)))


def _forget_expired(session: Session, now: datetime) -> None:
    """Unconfirmed subscriptions whose confirm link has expired can never start: deleted."""
    session.execute(
        delete(Subscriber).where(
            Subscriber.confirmed_at.is_(None), Subscriber.created_at <= now - CONFIRM_TTL
        )
    )


def _check_hourly_mails(session: Session, now: datetime) -> None:
    """TooManyPending when the last hour's unconfirmed subscriptions reach the hourly cap."""
    hour_ago = now - timedelta(hours=1)
    recent = select(func.count(), func.min(Subscriber.created_at)).where(
        Subscriber.kind == "email",
        Subscriber.confirmed_at.is_(None),
        Subscriber.created_at > hour_ago,
    )
    count, oldest = session.execute(recent).one()
    if count >= CONFIRM_MAILS_PER_HOUR:
        wait = (oldest - hour_ago).total_seconds() if oldest is not None else 3600
        raise TooManyPending(max(1, int(wait) + 1))


def _pending(session: Session, email: str, now: datetime) -> Subscriber | None:
    """An unconfirmed subscription of this address created within RESEND_AFTER, if any."""
    return session.scalar(
        select(Subscriber)
        .where(
            Subscriber.kind == "email",
            Subscriber.target == email,
            Subscriber.confirmed_at.is_(None),
            Subscriber.unsubscribed_at.is_(None),
            Subscriber.created_at > now - RESEND_AFTER,
        )
        .order_by(Subscriber.id.desc())
        .limit(1)
    )


def subscribe_webhook(
    session: Session, clock: Clock, url: str, components: list[str]
) -> Subscriber:
    """A webhook subscriber (added by an admin, so confirmed at once)."""
    url = (url or "").strip()
    if not url.startswith(("http://", "https://")) or len(url) > 500:
        raise Invalid("url must be an http(s) URL of at most 500 characters", field="url")
    refused = outbound.literal_refusal(url)
    if refused is not None:
        raise Invalid(f"url is {refused}", field="url")
    now = clock.now()
    subscriber = Subscriber(kind="webhook", target=url, components=list(components),
                            created_at=now, confirmed_at=now)  # fmt: skip
    session.add(subscriber)
    session.flush()
    return subscriber


# What following a confirm link did (the page tells the reader which).
CONFIRMED = "confirmed"  # the address's subscription starts
CHANGED = "changed"  # it replaces the address's subscription before
STILL_SUBSCRIBED = "still_subscribed"  # a link already used, or replaced by a later one
ENDED = "ended"  # the address unsubscribed after: the link does not start it again


def confirm(session: Session, clock: Clock, secret: str, token: str) -> tuple[Subscriber, str]:
    """Confirm an e-mail subscription from its link, and what that did (CONFIRMED, CHANGED,
    STILL_SUBSCRIBED, ENDED). A confirmed subscription is the address's only one: any other
    active subscription of the address ends. A link of a subscription that has ended starts
    nothing."""
    now = clock.now()
    subscriber_id = _token_id(secret, token, "confirm", int(now.timestamp()))
    # Two confirm links of one address followed at once must leave one subscription.
    take_turns(session, "statuspage.subscribe")
    subscriber = _by_id(session, subscriber_id)
    if subscriber.unsubscribed_at is not None:
        still = _active(session, subscriber.kind, subscriber.target)
        return subscriber, STILL_SUBSCRIBED if still else ENDED
    if subscriber.confirmed_at is not None:
        return subscriber, STILL_SUBSCRIBED
    before = _active(session, subscriber.kind, subscriber.target)
    for other in before:
        other.unsubscribed_at = now
    subscriber.confirmed_at = now
    session.flush()
    return subscriber, CHANGED if before else CONFIRMED


def unsubscribe(session: Session, clock: Clock, secret: str, token: str) -> Subscriber:
    """End every subscription of the link's address, pending ones too (idempotent)."""
    now = clock.now()
    subscriber_id = _token_id(secret, token, "unsubscribe", int(now.timestamp()))
    take_turns(session, "statuspage.subscribe")
    subscriber = _by_id(session, subscriber_id)
    same = select(Subscriber).where(
        Subscriber.kind == subscriber.kind,
        Subscriber.target == subscriber.target,
        Subscriber.unsubscribed_at.is_(None),
    )
    for row in session.scalars(same):
        row.unsubscribed_at = now
    session.flush()
    return subscriber


def _token_id(secret: str, token: str, action: str, now: int) -> int:
    try:
        return read_token(secret, token, action, now)
    except TokenError as exc:
        raise NotFound(str(exc), field="token") from exc


def _by_id(session: Session, subscriber_id: int) -> Subscriber:
    subscriber = session.get(Subscriber, subscriber_id)
    if subscriber is None:
        raise NotFound("this subscription no longer exists", field="token")
    return subscriber


def listing(session: Session) -> list[Subscriber]:
    """Every subscriber, oldest first."""
    return list(session.scalars(select(Subscriber).order_by(Subscriber.id)))


def announce(
    session: Session, clock: Clock, *, key: str, subject: str, body: str, components: list[str],
    unless_said: tuple[str, datetime] | None = None,
) -> None:  # fmt: skip
    """Tell subscribers of these components (after commit, on the engine); `unless_said`
    (state, since): not when a public update of the incident said that state since then (it
    told them already)."""
    payload: dict[str, Any] = {"key": key, "subject": subject, "body": body,
                               "components": components}  # fmt: skip
    if unless_said is not None:
        payload["unless_said"] = [unless_said[0], unless_said[1].isoformat()]
    engine.enqueue(session, clock, NOTIFY_KIND, payload, dedup_key=f"statuspage:{key}")


_INCIDENT_KEY = re.compile(r"^incident:(\d+):")


def _withdrawn(session: Session, key: str) -> bool:
    """Whether a message is about a publication taken off the page since it was queued (the
    engine was behind or down): its public name and texts are no longer public, so nothing is
    sent. Its key names the public id: one published again has a new id and sends as usual."""
    found = _INCIDENT_KEY.match(key)
    return found is not None and session.get(PublishedIncident, int(found.group(1))) is None


def _already_said(session: Session, payload: dict[str, Any]) -> bool:
    """Whether a public update of the message's incident said its state since it was queued."""
    found = _INCIDENT_KEY.match(str(payload["key"]))
    said = payload.get("unless_said")
    if found is None or not said:
        return False
    record = session.get(PublishedIncident, int(found.group(1)))
    since = datetime.fromisoformat(str(said[1]))
    return record is not None and any(
        u.state == said[0] and u.created_at >= since
        for u in comms.public_updates(session, record.incident_id)
    )


def fan_out(session: Session, clock: Clock, settings: Settings, payload: dict[str, Any]) -> int:
    """Queue one message per confirmed subscriber whose components are concerned (none when
    its incident was taken off the page since); one mail per address even where an address
    still has two subscriptions stored before one per address was kept."""
    if _withdrawn(session, str(payload["key"])) or _already_said(session, payload):
        return 0
    wanted = set(payload.get("components") or [])
    query = select(Subscriber).where(
        Subscriber.confirmed_at.is_not(None), Subscriber.unsubscribed_at.is_(None)
    )
    sent = 0
    mailed: set[str] = set()
    for subscriber in session.scalars(query.order_by(Subscriber.id)):
        if subscriber.components and wanted and not wanted & set(subscriber.components):
            continue
        if subscriber.kind == "email":
            if subscriber.target in mailed:
                continue
            mailed.add(subscriber.target)
        body = str(payload["body"])
        url = subscriber.target
        if subscriber.kind == "email":
            token = make_token(settings.secret_key, "unsubscribe", subscriber.id)
            body += f"\n\nUnsubscribe: {_link(settings, 'unsubscribe', token)}"
            url = _mail_url(settings, subscriber.target)
        notify.queue_message(
            session, clock, url=url, title=str(payload["subject"]), body=body,
            incident_id=None, user_id=None, purpose="status_subscriber",
            idempotency_key=f"status:{payload['key']}:{subscriber.id}",
        )  # fmt: skip
        sent += 1
    return sent
