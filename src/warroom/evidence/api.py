"""Routes for the evidence locker; reading a private incident's evidence needs membership."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Annotated, Any

from fastapi import APIRouter, FastAPI, File, Form, Query, Response, UploadFile
from fastapi.responses import StreamingResponse
from pydantic import BeforeValidator, WithJsonSchema

from warroom.deps import Admin, ClockDep, Responder, SessionDep, SettingsDep, Viewer
from warroom.errors import NotFound, PayloadTooLarge
from warroom.evidence import service
from warroom.evidence.schemas import EvidenceIn, EvidenceOut
from warroom.evidence.tamper import verify_all
from warroom.evidence.uploads import UploadLimit
from warroom.incidents.access import visible_incident
from warroom.openapi import (
    API_ERRORS,
    MAX_ID,
    IdPath,
    IncidentNumberPath,
    _incident_number,
)

router = APIRouter(prefix="/api/v1", tags=["evidence"], responses=API_ERRORS)
INERT = service.INERT
EXPORT_CHUNK = 256 * 1024


@router.get("/incidents/{number}/evidence", response_model=list[EvidenceOut])
def list_evidence(
    number: IncidentNumberPath, principal: Viewer, session: SessionDep
) -> list[EvidenceOut]:
    incident = visible_incident(session, number, principal)
    return [EvidenceOut.model_validate(i) for i in service.list_evidence(session, incident)]


@router.post("/incidents/{number}/evidence", response_model=EvidenceOut, status_code=201)
def add_evidence(
    number: IncidentNumberPath,
    body: EvidenceIn,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> EvidenceOut:
    incident = visible_incident(session, number, principal)
    item = service.add_evidence(
        session,
        clock,
        incident,
        kind=body.kind,
        name=body.name,
        content=body.content.encode(),
        command=body.command,
        description=body.description,
        actor=principal.actor,
        max_bytes=settings.evidence_max_bytes,
    )
    out = EvidenceOut.model_validate(item)
    session.commit()
    return out


@router.post("/incidents/{number}/evidence/files", response_model=EvidenceOut, status_code=201)
def upload_file(
    number: IncidentNumberPath,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    file: Annotated[UploadFile, File()],
    name: Annotated[str | None, Form()] = None,
    description: Annotated[str, Form()] = "",
) -> EvidenceOut:
    incident = visible_incident(session, number, principal)
    limit = settings.evidence_max_bytes
    data = file.file.read(limit + 1)
    if len(data) > limit:
        raise PayloadTooLarge(f"the file is larger than the limit of {limit} bytes", field="file")
    item = service.add_evidence(
        session,
        clock,
        incident,
        kind="file",
        name=name or file.filename or "upload",
        content=data,
        content_type=file.content_type,
        description=description,
        actor=principal.actor,
        max_bytes=limit,
    )
    out = EvidenceOut.model_validate(item)
    session.commit()
    return out


@router.get(
    "/incidents/{number}/evidence/export",
    response_class=Response,
    responses={200: {"content": {"application/zip": {}}, "description": "A ZIP bundle"}},
)
def export_evidence(
    number: IncidentNumberPath, principal: Viewer, session: SessionDep, clock: ClockDep
) -> Response:
    incident = visible_incident(session, number, principal)
    spooled = service.export(session, clock, incident, actor=principal.actor)
    try:
        session.commit()
        size = spooled.seek(0, 2)
        spooled.seek(0)
    except BaseException:
        spooled.close()
        raise
    filename = f"{incident.ref}-evidence.zip"
    headers = {
        "Content-Disposition": f'attachment; filename="{filename}"',
        "Content-Length": str(size),
        **INERT,
    }
    return StreamingResponse(_chunks(spooled), media_type="application/zip", headers=headers)


def _chunks(spooled: IO[bytes]) -> Iterator[bytes]:
    """The export's bytes a piece at a time; the temporary file closed at the end (or when the
    client goes away)."""
    with spooled:
        while chunk := spooled.read(EXPORT_CHUNK):
            yield chunk


@router.get("/incidents/{number}/evidence/{item_id}", response_model=EvidenceOut)
def show_evidence(
    number: IncidentNumberPath, item_id: IdPath, principal: Viewer, session: SessionDep
) -> EvidenceOut:
    incident = visible_incident(session, number, principal)
    return EvidenceOut.model_validate(service.get_item(session, incident, item_id))


@router.get(
    "/incidents/{number}/evidence/{item_id}/content",
    response_class=Response,
    responses={200: {"content": {"*/*": {}}, "description": "The item, as uploaded"}},
)
def download_evidence(
    number: IncidentNumberPath,
    item_id: IdPath,
    principal: Viewer,
    session: SessionDep,
    clock: ClockDep,
) -> Response:
    incident = visible_incident(session, number, principal)
    item, data = service.download(session, clock, incident, item_id, actor=principal.actor)
    session.commit()
    return Response(
        data,
        media_type=service.served_type(item),
        headers=service.download_headers(item),
    )


@router.delete("/incidents/{number}/evidence/{item_id}", response_model=EvidenceOut)
def remove_evidence(
    number: IncidentNumberPath,
    item_id: IdPath,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
    reason: Annotated[str, Query(min_length=1, max_length=2000)],
) -> EvidenceOut:
    incident = visible_incident(session, number, principal)
    item = service.remove(
        session,
        clock,
        incident,
        item_id,
        actor=principal.actor,
        reason=reason,
        is_admin=principal.allows("admin"),
    )
    out = EvidenceOut.model_validate(item)
    session.commit()
    return out


def _incident_or_none(value: Any) -> Any:
    return None if value is None else _incident_number(value)


# ?incident= as every output prints it and every incident path takes it: INC-42, inc-42 or 42.
IncidentNumberQuery = Annotated[
    int | None,
    BeforeValidator(_incident_or_none),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^(?:[Ii][Nn][Cc]-)?[1-9][0-9]{0,8}$",
            "examples": ["INC-42"],
        }
    ),
    Query(ge=1, le=MAX_ID, description="only this incident: INC-42, inc-42 or 42"),
]


@router.get("/audit/verify", tags=["audit"])
def verify_chains(
    _: Admin, session: SessionDep, incident: IncidentNumberQuery = None
) -> dict[str, Any]:
    """Recompute every chain, its anchor and the evidence (or one incident's, by number);
    ok=false names the first problem of each chain and every evidence problem."""
    try:
        return verify_all(session, incident_number=incident).as_dict()
    except NotFound as exc:
        raise NotFound(exc.message, field="incident") from None


def setup(app: FastAPI) -> None:
    """An upload over the limit refused before it is spooled; on startup, make sure the
    periodic audit checkpoint is queued (when sinks are set)."""
    app.add_middleware(UploadLimit)

    def schedule_checkpoints(app: FastAPI) -> None:
        from warroom.audit.jobs import schedule

        with app.state.db.session() as session:
            schedule(session, app.state.clock, app.state.settings)

    app.state.startup_hooks.append(schedule_checkpoints)
