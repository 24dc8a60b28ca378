"""Action requests and runs as the API takes and shows them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from warroom.actions.listing import shown_params
from warroom.actions.models import ActionDefinition, ActionRun
from warroom.redaction import MASK, is_secret_field


class RunRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: str = Field(min_length=1, max_length=64)
    params: dict[str, str | int] = Field(default_factory=dict)
    dry_run: bool = False


class RevertRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # A run that timed out or was interrupted may have taken effect: reverting it is a
    # person's call, said out loud.
    force: bool = False


class ActionOut(BaseModel):
    id: str
    title: str
    description: str
    kind: str
    params: list[dict[str, Any]]
    reversible: bool
    undo: str | None
    approval: list[str]
    limits: dict[str, Any]
    warning: str | None

    @classmethod
    def of(cls, row: ActionDefinition) -> ActionOut:
        d = row.definition
        reversible = bool(d.get("reversible", True))
        return cls(
            id=row.key,
            title=row.title,
            description=d.get("description") or "",
            kind=d["kind"],
            params=[_shown_param(p) for p in d.get("params") or []],
            reversible=reversible,
            undo=(d.get("undo") or {}).get("action"),
            approval=list(d.get("approval") or []),
            limits=dict(d.get("limits") or {}),
            warning=None if reversible else "not reversible: there is no undo",
        )


def _shown_param(param: dict[str, Any]) -> dict[str, Any]:
    """A declared parameter as the catalog shows it: a secret-named one's default (a token
    responders may leave out) masked, as its value is in every run."""
    if param.get("default") is None or not is_secret_field(str(param.get("name") or "")):
        return dict(param)
    return {**param, "default": MASK}


class RunOut(BaseModel):
    id: int
    incident_id: int
    incident: int  # its number (INC-n)
    action: str
    title: str
    state: str
    params: dict[str, Any]
    rendered: dict[str, Any]
    dry_run: bool
    reversible: bool
    needs_approval: bool
    requested_by: str
    requested_at: datetime
    expires_at: datetime | None
    approved_by: str | None
    approved_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    exit_code: int | None
    duration_ms: int | None
    stdout_sha256: str | None
    stderr_sha256: str | None
    evidence_id: int | None
    error: str | None
    undo_of: int | None
    reverted_at: datetime | None
    reverted_by_run: int | None
    warning: str | None

    @classmethod
    def of(cls, run: ActionRun, rendered: dict[str, Any], number: int) -> RunOut:
        return cls(
            id=run.id,
            incident_id=run.incident_id,
            incident=number,
            action=run.action_key,
            title=run.title,
            state=run.state,
            params=shown_params(run),
            rendered=rendered,
            dry_run=run.dry_run,
            reversible=run.reversible,
            needs_approval=run.needs_approval,
            requested_by=run.requested_by,
            requested_at=run.requested_at,
            expires_at=run.expires_at,
            approved_by=run.approved_by,
            approved_at=run.approved_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
            exit_code=run.exit_code,
            duration_ms=run.duration_ms,
            stdout_sha256=run.stdout_sha256,
            stderr_sha256=run.stderr_sha256,
            evidence_id=run.evidence_id,
            error=run.error,
            undo_of=run.undo_of_id,
            reverted_at=run.reverted_at,
            reverted_by_run=run.reverted_by_run_id,
            warning=None if run.reversible else "not reversible: there is no undo",
        )
