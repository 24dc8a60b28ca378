"""Silences: create them with matchers and a time span, list and expire them, and the ones in
force now, compiled for intake's suppression check (`suppression.py`).

Re-exported by `warroom.intake.service`, which the API, the pages and other domains import.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.config.types import parse_duration
from warroom.errors import Invalid, NotFound
from warroom.intake.models import Silence
from warroom.intake.routing import MatcherError, parse_matcher
from warroom.intake.suppression import ActiveSilence

DEFAULT_SILENCE = timedelta(hours=2)

_SILENCES: Table = Silence.__table__  # type: ignore[assignment]
_ACTIVE_SILENCES = (
    select(_SILENCES.c.id, _SILENCES.c.matchers)
    .where(
        _SILENCES.c.expired_at.is_(None),
        _SILENCES.c.starts_at <= bindparam("now"),
        _SILENCES.c.ends_at > bindparam("now"),
    )
    .order_by(_SILENCES.c.id)
)  # of two that match, an alert names the older, on every database


def active_silences(session: Session, now: datetime) -> list[ActiveSilence]:
    """Silences in force now, compiled."""
    session.flush()  # a silence added in this session counts, as with an ORM query
    rows = session.connection().execute(_ACTIVE_SILENCES, {"now": now})
    return [ActiveSilence(r.id, [parse_matcher(m) for m in r.matchers]) for r in rows]


def silence_state(silence: Silence, now: datetime) -> str:
    if silence.expired_at is not None or silence.ends_at <= now:
        return "expired"
    return "active" if silence.starts_at <= now else "pending"


def add_silence(
    session: Session,
    clock: Clock,
    *,
    matchers: list[str],
    author: str,
    comment: str,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    duration: str | None = None,
) -> Silence:
    """Create a silence; give ends_at or a duration."""
    parsed = []
    for i, text in enumerate(matchers):
        try:
            parsed.append(str(parse_matcher(text, untrusted=True)))
        except MatcherError as exc:
            raise Invalid(str(exc), field=f"matchers[{i}]") from None
    if not parsed:
        raise Invalid("a silence needs at least one matcher", field="matchers")
    now = clock.now()
    start = starts_at or now
    if start.tzinfo is None:
        raise Invalid("starts_at needs a time zone offset", field="starts_at")
    if duration is not None:
        try:
            end = start + parse_duration(duration)
        except ValueError as exc:
            raise Invalid(str(exc), field="duration") from None
        except OverflowError:  # an end past year 9999 (was a 500)
            message = f"{duration!r} from {start:%Y-%m-%d} is too long: it ends after year 9999"
            raise Invalid(message, field="duration") from None
    elif ends_at is not None:
        if ends_at.tzinfo is None:
            raise Invalid("ends_at needs a time zone offset", field="ends_at")
        end = ends_at
    else:
        raise Invalid("give ends_at or duration", field="ends_at")
    if end <= start or end <= now:
        raise Invalid("ends_at must be after starts_at and in the future", field="ends_at")
    if not comment.strip():
        raise Invalid("a silence needs a comment saying why", field="comment")
    silence = Silence(
        matchers=parsed,
        starts_at=start,
        ends_at=end,
        author=author,
        comment=comment.strip(),
        created_at=now,
    )
    session.add(silence)
    session.flush()
    return silence


def list_silences(
    session: Session, clock: Clock, *, include_expired: bool = False
) -> list[Silence]:
    """Silences, newest first; expired ones only when asked."""
    query = select(Silence).order_by(Silence.id.desc())
    if not include_expired:
        query = query.where(Silence.expired_at.is_(None), Silence.ends_at > clock.now())
    return list(session.scalars(query.limit(1000)))


def expire_silence(session: Session, clock: Clock, silence_id: int) -> Silence:
    """End a silence now."""
    silence = session.get(Silence, silence_id)
    if silence is None:
        raise NotFound(f"no silence {silence_id}", field="silence_id")
    if silence.expired_at is None:
        silence.expired_at = clock.now()
    return silence
