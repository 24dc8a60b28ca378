"""`warroom action run|approve|revert|list|show|catalog`: mitigations run by the engine."""

from __future__ import annotations

from typing import Any

import typer

from warroom.cli.output import (
    INCIDENT_HINT,
    IncidentOption,
    JsonOption,
    api_errors,
    echo,
    fail,
    fmt_time,
    incident_number,
    print_json,
)

action_app = typer.Typer(help="Actions: audited, approved, reversible mitigations and controls")


def _api() -> Any:
    from warroom.cli.client import client

    return client()


def _params(pairs: list[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            fail(f"--param {pair!r}: write name=value")
        found[name] = value
    return found


def _note(run: dict[str, Any]) -> str:
    parts = []
    if run.get("dry_run"):
        parts.append("dry run")
    if run.get("warning"):
        parts.append(f"WARNING {run['warning']}")
    if run.get("reverted_at"):
        parts.append(f"reverted by run {run['reverted_by_run']}")
    if run.get("undo_of"):
        parts.append(f"reverts run {run['undo_of']}")
    if run.get("exit_code") is not None:
        parts.append(f"exit {run['exit_code']}")
    if run.get("error"):
        parts.append(str(run["error"]))
    return "; ".join(parts)


def describe(run: dict[str, Any]) -> str:
    """One line for a run."""
    note = _note(run)
    return f"run {run['id']} {run['action']} {run['state']}" + (f" ({note})" if note else "")


@action_app.command("run")
def run_action(
    action: str = typer.Argument(..., help="The action id (see `warroom action catalog`)"),
    incident: int = typer.Option(
        ..., "--incident", "-i", metavar="INC-N", help=INCIDENT_HINT, parser=incident_number
    ),
    param: list[str] = typer.Option([], "--param", "-p", help="name=value, repeatable"),
    dry_run: bool = typer.Option(False, "--dry-run", help="Its dry-run variant, or a preview"),
    as_json: bool = JsonOption,
) -> None:
    """Request a run; the engine runs it (after a second person's approval if required)."""
    body = {"action": action, "params": _params(param), "dry_run": dry_run}
    with api_errors():
        result = _api().post(f"/api/v1/incidents/{incident}/actions", json=body)
    if as_json:
        print_json(result)
        return
    echo(describe(result))
    if result["state"] == "awaiting_approval":
        echo(
            f"needs approval by someone else before {fmt_time(result['expires_at'])}: "
            f"warroom action approve {result['id']}"
        )


@action_app.command("approve")
def approve(run: int = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """Approve someone else's run; it is then queued for the engine."""
    with api_errors():
        result = _api().post(f"/api/v1/actions/runs/{run}/approve")
    print_json(result) if as_json else echo(describe(result))


@action_app.command("revert")
def revert(
    run: int = typer.Argument(...),
    force: bool = typer.Option(
        False, "--force", help="Also a run that timed out or was interrupted (effect unknown)"
    ),
    as_json: bool = JsonOption,
) -> None:
    """Run the undo action of a succeeded run, with its parameters mapped."""
    with api_errors():
        body = {"force": True} if force else None
        result = _api().post(f"/api/v1/actions/runs/{run}/revert", json=body)
    print_json(result) if as_json else echo(describe(result))


@action_app.command("show")
def show(run: int = typer.Argument(...), as_json: bool = JsonOption) -> None:
    """One run: what it rendered, its state, exit code and evidence."""
    with api_errors():
        result = _api().get(f"/api/v1/actions/runs/{run}")
    if as_json:
        print_json(result)
        return
    echo(describe(result))
    for key in ("rendered", "params", "evidence_id", "stdout_sha256", "stderr_sha256"):
        echo(f"  {key}: {result[key]}")


@action_app.command("list")
def list_runs(
    incident: int = IncidentOption,
    as_json: bool = JsonOption,
) -> None:
    """Action runs, newest first."""
    path = "/api/v1/actions/runs" if incident is None else f"/api/v1/incidents/{incident}/actions"
    with api_errors():
        runs = _api().get(path)
    if as_json:
        print_json(runs)
        return
    if not runs:
        echo("no action runs")
    for r in runs:
        when = fmt_time(r["requested_at"])
        echo(f"{when}  INC-{r['incident']}  {describe(r)}  by {r['requested_by']}")


@action_app.command("catalog")
def catalog(as_json: bool = JsonOption) -> None:
    """The configured actions, their parameters and whether they can be undone."""
    with api_errors():
        actions = _api().get("/api/v1/actions")
    if as_json:
        print_json(actions)
        return
    for a in actions:
        undo = f"undo: {a['undo']}" if a["undo"] else "WARNING not reversible"
        names = ", ".join(p["name"] for p in a["params"]) or "no parameters"
        echo(f"{a['id']} ({a['kind']}): {a['title']} [{names}; {undo}]")


def print_mitigations(
    out: Any, runs: list[dict[str, Any]] | None, unknown: list[dict[str, Any]] | None = None
) -> None:
    """The active-mitigations block of `warroom incident show`: one line each, then the runs
    whose effect is unknown (timed out or interrupted: they may have taken effect)."""
    from rich.markup import escape

    def line(run: dict[str, Any], undo: str) -> str:
        params = " ".join(f"{k}={v}" for k, v in run["params"].items())
        text = f"run {run['id']} {run['action']} {params}".rstrip()
        return f"  {escape(text)}  by {escape(run['requested_by'])}  (undo: {undo})"

    if runs:
        out.print(f"[bold]Active mitigations[/] ({len(runs)}; resolving needs --force)")
        for run in runs:
            out.print(line(run, f"warroom action revert {run['id']}"))
    if unknown:
        out.print(f"[bold yellow]Effect unknown[/] ({len(unknown)}; may have taken effect)")
        for run in unknown:
            state = run["state"].replace("_", " ")
            out.print(line(run, f"{state}; warroom action revert {run['id']} --force"))
