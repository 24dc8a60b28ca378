"""Routes to apply config from files sent over HTTP and to read the current revision."""

from __future__ import annotations

from fastapi import APIRouter

from warroom.config import service
from warroom.config.schemas import (
    ApplyOut,
    ConfigUpload,
    CurrentConfigOut,
    PlanEntryOut,
    RevisionOut,
)
from warroom.deps import Admin, ClockDep, SessionDep, Viewer
from warroom.errors import Invalid
from warroom.openapi import API_ERRORS
from warroom.redaction import mask_document

router = APIRouter(prefix="/api/v1", tags=["config"], responses=API_ERRORS)


@router.post("/config/apply", response_model=ApplyOut)
def apply_config(
    body: ConfigUpload, principal: Admin, session: SessionDep, clock: ClockDep
) -> ApplyOut:
    # Sent over the network: `${VAR}` and `X_file:` are refused (they would read the server).
    doc, problems = service.load_files(body.files, source="api")
    if problems:
        lines = problems.lines()
        raise Invalid(
            f"the config has {len(lines)} problem(s): {lines[0]}",
            field="files",
            details={"problems": lines},
        )
    result = service.apply_document(
        session,
        clock,
        doc,
        actor=principal.actor,
        dry_run=body.dry_run,
        applier=principal.email,
        force=body.force,
    )
    if body.dry_run:
        session.rollback()
    else:
        session.commit()
    return ApplyOut(
        dry_run=body.dry_run,
        revision_id=result.revision_id,
        digest=result.digest,
        summary=result.plan.summary(),
        plan=[PlanEntryOut(**entry) for entry in result.plan.to_json()],
        warnings=problems.warnings(),
        lockouts=result.lockouts,
    )


@router.get("/config", response_model=CurrentConfigOut)
def current_config(_: Viewer, session: SessionDep) -> CurrentConfigOut:
    revision = service.current_revision(session)
    if revision is None:
        return CurrentConfigOut(revision=None, document={})
    return CurrentConfigOut(
        revision=RevisionOut.model_validate(revision), document=mask_document(revision.document)
    )
