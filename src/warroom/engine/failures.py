"""What the worker does when a job's attempt fails (see `warroom.engine.worker`).

- `record`: the attempt's error (a database error: its class, never its SQL or values, and
  where it was raised) is kept on the job, which is retried after its back-off (at once after
  a transient database error on an early attempt) or fails when its attempts are spent.
- A job that fails for good runs its kind's `given_up` hook in the same transaction, so what
  it worked on (a queued message, an action run) is ended with it.
- `abandon`: a job lost with its worker on its last attempt runs its kind's `abandoned` hook,
  then fails.
"""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from warroom.db import error_text, is_database_error, is_transient, savepoint
from warroom.engine import service
from warroom.engine.models import FAILED, Job
from warroom.engine.registry import JobContext, PermanentFailure, Retry, hook

if TYPE_CHECKING:
    from warroom.engine.worker import Worker

log = logging.getLogger("warroom.engine")

# Frames of the database layers, left out of a failed job's error (`where`).
_DB_CODE = re.compile(r"[/\\](sqlalchemy|psycopg|psycopg_pool)[/\\]")

# Attempts below this that fail with a transient database error are retried at once.
TRANSIENT_AT_ONCE = 3

# A handler may carry `handler.abandoned = fn(ctx, job)`: run (and committed) when its job is
# given up because the worker was lost on its last attempt, so that the handler's own state is
# not left half-way (delivery marks its message failed rather than `sending` for good).
AbandonHook = Callable[[JobContext, Job], None]


def abandon(ctx: JobContext, job: Job) -> None:
    """A job lost with its worker on its last attempt: let its kind clean up, then fail."""
    abandoned: AbandonHook | None = hook(job.kind, "abandoned")
    if abandoned is not None:
        abandoned(ctx, job)
        ctx.session.commit()
    raise PermanentFailure(f"its worker was lost on the last of {job.max_attempts} attempts")


def record(worker: Worker, job: Job, exc: Exception) -> None:
    """Keep the failed attempt's error on the job: retry it later, or fail it when spent."""
    permanent = isinstance(exc, PermanentFailure)
    if isinstance(exc, Retry):
        retry_after: timedelta | None = exc.after
    elif is_transient(exc) and job.attempts < TRANSIENT_AT_ONCE:
        # A lost race for a lock (deadlock, SQLite's stale read snapshot, a dropped
        # connection) says nothing about the job: it runs again at once, as the unit of
        # work of a request would, not after the back-off meant for a failing handler.
        retry_after = timedelta(0)
    else:
        retry_after = service.backoff(
            job.attempts,
            base=worker.options.backoff_base_seconds,
            maximum=worker.options.backoff_max_seconds,
        )
    error = error_text(exc)  # a database error: its class, never its SQL or values
    if not isinstance(exc, Retry | PermanentFailure):
        error += "\n" + where(exc)
    with worker.db.session() as session:
        outcome = service.record_failure(
            session,
            worker.clock,
            job.id,
            worker.name,
            error,
            retry_after=retry_after,
            permanent=permanent,
        )
        if outcome is not None and outcome.state == FAILED:
            _given_up(worker, session, job, error)
    if outcome is not None:
        log.warning(
            "job %s (%s) attempt %s failed: %s -> %s",
            job.id,
            job.kind,
            job.attempts,
            error.splitlines()[0],
            outcome.state,
        )


def _given_up(worker: Worker, session: Session, job: Job, error: str) -> None:
    """The job failed for good: its kind's `given_up` hook ends what it worked on, in the
    transaction that fails the job (if the hook itself fails, the job still fails)."""
    given_up = hook(job.kind, "given_up")
    if given_up is None:
        return
    spent = f"after {job.attempts} attempts" if job.attempts > 1 else "at its first attempt"
    reason = f"its job failed {spent}: {error.splitlines()[0]}"
    try:
        with savepoint(session):
            given_up(session, worker.clock, job, reason, "engine")
    except Exception:
        log.exception("job %s (%s): its given_up hook failed", job.id, job.kind)


def where(exc: Exception) -> str:
    """The end of the traceback; for a database error only the places outside the database
    layers (the handler's line), without the exception's own text or source lines."""
    if not is_database_error(exc):
        return "".join(traceback.format_exception(exc)[-3:])
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not _DB_CODE.search(f.filename)]
    return "".join(f'  File "{f.filename}", line {f.lineno}, in {f.name}\n' for f in frames[-2:])
