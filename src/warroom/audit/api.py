"""Route for checking the timeline's hash chains (admins)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from warroom.audit.verify import verify
from warroom.deps import Admin, SessionDep
from warroom.incidents import service as incidents

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit/verify")
def verify_chains(_: Admin, session: SessionDep, incident: int | None = None) -> dict[str, Any]:
    """Recompute every chain (or one incident's, by number); ok=false names the first problem."""
    incident_id = incidents.get_incident(session, incident).id if incident is not None else None
    return verify(session, incident_id=incident_id).as_dict()
