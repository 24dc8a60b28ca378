"""Engine routes (job inspection, retry and cancel of jobs) and the embedded worker of `serve`.

`setup(app)` starts one worker thread when the app starts, unless WARROOM_ENGINE=off
(`warroom serve --no-engine`) or the app runs on a FakeClock (tests drive the engine
themselves with `Worker.run_once`).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, FastAPI, Query, Request

from warroom.clock import FakeClock
from warroom.deps import Admin, ClockDep, SessionDep, Viewer
from warroom.engine import service
from warroom.engine.options import EngineOptions, engine_enabled
from warroom.engine.schemas import EngineStatus, JobOut, OverrunJob
from warroom.openapi import API_ERRORS, BigIdPath, OptionalIdQuery

if TYPE_CHECKING:
    from warroom.engine.worker import Worker

log = logging.getLogger("warroom.engine")
router = APIRouter(prefix="/api/v1/engine", tags=["engine"], responses=API_ERRORS)


@router.get("/status", response_model=EngineStatus)
def status(request: Request, _: Viewer, session: SessionDep, clock: ClockDep) -> EngineStatus:
    counts, lag = service.queue_stats(session, clock)
    jobs: dict[str, dict[str, int]] = {}
    for (kind, state), n in counts.items():
        jobs.setdefault(kind, {})[state] = n
    embedded = getattr(request.app.state, "engine_worker", None) is not None
    overrun = [
        OverrunJob(
            id=job.id,
            kind=job.kind,
            locked_by=job.locked_by,
            running_seconds=int(running),
            limit_seconds=int(limit),
        )
        for job, running, limit in service.overrun_jobs(session, clock, EngineOptions().max_run)
    ]
    return EngineStatus(embedded_worker=embedded, lag_seconds=lag, jobs=jobs, overrun=overrun)


@router.get("/jobs", response_model=list[JobOut])
def list_jobs(
    _: Admin,
    session: SessionDep,
    state: str | None = None,
    kind: str | None = Query(None, description="kind prefix, e.g. 'paging.'"),
    incident_id: OptionalIdQuery = None,
    limit: int = Query(100, ge=1, le=1000),
) -> list[JobOut]:
    jobs = service.list_jobs(session, state=state, kind=kind, incident_id=incident_id, limit=limit)
    return [JobOut.model_validate(j) for j in jobs]


@router.get("/jobs/{job_id}", response_model=JobOut)
def get_job(job_id: BigIdPath, _: Admin, session: SessionDep) -> JobOut:
    return JobOut.model_validate(service.get_job(session, job_id))


@router.post("/jobs/{job_id}/retry", response_model=JobOut)
def retry_job(job_id: BigIdPath, admin: Admin, session: SessionDep, clock: ClockDep) -> JobOut:
    before = service.get_job(session, job_id).state
    job = service.retry_job(session, clock, job_id)
    service.record_retry(session, clock, job, admin.actor, before)
    session.commit()
    return JobOut.model_validate(job)


@router.post("/jobs/{job_id}/cancel", response_model=JobOut)
def cancel_job(job_id: BigIdPath, admin: Admin, session: SessionDep, clock: ClockDep) -> JobOut:
    job = service.cancel_job(session, clock, job_id, actor=admin.actor)
    session.commit()
    log.warning("job %s (%s) cancelled by %s", job.id, job.kind, admin.actor)
    return JobOut.model_validate(job)


def setup(app: FastAPI) -> None:
    app.state.startup_hooks.append(_start_embedded_worker)
    app.state.shutdown_hooks.append(_stop_embedded_worker)


def _start_embedded_worker(app: Any) -> None:
    if not engine_enabled() or isinstance(app.state.clock, FakeClock):
        app.state.engine_worker = None
        return
    from warroom.engine.worker import Worker

    worker = Worker(app.state.db, app.state.clock, app.state.settings)
    embedded = EmbeddedWorker(worker)
    embedded.start()
    app.state.engine_worker = embedded


def _stop_embedded_worker(app: Any) -> None:
    embedded = getattr(app.state, "engine_worker", None)
    if embedded is not None:
        embedded.stop()
        app.state.engine_worker = None


class EmbeddedWorker:
    """A worker on a daemon thread, for `warroom serve`."""

    def __init__(self, worker: Worker) -> None:
        self.worker = worker
        self.thread = threading.Thread(
            target=worker.run_forever, name="warroom-engine", daemon=True
        )

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self.worker.stop()
        self.thread.join(timeout)
