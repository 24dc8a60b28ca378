"""`warroom audit verify`: recompute the timeline's hash chains, directly on the database."""

from __future__ import annotations

import typer

from warroom.cli.output import JsonOption, fail, print_json

audit_app = typer.Typer(help="The tamper-evident timeline", no_args_is_help=True)


@audit_app.command("verify")
def verify(
    incident: int = typer.Option(None, "--incident", help="Only this incident (number)"),
    as_json: bool = JsonOption,
) -> None:
    """Exit 1 naming the first edited, deleted or reordered event of each broken chain, and
    any evidence whose bytes or hash changed."""
    from warroom.db import Database
    from warroom.errors import WarroomError
    from warroom.evidence.tamper import verify_all
    from warroom.settings import Settings

    db = Database(Settings().database_url)
    try:
        with db.session() as session:
            report = verify_all(session, incident_number=incident)
    except WarroomError as exc:
        fail(exc.message)
    finally:
        db.dispose()
    if as_json:
        print_json(report.as_dict())
    for problem in report.problems:
        typer.echo(f"TAMPERED: {problem.message}", err=True)
    for messages in report.findings.values():
        for message in messages:
            typer.echo(f"TAMPERED: {message}", err=True)
    if not report.ok:
        raise typer.Exit(1)
    if not as_json:
        typer.echo(
            f"OK: {report.events} event(s) in {report.chains} chain(s) and "
            f"{report.checked.get('evidence', 0)} evidence item(s) verify"
        )
