"""Action routes: list actions, request / approve / revert runs, list an incident's runs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy.orm import Session

from warroom.actions import service
from warroom.actions.models import ActionRun
from warroom.actions.schemas import ActionOut, RevertRequest, RunOut, RunRequest
from warroom.deps import ClockDep, Responder, SessionDep, SettingsDep, Viewer
from warroom.errors import NotFound
from warroom.incidents import service as incidents
from warroom.incidents.access import hidden_incident_ids, may_see_incident_id, visible_incident
from warroom.openapi import API_ERRORS, IdPath, IncidentNumberPath
from warroom.principal import Principal

router = APIRouter(prefix="/api/v1", tags=["actions"], responses=API_ERRORS)


def _out(session: Session, run: ActionRun) -> RunOut:
    number = incidents.get_incident_by_id(session, run.incident_id).number
    return RunOut.of(run, service.public_view(run), number)


def _visible_run(session: Session, run_id: int, principal: Principal) -> ActionRun:
    run = service.get_run(session, run_id)
    if not may_see_incident_id(session, principal, run.incident_id):
        raise NotFound(f"no action run {run_id}", field="run")
    return run


@router.get("/actions", response_model=list[ActionOut])
def list_actions(principal: Viewer, session: SessionDep) -> list[ActionOut]:
    return [ActionOut.of(d) for d in service.list_definitions(session)]


@router.post("/incidents/{number}/actions", response_model=RunOut, status_code=202)
def request_run(
    number: IncidentNumberPath,
    body: RunRequest,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> RunOut:
    incident = visible_incident(session, number, principal)
    run = service.request_run(
        session,
        clock,
        incident,
        action=body.action,
        params=dict(body.params),
        actor=principal.actor,
        switch=settings.actions,
        dry_run=body.dry_run,
    )
    out = _out(session, run)
    session.commit()
    return out


@router.get("/incidents/{number}/actions", response_model=list[RunOut])
def incident_runs(
    number: IncidentNumberPath,
    principal: Viewer,
    session: SessionDep,
    active: Annotated[bool, Query(description="Only active mitigations")] = False,
    effect_unknown: Annotated[
        bool, Query(description="Only runs that timed out or were interrupted, not reverted")
    ] = False,
) -> list[RunOut]:
    incident = visible_incident(session, number, principal)
    if effect_unknown:
        return [_out(session, r) for r in service.effect_unknown(session, incident.id)]
    if active:
        return [_out(session, r) for r in service.active_mitigations(session, incident.id)]
    return [_out(session, r) for r in service.list_runs(session, incident.id)]


@router.get("/actions/runs", response_model=list[RunOut])
def list_runs(principal: Viewer, session: SessionDep) -> list[RunOut]:
    runs = service.list_runs(session, hidden=hidden_incident_ids(session, principal))
    return [_out(session, r) for r in runs]


@router.get("/actions/runs/{run_id}", response_model=RunOut)
def get_run(run_id: IdPath, principal: Viewer, session: SessionDep) -> RunOut:
    return _out(session, _visible_run(session, run_id, principal))


@router.post("/actions/runs/{run_id}/approve", response_model=RunOut)
def approve_run(
    run_id: IdPath,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
) -> RunOut:
    _visible_run(session, run_id, principal)
    run = service.approve(session, clock, run_id, actor=principal.actor, switch=settings.actions)
    out = _out(session, run)
    session.commit()
    return out


@router.post("/actions/runs/{run_id}/revert", response_model=RunOut, status_code=202)
def revert_run(
    run_id: IdPath,
    principal: Responder,
    session: SessionDep,
    clock: ClockDep,
    settings: SettingsDep,
    body: RevertRequest | None = None,
) -> RunOut:
    _visible_run(session, run_id, principal)
    force = body is not None and body.force
    run = service.revert(
        session, clock, run_id, actor=principal.actor, switch=settings.actions, force=force
    )
    out = _out(session, run)
    session.commit()
    return out
