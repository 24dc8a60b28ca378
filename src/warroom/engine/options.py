"""Engine knobs from WARROOM_ENGINE_* environment variables (defaults suit one small site)."""

from __future__ import annotations

import os
from datetime import timedelta

from pydantic_settings import BaseSettings, SettingsConfigDict

from warroom.engine import registry


class EngineOptions(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WARROOM_ENGINE_", extra="ignore")

    # The safety net only: commits wake the engine at once (in-process event, LISTEN/NOTIFY).
    poll_seconds: float = 5.0
    # A claimed job stays with its worker this long; after that any worker may take it over.
    lease_seconds: float = 60.0
    # Jobs claimed per round trip: jobs run one transaction each (deliveries; a small batch
    # lets other workers share a flood), and `batch=True` jobs that share transactions.
    batch: int = 20
    batch_max: int = 200
    # Jobs of these kinds (comma-separated) call out and run on a pool of `threads` threads,
    # so that one slow destination does not hold up the rest while the worker keeps claiming.
    concurrent_kinds: str = "notify.deliver"
    threads: int = 16
    # Kinds claimed before every other shared-transaction kind (comma-separated): under a
    # flood, pages are planned and escalated before announcements and runbooks are attached.
    urgent_kinds: str = "paging.plan,paging.escalate,paging.unresolved,paging.notify"
    # A shared transaction commits after this long, so its effects are not held back, once
    # it holds batch_min jobs (or all that were claimed): under a flood, when each job takes
    # longer, a chunk still shares its reads, commit and hand-off over that many.
    batch_seconds: float = 0.1
    batch_min: int = 20
    # Retry delay after the n-th failed attempt: base * 2**(n-1), at most max, minus jitter.
    backoff_base_seconds: float = 5.0
    backoff_max_seconds: float = 3600.0
    # Log a warning (at most once a minute) when a job starts later than this after its time.
    behind_warning_seconds: float = 30.0
    # PostgreSQL: the worker's own transactions skip the wait for the WAL flush (see
    # Worker._connection for why a crash cannot lose a page that way). Requests are unaffected.
    async_commit: bool = True
    # One attempt of a job may run this long (unless its kind says otherwise, `handler(...,
    # max_run=)`): past it, its lease is no longer renewed and it is reported as hung.
    max_run_seconds: float = 900.0
    # Finished (done/cancelled) jobs are deleted after this many days; failed ones are kept.
    keep_done_days: float = 7.0

    def max_run(self, kind: str) -> timedelta:
        """How long one attempt of a job of this kind may run (see `handler(max_run=)`)."""
        return registry.max_run(kind, timedelta(seconds=self.max_run_seconds))

    def urgent(self) -> frozenset[str]:
        return frozenset(k.strip() for k in self.urgent_kinds.split(",") if k.strip())

    def pooled_kinds(self) -> frozenset[str]:
        return frozenset(k.strip() for k in self.concurrent_kinds.split(",") if k.strip())


def engine_enabled() -> bool:
    """False when WARROOM_ENGINE=off (set by `warroom serve --no-engine`)."""
    return os.environ.get("WARROOM_ENGINE", "on").strip().lower() not in ("off", "0", "false")
