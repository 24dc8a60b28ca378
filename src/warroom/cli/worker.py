"""`warroom worker`: a standalone engine process (split deployment on PostgreSQL).

Run any number of them next to `warroom serve --no-engine`; they share the work through the
database (FOR UPDATE SKIP LOCKED, leases) and wake on NOTIFY. SIGTERM or SIGINT stops a worker
gracefully: it finishes the job in hand and gives back the ones it had claimed but not started.
`--name` is a prefix: each process adds its pid and a random suffix, so replicas started with
one name still hold their leases apart (a job taken over is never mistaken for one's own).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from warroom.cli.output import database_errors, fail, redact_url

if TYPE_CHECKING:
    from warroom.db import Database


def worker(
    name: str = typer.Option(
        None, "--name", help="Worker name shown in job leases (a unique suffix is added)"
    ),
    poll: float = typer.Option(
        None, "--poll", min=0.01, help="Safety-net poll interval in seconds (over 0)"
    ),
    lease: float = typer.Option(
        None, "--lease", min=1, help="Lease length in seconds (at least 1)"
    ),
) -> None:
    """Run the engine: deliver notifications and run due jobs until stopped."""
    import logging
    import signal
    import threading

    from warroom import wiring
    from warroom.clock import SystemClock
    from warroom.db import Database
    from warroom.engine.options import EngineOptions
    from warroom.engine.worker import Worker, default_name
    from warroom.settings import Settings, ensure_secret_key

    settings = Settings()
    settings.secret_key = ensure_secret_key(settings)
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    options = EngineOptions()
    if poll is not None:
        options.poll_seconds = poll
    if lease is not None:
        options.lease_seconds = lease
    with database_errors(settings.database_url):
        db = Database(settings.database_url)
        if not _migrated(db):
            db.dispose()
            fail(
                f"the database at {redact_url(settings.database_url)} is not migrated: "
                "run `warroom db upgrade` (or start `warroom serve`, which does)"
            )
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        logging.getLogger("warroom.engine").info("signal %s: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    wiring.install()
    try:
        unique = f"{name}:{default_name()}" if name else None  # default_name: host:pid:random
        Worker(db, SystemClock(), settings, unique, options=options).run_forever(stop)
    finally:
        db.dispose()


def _migrated(db: Database) -> bool:
    """Whether the database carries a schema revision (`warroom db upgrade` ran on it)."""
    from sqlalchemy import inspect

    with db.engine.connect() as conn:
        return inspect(conn).has_table("alembic_version")
