"""Lookups of the public records: whether an incident is on the page, and the settled ones
the page's times are read from (no page logic: `warroom.statuspage.service` builds on them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.clock import utc
from warroom.statuspage.models import PublishedIncident

# Settled incidents read for the page's times (newest first): enough for every component a
# recent resolution touched, bounded whatever the history holds.
SETTLED_READ = 100


def settled_since(session: Session, since: datetime) -> list[tuple[list[str], datetime]]:
    """(components, when) of published incidents no longer unresolved whose public record
    last changed after `since` (a resolution), newest first: the page's and its components'
    times must not go back when an incident leaves the unresolved ones."""
    query = (
        select(PublishedIncident.components, PublishedIncident.updated_at)
        .where(PublishedIncident.open.is_(False), PublishedIncident.updated_at > since)
        .order_by(PublishedIncident.updated_at.desc())
        .limit(SETTLED_READ)
    )
    return [(list(keys or []), utc(when)) for keys, when in session.execute(query)]


def is_published(session: Session, incident_id: int) -> PublishedIncident | None:
    """The public record of an incident, if it is published."""
    return session.scalar(
        select(PublishedIncident).where(PublishedIncident.incident_id == incident_id)
    )


def shown_publicly(session: Session, incident_id: int) -> bool:
    """Whether the incident is on the public page (published, open or in the history)."""
    return is_published(session, incident_id) is not None
