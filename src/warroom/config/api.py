"""Routes to apply config from files sent over HTTP and to read the current revision."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter
from sqlalchemy.orm import Session

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
    _refuse_new_commands(session, doc.raw())
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


# Sections whose items make the server run a command or send a request. An admin token must
# not be a remote shell: through the API the running items may be kept as they are or removed,
# never added or changed; that takes config applied on the server (`warroom config apply DIR`).
SERVER_ONLY = {"actions": "id"}


def _refuse_new_commands(session: Session, raw: dict[str, Any]) -> None:
    running = service.current_document(session)
    for section, ident in SERVER_ONLY.items():
        kept = [_canonical(item) for item in running.get(section) or []]
        for item in raw.get(section) or []:
            if not isinstance(item, dict):
                continue
            # The running document is stored masked (URL paths, header values): an item with
            # masked parts cannot be proven unchanged, so it too needs the server's config.
            masked = _canonical(mask_document(item))
            if masked != _canonical(item) or masked not in kept:
                raise Invalid(
                    f"{section}[{item.get(ident)}]: actions run commands and requests on the "
                    "server, so they are added or changed only by config applied there "
                    "(`warroom config apply DIR`); through the API they can be kept or removed",
                    field="files",
                )


def _canonical(item: Any) -> str:
    return json.dumps(item, sort_keys=True, default=str)


@router.get("/config", response_model=CurrentConfigOut)
def current_config(_: Viewer, session: SessionDep) -> CurrentConfigOut:
    revision = service.current_revision(session)
    if revision is None:
        return CurrentConfigOut(revision=None, document={})
    return CurrentConfigOut(
        revision=RevisionOut.model_validate(revision), document=mask_document(revision.document)
    )
