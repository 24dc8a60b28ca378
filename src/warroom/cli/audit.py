"""`warroom audit verify|checkpoint`: the timeline's hash chains, directly on the database."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer

from warroom.cli.output import (
    IncidentOption,
    JsonOption,
    database_errors,
    echo,
    fail,
    fmt_time,
    print_json,
)

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from warroom.audit.verify import Report

audit_app = typer.Typer(help="The tamper-evident timeline", no_args_is_help=True)


def _against_checkpoints(session: Session, report: Report, files: list[Path]) -> None:
    from warroom.audit import checkpoint
    from warroom.evidence.integrity import incident_numbers
    from warroom.settings import Settings, ensure_secret_key

    secret = ensure_secret_key(Settings())
    numbers = incident_numbers(session, None)
    for path in files:
        try:
            docs = checkpoint.load(path)
        except (OSError, ValueError) as exc:
            fail(str(exc))
        for doc in docs:
            report.problems += checkpoint.compare(session, doc, secret, numbers)


@audit_app.command("verify")
def verify(
    incident: int = IncidentOption,
    checkpoints: list[Path] = typer.Option(
        [],
        "--checkpoint",
        help="A checkpoint file (JSON, or JSON lines as the file sink writes them); repeatable",
    ),
    as_json: bool = JsonOption,
) -> None:
    """Exit 1 naming the first edited, deleted or reordered event of each broken chain, a
    wiped incident, evidence deleted, changed or revived, and with --checkpoint a chain cut
    short or recomputed since that checkpoint, or a forged checkpoint."""
    from warroom.db import Database
    from warroom.errors import WarroomError
    from warroom.evidence.tamper import verify_all
    from warroom.settings import Settings

    url = Settings().database_url
    with database_errors(url):
        db = Database(url)
    try:
        with database_errors(url), db.session() as session:
            report = verify_all(session, incident_number=incident)
            _against_checkpoints(session, report, checkpoints)
    except WarroomError as exc:
        fail(exc.message)
    finally:
        db.dispose()
    if as_json:
        print_json(report.as_dict())
    for problem in report.problems:
        echo(f"TAMPERED: {problem.message}", err=True)
    for messages in report.findings.values():
        for message in messages:
            echo(f"TAMPERED: {message}", err=True)
    if not report.ok:
        raise typer.Exit(1)
    if not as_json:
        echo(
            f"OK: {report.events} event(s) in {report.chains} chain(s) and "
            f"{report.checked.get('evidence', 0)} evidence item(s) verify"
            + (f", against {len(checkpoints)} checkpoint file(s)" if checkpoints else "")
        )


@audit_app.command("checkpoint")
def write_checkpoint(
    out: Path = typer.Option(None, "--out", help="Also append it to this file"),
    as_json: bool = JsonOption,
) -> None:
    """Write a signed checkpoint of every chain head now, to the configured sinks
    (WARROOM_AUDIT_CHECKPOINT_FILE / _URL / _EMAIL) and to --out."""
    from warroom.audit import checkpoint, sinks
    from warroom.clock import SystemClock
    from warroom.db import Database
    from warroom.settings import Settings, ensure_secret_key

    settings = Settings()
    with database_errors(settings.database_url):
        db = Database(settings.database_url)
    try:
        with database_errors(settings.database_url), db.session() as session:
            doc = checkpoint.build(session, SystemClock(), ensure_secret_key(settings))
    finally:
        db.dispose()
    if not out and not sinks.configured(settings):
        fail("no checkpoint sink is set: pass --out FILE or set WARROOM_AUDIT_CHECKPOINT_FILE")
    try:
        if out:
            sinks.append_file(out, doc)
        sent = sinks.deliver(settings, doc)
    except (OSError, sinks.SinkFailed) as exc:
        fail(f"checkpoint not written: {exc}")
    if as_json:
        print_json(doc)
        return
    where = ([str(out)] if out else []) + sent
    echo(
        f"checkpoint of {len(doc['heads'])} chain head(s) at {fmt_time(doc['written_at'])} "
        f"written to {', '.join(where)}"
    )


@audit_app.command("log")
def global_log(
    kind: str = typer.Option(None, "--kind", help="Only kinds starting with this, e.g. auth:"),
    limit: int = typer.Option(50, "--limit", min=1, max=500, help="The newest N events"),
    as_json: bool = JsonOption,
) -> None:
    """The global audit chain (what belongs to no incident: people, invites, API tokens, job
    cancels, config), oldest of the newest --limit first, directly on the database."""
    from warroom.audit import service as timeline
    from warroom.db import Database
    from warroom.settings import Settings

    url = Settings().database_url
    with database_errors(url):
        db = Database(url)
    try:
        with database_errors(url), db.session() as session:
            rows, _ = timeline.timeline_page(
                session, incident_id=None, limit=limit, kind_prefix=kind, newest_first=True
            )
            events: list[dict[str, Any]] = [
                {
                    "seq": row.seq,
                    "occurred_at": row.occurred_at.isoformat(),
                    "kind": row.kind,
                    "actor": row.actor,
                    "payload": row.payload,
                    "says": timeline.sentence(row.kind, row.payload),
                }
                for row in reversed(rows)
            ]
    finally:
        db.dispose()
    if as_json:
        print_json(events)
        return
    for event in events:
        echo(f"#{event['seq']} {fmt_time(event['occurred_at'])}  {event['actor']}: {event['says']}")
