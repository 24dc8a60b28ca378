"""Read routes for the configured organisation, and severity classification."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from warroom.auth import service as auth_service
from warroom.catalog import service
from warroom.catalog.schemas import (
    ClassificationOut,
    ClassifyIn,
    ServiceOut,
    SeverityOut,
    TeamOut,
)
from warroom.deps import SessionDep, Viewer
from warroom.openapi import API_ERRORS

router = APIRouter(prefix="/api/v1", tags=["catalog"], responses=API_ERRORS)


@router.get("/severities", response_model=list[SeverityOut])
def list_severities(
    _: Viewer, session: SessionDep, include_inactive: bool = False
) -> list[SeverityOut]:
    rows = service.list_severities(session, include_inactive=include_inactive)
    return [SeverityOut.model_validate(r) for r in rows]


@router.get("/services", response_model=list[ServiceOut])
def list_services(
    _: Viewer, session: SessionDep, include_inactive: bool = False
) -> list[ServiceOut]:
    rows = service.list_services(session, include_inactive=include_inactive)
    return [ServiceOut.of(r) for r in rows]


@router.get("/teams", response_model=list[TeamOut])
def list_teams(_: Viewer, session: SessionDep, include_inactive: bool = False) -> list[TeamOut]:
    emails = {u.id: u.email for u in auth_service.list_users(session)}
    rows = service.list_teams(session, include_inactive=include_inactive)
    return [TeamOut.of(r, emails) for r in rows]


@router.get("/severity-matrix")
def get_severity_matrix(_: Viewer, session: SessionDep) -> dict[str, Any]:
    """The configured questions (each also accepts "unsure") and rules."""
    return service.severity_matrix(session).model_dump(mode="json")


@router.post("/classify", response_model=ClassificationOut)
def classify(body: ClassifyIn, _: Viewer, session: SessionDep) -> ClassificationOut:
    result = service.classify_answers(session, body.answers)
    return ClassificationOut(**result.to_json())
