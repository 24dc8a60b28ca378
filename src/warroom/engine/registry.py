"""Job handlers: `@handler("kind")` registers `fn(ctx: JobContext, job: Job) -> None`.

Contract for handlers:
- `ctx.session` is a fresh session. The worker commits it after the handler returns, together
  with marking the job done, so the handler's writes and the job's completion land atomically.
  If the handler raises, its writes are rolled back and the job is retried later.
- A handler that makes an outbound call (HTTP, SMTP, ...) first commits its preparatory writes
  with `ctx.session.commit()`, so that no transaction is open during the call.
- Delivery is at least once: a crash after a side effect and before the commit repeats the job.
  Handlers are idempotent by design (check state first, carry idempotency keys).
- Raise `Retry(after=timedelta(...))` to choose the next attempt's delay, `PermanentFailure` to
  fail at once without retrying; any other exception retries with exponential back-off and
  jitter until `job.max_attempts` is spent, then the job is `failed` (and visible).
- `ctx.enqueue(kind, payload, ...)` schedules follow-up jobs in the same transaction.
- `ctx.complete_now()` marks the job done and commits before the handler returns (a handler
  that must know its last writes landed; see `JobContext.complete_now`).
- `@handler("kind", batch=True)` for handlers that only touch the database (no outbound
  call, no commit): the worker runs a claimed batch of them in one transaction.

Hooks a handler may carry, set as attributes of the handler function (`deliver.retried = fn`),
so that what a job works on is never left half-way when the job itself ends otherwise:
- `abandoned(ctx, job)`: its worker was lost on the job's last attempt (committed, then the
  job fails);
- `given_up(session, clock, job, reason, actor)`: the job ended without being done: it failed
  (attempts spent, or `PermanentFailure`; actor "engine") or an admin cancelled it (actor: who);
  runs in the transaction that ends the job;
- `retried(session, clock, job)`: an admin queued the failed or cancelled job again.

`@handler` only marks a function; nothing is registered by importing a module. The
composition root (`warroom.wiring.install`) hands each domain's handler module to
`register_module`, in the app factory and in every worker process, before work is claimed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import ModuleType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from warroom.clock import Clock
    from warroom.engine.models import Job
    from warroom.settings import Settings


class Retry(Exception):
    """Ask for another attempt after a given delay (still bounded by max_attempts)."""

    def __init__(self, message: str = "retry requested", *, after: timedelta) -> None:
        super().__init__(message)
        self.after = after


class Postpone(Exception):
    """Not now, through no fault of the job (e.g. its destination is busy): back to pending
    at now + after, and the attempt is not counted."""

    def __init__(self, message: str = "postponed", *, after: timedelta) -> None:
        super().__init__(message)
        self.after = after


class PermanentFailure(Exception):
    """The job cannot succeed (bad input, unknown target): mark it failed, no retry."""


@dataclass
class JobContext:
    """What a handler gets besides its job."""

    session: Session
    clock: Clock
    settings: Settings
    worker: str
    # In a shared transaction (batch=True jobs): this job and the next ones the transaction
    # may run after it, in order (it may end before them). A handler may read ahead for them
    # (lock their incidents together, by id); empty when the job runs alone.
    upcoming: Sequence[Job] = ()
    # Set by the worker for a job that runs alone (see `complete_now`); None elsewhere (a
    # shared transaction, a test calling a handler itself): the caller completes the job.
    completer: Callable[[], bool] | None = None
    # Whether `complete_now` marked the job done and committed (the worker then does not).
    completed: bool = False

    def complete_now(self) -> bool:
        """Mark the job done with the handler's writes and commit them now, rather than after
        the handler returns; False when that cannot be done here (no worker's completer, the
        job overran or another worker took it over): nothing is committed or marked then.

        For a handler that must know its last writes landed before it returns, so that it can
        keep part of them another way when that commit fails."""
        if self.completer is None or self.completed:
            return self.completed
        self.completed = self.completer()
        return self.completed

    def enqueue(
        self,
        kind: str,
        payload: dict[str, Any],
        *,
        run_at: datetime | None = None,
        dedup_key: str | None = None,
        incident_id: int | None = None,
        max_attempts: int = 10,
    ) -> Job:
        """Schedule a follow-up job; it commits with the current job's completion."""
        from warroom.engine.service import enqueue

        return enqueue(
            self.session,
            self.clock,
            kind,
            payload,
            run_at=run_at,
            dedup_key=dedup_key,
            incident_id=incident_id,
            max_attempts=max_attempts,
        )


Handler = Callable[[JobContext, "Job"], None]

_handlers: dict[str, Handler] = {}
_batchable: set[str] = set()
_max_run: dict[str, timedelta] = {}


def handler(
    kind: str, *, batch: bool = False, max_run: timedelta | None = None
) -> Callable[[Handler], Handler]:
    """Mark fn as the handler of jobs of this kind (registered later by `register_module`).

    batch=True declares that the handler only reads and writes the database through
    `ctx.session` (no outbound call, no commit). The worker may then run several such jobs
    in one transaction with one commit (much cheaper for floods of timers). If any of them
    raises, that transaction is rolled back and each job is run again on its own, so such a
    handler must be safe to run, be rolled back, and run again.

    max_run: how long one attempt may take (default `WARROOM_ENGINE_MAX_RUN_SECONDS`). Past
    it the worker stops renewing the job's lease and reports it (a handler that hangs), so
    the job is claimed again once the lease ends, and the worker goes on without it.
    """

    def mark(fn: Handler) -> Handler:
        fn.job_kind = kind  # type: ignore[attr-defined]
        fn.job_batch = batch  # type: ignore[attr-defined]
        fn.job_max_run = max_run  # type: ignore[attr-defined]
        return fn

    return mark


def register(
    kind: str, fn: Handler, *, batch: bool = False, max_run: timedelta | None = None
) -> None:
    """Make fn the handler of jobs of this kind (idempotent for the same function)."""
    existing = _handlers.get(kind)
    if existing is not None and existing is not fn:
        qualname = f"{existing.__module__}.{existing.__qualname__}"
        raise ValueError(f"job kind {kind!r} already has a handler ({qualname})")
    _handlers[kind] = fn
    if batch:
        _batchable.add(kind)
    else:
        _batchable.discard(kind)
    if max_run is not None:
        _max_run[kind] = max_run
    else:
        _max_run.pop(kind, None)


def register_module(module: ModuleType) -> list[str]:
    """Register every function of module marked with `@handler`; returns their kinds."""
    found = []
    for value in vars(module).values():
        kind = getattr(value, "job_kind", None)
        if callable(value) and isinstance(kind, str):
            batch = bool(getattr(value, "job_batch", False))
            register(kind, value, batch=batch, max_run=getattr(value, "job_max_run", None))
            found.append(kind)
    return sorted(found)


def batchable(kind: str) -> bool:
    """Whether jobs of this kind may share a transaction (see `handler(batch=True)`)."""
    return kind in _batchable


def batchable_kinds() -> frozenset[str]:
    return frozenset(_batchable)


def max_run(kind: str, default: timedelta) -> timedelta:
    """How long one attempt of a job of this kind may run before it counts as hung."""
    return _max_run.get(kind, default)


def get_handler(kind: str) -> Handler | None:
    return _handlers.get(kind)


def hook(kind: str, name: str) -> Any:
    """The `name` hook of the handler of `kind` (see the module docstring), or None."""
    return getattr(_handlers.get(kind), name, None)


def kinds() -> list[str]:
    return sorted(_handlers)
