"""Engine API shapes."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class JobOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    kind: str
    state: str
    payload: dict[str, Any]
    run_at: datetime
    attempts: int
    max_attempts: int
    dedup_key: str | None
    incident_id: int | None
    locked_by: str | None
    lease_until: datetime | None
    last_error: str | None
    created_at: datetime
    finished_at: datetime | None


class OverrunJob(BaseModel):
    """A running job held past its kind's maximum run time: its handler seems hung."""

    id: int
    kind: str
    locked_by: str | None
    running_seconds: int
    limit_seconds: int


class EngineStatus(BaseModel):
    # Whether this API process runs the engine itself (not with `serve --no-engine`).
    embedded_worker: bool
    lag_seconds: float
    jobs: dict[str, dict[str, int]]
    overrun: list[OverrunJob] = []
