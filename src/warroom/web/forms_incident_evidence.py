"""The incident page's form for evidence typed rather than uploaded: a note or a link.

Posted as the JSON API's `POST /api/v1/incidents/N/evidence` would be (the same service, checks
and timeline event); a refusal shows the page again with what was typed and why. Files are
uploaded through `forms_incident_comms`.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from warroom.errors import Invalid
from warroom.evidence import service as evidence
from warroom.evidence.naming import NAME_MAX, default_name
from warroom.incidents.models import Incident
from warroom.web.forms_incident import IncidentFormDep

router = APIRouter(include_in_schema=False)

KINDS = {"text": "note", "link": "link"}
KEPT = ("kind", "content", "name", "description")
NOTE_NAME_MAX = 80  # a note's default name: its first line, shortened


@router.post("/ui/incidents/{number}/evidence/note", response_model=None)
def add_note_or_link(post: IncidentFormDep) -> Response:
    """Keep a note or a link in the evidence locker (hashed, recorded on the timeline)."""

    def change(incident: Incident) -> str:
        kind = post.field("kind")
        if kind not in KINDS:
            raise Invalid(f"choose a note or a link, not {kind!r}", field="kind")
        content = post.field("content")
        if not content.strip():
            raise Invalid(f"write the {KINDS[kind]} to keep", field="content")
        name = post.field("name").strip()
        if not name:
            limit = NOTE_NAME_MAX if kind == "text" else NAME_MAX
            name = default_name(content, KINDS[kind], limit)
        item = evidence.add_evidence(
            post.session,
            post.clock,
            incident,
            kind=kind,
            name=name,
            content=(content.strip() if kind == "link" else content).encode(),
            description=post.field("description"),
            actor=post.me.actor,
            max_bytes=post.settings.evidence_max_bytes,
        )
        return f"evidence {item.name} added ({item.size} bytes)"

    return post.act_keeping("evidence", change, *KEPT)
