"""The engine's side of actions: `actions.execute` runs a queued run, `actions.lapse` expires.

A run is executed outside any transaction: the handler marks it running and commits, runs the
command or request, then records the outcome (evidence with sha256, timeline) and commits with
the job. A run found `running` again (its worker died mid-run) is marked interrupted rather
than repeated: a mitigation must not run twice behind the responders' backs. A job that fails
for good before the run ended, or that an admin cancels, ends its run `failed` with the reason
(`given_up`), so no run stays `queued` or `running` for good.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any
from urllib.parse import quote, quote_plus

from sqlalchemy.orm import Session

from warroom.actions import runner, service
from warroom.actions.config import MAX_TIMEOUT
from warroom.actions.models import (
    AWAITING_APPROVAL,
    FAILED,
    INTERRUPTED,
    LAPSED,
    QUEUED,
    REFUSED,
    RUNNING,
    SUCCEEDED,
    TIMED_OUT,
    ActionRun,
)
from warroom.actions.runner import Outcome
from warroom.clock import Clock
from warroom.engine.models import Job
from warroom.engine.registry import JobContext, handler
from warroom.errors import Conflict
from warroom.evidence import service as evidence
from warroom.incidents import service as incidents
from warroom.redaction import MASK


@handler(service.LAPSE_KIND, batch=True)
def lapse_run(ctx: JobContext, job: Job) -> None:
    if job.incident_id is not None:
        incidents.lock_by_id(ctx.session, job.incident_id)  # the lock order: incident first
    service.lapse(ctx.session, ctx.clock, int(job.payload["run_id"]))


def _lapse_given_up(session: Session, clock: Clock, job: Job, reason: str, actor: str) -> None:
    """Nothing would lapse the run any more (its job failed for good, or an admin cancelled
    it): it lapses now, rather than await approval for ever and count against the limits."""
    if job.incident_id is not None:
        incidents.lock_by_id(session, job.incident_id)
    run = session.get(ActionRun, int(job.payload["run_id"]), populate_existing=True)
    if run is not None and run.state == AWAITING_APPROVAL:
        _end(session, clock, run, LAPSED, actor, error=reason)


lapse_run.given_up = _lapse_given_up  # type: ignore[attr-defined]


# A run takes at most its timeout (1 h at most; an http answer trickling in, twice that)
# and the wait for the output: past this, its job is hung (warroom.engine.registry).
EXECUTE_MAX_RUN = 2 * MAX_TIMEOUT + timedelta(minutes=5)


@handler(service.EXECUTE_KIND, max_run=EXECUTE_MAX_RUN)
def execute_run(ctx: JobContext, job: Job) -> None:
    session, clock = ctx.session, ctx.clock
    incident = None
    if job.incident_id is not None:
        incident = incidents.lock_by_id(session, job.incident_id)  # first: the write lock
    run = session.get(ActionRun, int(job.payload["run_id"]))
    if run is None or run.state not in (QUEUED, RUNNING):
        return
    if run.state == RUNNING:
        _finish(ctx, run, INTERRUPTED, error="its worker was lost while running; not repeated")
        return
    if not service.enabled(session, ctx.settings.actions):
        _finish(ctx, run, REFUSED, error=service.SWITCHED_OFF)
        return
    closed = service.closed_for(incident, run)
    if closed is not None:  # resolved after the run was queued: a mitigation is not applied
        _finish(ctx, run, REFUSED, error=closed)
        return
    if service.hold_for_approval(session, clock, run):
        return
    run.state, run.started_at = RUNNING, clock.now()
    session.commit()
    limit = service.output_limit(session)
    outcome = _perform(run, limit)
    incidents.lock_by_id(session, run.incident_id)
    session.refresh(run)
    state = SUCCEEDED if outcome.ok else TIMED_OUT if outcome.timed_out else FAILED
    run.exit_code, run.duration_ms = outcome.exit_code, outcome.duration_ms
    run.stdout_sha256 = hashlib.sha256(outcome.stdout).hexdigest()
    run.stderr_sha256 = hashlib.sha256(outcome.stderr).hexdigest()
    run.evidence_id = _store_evidence(ctx, run, outcome, limit)
    _finish(
        ctx,
        run,
        state,
        error=outcome.error,
        exit_code=outcome.exit_code,
        duration_ms=outcome.duration_ms,
        evidence_id=run.evidence_id,
        stdout_sha256=run.stdout_sha256,
        stderr_sha256=run.stderr_sha256,
    )
    if state == SUCCEEDED:
        service.undo_succeeded(session, clock, run)


def _abandoned(ctx: JobContext, job: Job) -> None:
    """Its worker was lost on the last attempt: the run must not stay `running` for good."""
    run = ctx.session.get(ActionRun, int(job.payload["run_id"]))
    if run is not None and run.state in (QUEUED, RUNNING):
        _finish(ctx, run, INTERRUPTED, error="its worker was lost while running; not repeated")


def _given_up(session: Session, clock: Clock, job: Job, reason: str, actor: str) -> None:
    """The job failed for good or an admin cancelled it: its run ends `failed` with the
    reason, on the timeline, rather than stay `queued` (or `running`) for good."""
    if job.incident_id is not None:
        incidents.lock_by_id(session, job.incident_id)  # the lock order: incident first
    run = session.get(ActionRun, int(job.payload["run_id"]), populate_existing=True)
    if run is not None and run.state in (QUEUED, RUNNING):
        _end(session, clock, run, FAILED, actor, error=reason)


def _retried(session: Session, clock: Clock, job: Job) -> None:
    """An admin retries the job: only while its run still waits to run. An ended run is not
    run again behind the responders' backs (the job would find nothing to do): a 409."""
    run = session.get(ActionRun, int(job.payload["run_id"]))
    if run is not None and run.state != QUEUED:
        raise Conflict(
            f"run {run.id} of action {run.action_key} has ended {run.state}: retrying its job "
            "would run nothing; request the action again",
            field="job_id",
        )


