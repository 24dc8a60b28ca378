"""The text of a page, from the `page` and `escalation` templates (the composition root hands
them to paging)."""

from __future__ import annotations

from sqlalchemy.orm import object_session

from warroom.comms.config import template_set
from warroom.comms.templates import Templates, context_of, when
from warroom.incidents.models import Incident


def page_text(incident: Incident, context: str) -> str:
    """A page's body above its links: the `page` template in force for this incident."""
    return _render("page", incident, context)


def escalation_text(incident: Incident, context: str) -> str:
    """An escalation page's body above its links: the `escalation` template in force."""
    return _render("escalation", incident, context)


def _render(key: str, incident: Incident, context: str) -> str:
    session = object_session(incident)
    templates = template_set(session) if session is not None else Templates({})
    ctx = context_of(
        ref=incident.ref,
        number=incident.number,
        title=incident.title,
        summary=incident.summary,
        severity=incident.severity,
        status=incident.status,
        start_time=when(incident.opened_at),
        affected_systems=incident.service_keys,
        context=context,
        impact=str((incident.impact or {}).get("description") or ""),
    )
    return templates.render(key, ctx)
