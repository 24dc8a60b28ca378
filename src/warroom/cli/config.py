"""`warroom config check|plan|apply|show`: config as code from a directory of YAML files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from warroom.cli.output import JsonOption, api_errors, echo, fail, fmt_time, print_json

app = typer.Typer(help="Configuration as code (a directory of YAML files)", no_args_is_help=True)

DirArg = typer.Argument(..., help="Config directory (every *.yaml / *.yml in it) or one file")


@app.command("check")
def check(directory: Path = DirArg) -> None:
    """Validate a config directory; print each problem as file:line: message (exit 1 if any)."""
    from warroom import wiring
    from warroom.config.service import load_directory

    wiring.install()
    doc, problems = load_directory(directory)
    for warning in problems.warnings():
        echo(warning)
    if problems:
        for line in problems:
            echo(line)
        fail(f"{len(problems)} problem(s) in {directory}")
    counts = []
    for key, value in doc.raw().items():
        if isinstance(value, list):
            counts.append(f"{len(value)} {key}")
        elif value is not None:
            counts.append(key)
    summary = ", ".join(counts) or "no sections"
    echo(f"{directory}: ok ({summary}; digest {doc.digest[:12]})")


ForceOption = typer.Option(
    False, "--force", help="Apply even if it deactivates you or the last active admin"
)
ActorOption = typer.Option(
    "cli", "--actor", help="Recorded as who applied; an e-mail also names the applying user"
)


def _run(directory: Path, actor: str, *, dry_run: bool, force: bool = False) -> Any:
    """Check and apply (or plan) a directory on WARROOM_DATABASE_URL; one line on failure."""
    import os

    from sqlalchemy.exc import SQLAlchemyError

    from warroom import wiring
    from warroom.cli.client import load_cli_config
    from warroom.config.service import apply_directory
    from warroom.errors import WarroomError
    from warroom.migrate import upgrade
    from warroom.settings import Settings

    actor = actor.strip()
    if not actor:  # recorded as who applied the revision: never nobody
        raise typer.BadParameter("name who applies (a name or an e-mail)", param_hint="--actor")
    wiring.install()
    applier = actor.lower() if "@" in actor else None
    token = os.environ.get("WARROOM_TOKEN") or load_cli_config().get("token")
    url = Settings().database_url
    done = "nothing was written" if dry_run else "nothing was applied"
    try:
        result = apply_directory(
            url,
            directory,
            actor,
            dry_run=dry_run,
            applier=applier,
            token=token,
            force=force,
            upgrade=upgrade,
        )
    except WarroomError as exc:
        fail(f"{exc.message}; {done}")
    except SQLAlchemyError as exc:
        reason = (str(getattr(exc, "orig", None) or exc).splitlines() or ["unknown"])[0]
        fail(f"database error: {reason}; {done} (is the database migrated? `warroom db upgrade`)")
    for warning in result.warnings:
        echo(warning, err=True)
    if result.problems:
        for line in result.problems:
            echo(line)
        fail(f"{len(result.problems)} problem(s) in {directory}; {done}")
    if result.migrated:
        echo(result.migrated, err=True)
    return result


def _as_json(result: Any, dry_run: bool) -> dict[str, Any]:
    return {
        "dry_run": dry_run,
        "revision_id": result.revision_id,
        "digest": result.digest,
        "plan": result.plan.to_json(),
        "warnings": result.warnings,
    }


def _print_plan(result: Any) -> None:
    for line in result.plan.detail():
        echo(line)
    for lockout in result.lockouts:
        echo(f"warning: {lockout}; `config apply` refuses it without --force")


@app.command("plan")
def plan(
    directory: Path = DirArg,
    actor: str = ActorOption,
    simulate_severity: str = typer.Option(
        None,
        "--simulate",
        metavar="SEVERITY",
        help="Also play an incident of this severity through the config --before and after",
    ),
    before: Path = typer.Option(
        None, "--before", help="The config directory as it is today, for --simulate"
    ),
    service: str = typer.Option(None, "--service", help="The simulated incident's service"),
    hours: float = typer.Option(6.0, "--hours", help="How long to play, for --simulate"),
    as_json: bool = JsonOption,
) -> None:
    """Show what applying a directory would change, field by field; writes nothing.

    With --simulate SEVERITY --before OLD_DIR, also play one unacknowledged incident through the
    old and the new config on a fake clock and show who is paged when, side by side.
    """
    if simulate_severity is not None and before is None:
        fail("--simulate needs --before DIR: the config directory as it is today")
    result = _run(directory, actor, dry_run=True)
    if as_json:
        shown = _as_json(result, True)
        print_json(shown | {"summary": result.plan.summary(), "lockouts": result.lockouts})
    else:
        _print_plan(result)
        echo(f"plan: {result.plan.summary()}; nothing was written")
    if simulate_severity is not None and before is not None:
        _simulate_both(before, directory, simulate_severity, service, hours, as_json)


def _simulate_both(
    before: Path, after: Path, severity: str, service: str | None, hours: float, as_json: bool
) -> None:
    """The same incident played through the old and the new config (see `warroom simulate`)."""
    from warroom.cli.simulate import play_directory, show_runs

    scenario = {"severity": severity, "service": service, "hours": hours}
    old, new = play_directory(before, scenario), play_directory(after, scenario)
    show_runs(old, new, as_json)


@app.command("apply")
def apply(
    directory: Path = DirArg,
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan, write nothing"),
    actor: str = ActorOption,
    force: bool = ForceOption,
    as_json: bool = JsonOption,
) -> None:
    """Apply a config directory to the database at WARROOM_DATABASE_URL in one transaction."""
    result = _run(directory, actor, dry_run=dry_run, force=force)
    if as_json:
        print_json(_as_json(result, dry_run))
        return
    _print_plan(result)
    if dry_run:
        echo(f"dry run: {result.plan.summary()}; nothing was written")
    elif result.revision_id is None:
        echo("nothing to change: the database already matches the config")
    else:
        echo(f"applied revision {result.revision_id}: {result.plan.summary()}")


@app.command("show")
def show(as_json: bool = JsonOption) -> None:
    """Show the revision the server runs (through the API; secrets are masked)."""
    from warroom.cli.client import client

    with api_errors():
        data = client().get("/api/v1/config")
    if as_json:
        print_json(data)
        return
    revision = data.get("revision")
    if revision is None:
        echo("no config has been applied yet")
        return
    echo(
        f"revision {revision['id']} applied {fmt_time(revision['applied_at'])}"
        f" by {revision['applied_by']}"
        f" from {revision['source']} (digest {revision['digest'][:12]})"
    )
    for key, value in data["document"].items():
        size = f"{len(value)} item(s)" if isinstance(value, list) else "set"
        echo(f"  {key}: {size}")


def apply_on_start(directory: Path) -> None:
    """`serve --config DIR`: apply it (never past a problem or a refusal), log the revision."""
    from warroom import wiring
    from warroom.config.service import apply_directory
    from warroom.errors import WarroomError
    from warroom.settings import Settings

    wiring.install()
    try:
        result = apply_directory(Settings().database_url, directory, "serve")
    except WarroomError as exc:
        fail(f"refusing to start: {exc.message}; the database was left untouched")
    for line in result.problems:
        echo(line, err=True)
    if result.problems:
        fail(
            f"refusing to start: {directory} has {len(result.problems)} problem(s); "
            "the database was left untouched"
        )
    if result.running is not None:
        number, digest = result.running
        done = "applied" if result.revision_id is not None else "unchanged, running"
        echo(
            f"config: {done} revision {number} (digest {digest[:12]}) from {directory}: "
            f"{result.plan.summary()}",
            err=True,
        )
