"""Large intake requests in bounded transactions.

One Alertmanager request may carry 10,000 alerts. Stored in one transaction it would hold
SQLite's single write lock (and PostgreSQL's group locks) for as long as it takes, and every
other sender would wait. So a batch is stored in chunks of `CHUNK_ALERTS` alerts, one
transaction each; other senders' requests commit between two chunks. The sender is answered
only once every chunk is stored. If a later chunk fails, the answer says how many alerts (and
which fingerprints) were stored; sending the whole request again is safe, since alerts already
stored are recognised by fingerprint and only counted as repeats.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from fastapi import FastAPI
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from warroom.clock import Clock
from warroom.errors import WarroomError
from warroom.intake import dedup, service
from warroom.intake.answers import shown_incidents
from warroom.intake.gate import gate_of
from warroom.intake.schemas import Batch
from warroom.intake.service import IngestResult
from warroom.intake.state import IntakeConfig
from warroom.principal import Principal

log = logging.getLogger("warroom.intake")

CHUNK_ALERTS = 500
# Called with the chunk number after each chunk but the last committed (tests use it as a
# barrier to show that another sender's request commits in between).
between_chunks: list[Callable[[int], None]] = []

Authorise = Callable[[Session, Clock, IntakeConfig], str]
Finish = Callable[[Session, Clock, str, IngestResult], None]
# Who reads the answer, once authorised: None for an integration's credential, else the person.
Reader = Callable[[], Principal | None]


class PartlyStored(WarroomError):
    """A later chunk failed: the earlier chunks are stored, and the answer says which."""

    def __init__(self, cause: WarroomError, stored: list[str], total: int) -> None:
        super().__init__(
            f"{len(stored)} of {total} alerts were stored before this failure: {cause.message} "
            "(sending the request again is safe: stored alerts count as repeats)",
            field=cause.field,
            code=cause.code,
            details={
                "stored": len(stored),
                "not_stored": total - len(stored),
                "stored_fingerprints": stored,
            },
        )
        self.status_code = cause.status_code


def split(batch: Batch, size: int = CHUNK_ALERTS) -> list[Batch]:
    """The batch in chunks of at most `size` alerts; a fingerprint appears in one chunk only."""
    if len(batch.alerts) <= size:
        return [batch]
    alerts = dedup.unique_by_fingerprint(batch.alerts)
    return [replace(batch, alerts=alerts[i : i + size]) for i in range(0, len(alerts), size)]


def merge(total: IngestResult, part: IngestResult) -> None:
    """Add one chunk's outcome to the request's."""
    for name in ("received", "created", "repeated", "resolved", "acknowledged", "ignored"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    total.suppressed += part.suppressed
    total.incidents.extend(n for n in part.incidents if n not in total.incidents)
    total.alert_ids.extend(part.alert_ids)


class _Request:
    """What the chunks of one request share: the integration once authorised, the outcome."""

    def __init__(self, authorise: Authorise, finish: Finish | None, reader: Reader) -> None:
        self.authorise, self.finish, self.reader = authorise, finish, reader
        self.key: str | None = None
        self.total = IngestResult()
        self.shown: list[int] = []  # the incidents the answer names (warroom.intake.answers)

    def work(self, part: Batch | None, last: bool) -> Callable[[Session, Clock, IntakeConfig], Any]:
        def run(
            session: Session, clock: Clock, cfg: IntakeConfig
        ) -> tuple[IngestResult, list[int]]:
            self.key = integration = self.key or self.authorise(session, clock, cfg)
            assert part is not None  # authorise raised the parse problem otherwise
            result = service.ingest(session, clock, cfg, integration, part)
            if last and self.finish is not None:
                sofar = IngestResult(incidents=list(self.total.incidents))
                merge(sofar, result)
                self.finish(session, clock, integration, sofar)
            # Kept once the transaction commits (a retried attempt starts again).
            fresh = [n for n in result.incidents if n not in self.total.incidents]
            return result, shown_incidents(session, fresh, self.reader())

        return run


async def ingest(
    app: FastAPI,
    authorise: Authorise,
    batch: Batch | None,
    finish: Finish | None = None,
    size: int = CHUNK_ALERTS,
    reader: Reader = lambda: None,
) -> IngestResult:
    """Authorise (first transaction) and store `batch` chunk by chunk; the merged outcome.

    `authorise` returns the integration key or raises (a bad credential, or the parse problem
    of a batch that is None); `finish` runs in the last chunk's transaction with the merged
    outcome so far. The outcome names only the incidents `reader` may know of (an
    integration, None: those not private; see warroom.intake.answers).
    """
    parts: list[Batch | None] = list(split(batch, size)) if batch is not None else [None]
    request = _Request(authorise, finish, reader)
    stored: list[str] = []
    for n, part in enumerate(parts):
        last = n == len(parts) - 1
        try:
            result, shown = await gate_of(app).run(app, request.work(part, last))
        except WarroomError as exc:
            if n == 0:
                raise
            raise PartlyStored(exc, stored, _count(batch)) from exc
        except Exception as exc:
            if n == 0:
                raise
            log.exception("intake: chunk %d of %d failed", n + 1, len(parts))
            failure = WarroomError("internal error", code="internal")
            failure.status_code = 500
            raise PartlyStored(failure, stored, _count(batch)) from exc
        merge(request.total, result)
        request.shown.extend(shown)
        stored.extend(a.fingerprint for a in (part.alerts if part else []))
        if not last:
            for hook in between_chunks:
                await run_in_threadpool(hook, n)
    request.total.received = 0 if batch is None else len(batch.alerts)
    request.total.incidents = request.shown
    return request.total


def _count(batch: Batch | None) -> int:
    return 0 if batch is None else len(dedup.unique_by_fingerprint(batch.alerts))