execute_run.abandoned = _abandoned  # type: ignore[attr-defined]
execute_run.given_up = _given_up  # type: ignore[attr-defined]
execute_run.retried = _retried  # type: ignore[attr-defined]


def _perform(run: ActionRun, limit: int) -> Outcome:
    timeout = service.timeout_of(run.definition)
    if "argv" in run.rendered:
        return runner.command_runner().run(list(run.rendered["argv"]), timeout, limit)
    return runner.http_runner().send(dict(run.rendered["request"]), timeout, limit)


def _finish(ctx: JobContext, run: ActionRun, state: str, **extra: Any) -> None:
    _end(ctx.session, ctx.clock, run, state, "engine", **extra)


def _end(
    session: Session, clock: Clock, run: ActionRun, state: str, actor: str, **extra: Any
) -> None:
    run.state, run.finished_at = state, clock.now()
    run.error = extra.get("error")
    session.flush()
    service.record(session, clock, run, state, actor, **extra)


def _store_evidence(ctx: JobContext, run: ActionRun, outcome: Outcome, limit: int) -> int:
    command = _command_text(run)
    lines = [
        f"action: {run.action_key} (run {run.id})",
        f"command: {command}",
        f"exit code: {outcome.exit_code}",
        f"duration: {outcome.duration_ms} ms",
        f"stdout sha256: {hashlib.sha256(outcome.stdout).hexdigest()}",
        f"stderr sha256: {hashlib.sha256(outcome.stderr).hexdigest()}",
    ]
    if outcome.error:
        lines.append(f"error: {outcome.error}")
    if outcome.truncated:
        lines.append("output truncated to the configured output_limit")
    credentials = service.credentials_of(run)
    cut = outcome.truncated
    stdout, hidden_out = _masked(outcome.stdout, credentials, cut and len(outcome.stdout) >= limit)
    stderr, hidden_err = _masked(outcome.stderr, credentials, cut and len(outcome.stderr) >= limit)
    if hidden_out or hidden_err:
        lines.append(
            f"masked: {hidden_out + hidden_err} repetition(s) of this run's credentials in its "
            "output (the sha256 lines are of the output as printed)"
        )
    body = _evidence_body(lines, stdout, stderr, ctx.settings.evidence_max_bytes)
    incident = incidents.get_incident_by_id(ctx.session, run.incident_id)
    item = evidence.add_evidence(
        ctx.session,
        ctx.clock,
        incident,
        kind="command",
        name=f"action {run.action_key} run {run.id}",
        content=body,
        actor="engine",
        max_bytes=ctx.settings.evidence_max_bytes,
        command=command,
    )
    return item.id


def _evidence_body(lines: list[str], stdout: bytes, stderr: bytes, limit: int) -> bytes:
    """The header lines, then both outputs; over `limit` (WARROOM_EVIDENCE_MAX_BYTES), each
    output is cut (stderr keeps at least half the room it needs) and a line says how much."""

    def join(head: list[str], out: bytes, err: bytes) -> bytes:
        text = "\n".join(head).encode() + b"\n--- stdout ---\n" + out
        return text + b"\n--- stderr ---\n" + err

    body = join(lines, stdout, stderr)
    if len(body) <= limit:
        return body
    note = (
        f"cut to WARROOM_EVIDENCE_MAX_BYTES ({limit} bytes): stdout keeps 0000000000 of "
        f"{len(stdout)} bytes, stderr 0000000000 of {len(stderr)}"
    )
    room = max(0, limit - len(join([*lines, note], b"", b"")))
    err = min(len(stderr), max(room // 2, room - len(stdout)))
    out = min(len(stdout), room - err)
    note = (
        f"cut to WARROOM_EVIDENCE_MAX_BYTES ({limit} bytes): stdout keeps {out} of "
        f"{len(stdout)} bytes, stderr {err} of {len(stderr)}"
    )
    return join([*lines, note], stdout[:out], stderr[:err])[:limit]


def _masked(output: bytes, credentials: list[str], cut: bool = False) -> tuple[bytes, int]:
    """The output with each credential (as written or percent-encoded) masked, and how many
    were: evidence is readable by every viewer of the incident, the run's secrets are not.

    `cut`: the output was cut at `output_limit`, maybe inside a credential: what it kept of
    one at its end (its first part) is masked too."""
    count = 0
    forms = {f for c in credentials for f in (c, quote(c, safe=""), quote_plus(c, safe=""))}
    for form in sorted(forms, key=len, reverse=True):
        raw = form.encode()
        count += output.count(raw)
        output = output.replace(raw, MASK.encode())
    if cut:
        kept = max(
            (
                n
                for f in forms
                for n in range(1, len(f.encode()))
                if output.endswith(f.encode()[:n])
            ),
            default=0,
        )
        if kept:
            output, count = output[:-kept] + MASK.encode(), count + 1
    return output, count


def _command_text(run: ActionRun) -> str:
    """The command as the evidence shows it: credentials masked, as on the timeline."""
    shown = service.public_view(run)
    if "argv" in shown:
        import shlex

        return shlex.join(shown["argv"])
    request = shown["request"]
    return f"{request['method']} {request['url']}"
