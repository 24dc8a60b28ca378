"""`warroom hypothesis ...` and `warroom task ...`."""

from __future__ import annotations

from typing import Any

import typer

from warroom.cli.output import IncidentArg, JsonOption, api_errors, echo, print_json, print_table

hypothesis_app = typer.Typer(help="Hypotheses: investigating, ruled_out, confirmed, unlikely")
task_app = typer.Typer(help="Tasks: an incident's checklist")

OWNER = "Who is looking into it: their e-mail (a responder or admin)"
ASSIGNEE = "Who does it: their e-mail (a responder or admin)"


def _api() -> Any:
    from warroom.cli.client import client

    return client()


@hypothesis_app.command("add")
def hypothesis_add(
    number: int = IncidentArg,
    text: str = typer.Argument(...),
    owner: str = typer.Option(None, "--owner", help=OWNER),
    status: str = typer.Option(
        "investigating", "--status", help="investigating, ruled_out, confirmed or unlikely"
    ),
) -> None:
    """Add a hypothesis to an incident."""
    body = {"text": text, "owner": owner, "status": status}
    with api_errors():
        item = _api().post(f"/api/v1/incidents/{number}/hypotheses", json=body)
    echo(f"INC-{number}: hypothesis {item['id']} {item['status']}")


@hypothesis_app.command("set")
def hypothesis_set(
    number: int = IncidentArg,
    hypothesis_id: int = typer.Argument(...),
    status: str = typer.Argument(..., help="investigating, ruled_out, confirmed or unlikely"),
    owner: str = typer.Option(None, "--owner", help=OWNER),
) -> None:
    """Change a hypothesis' status (and owner)."""
    body: dict[str, Any] = {"status": status}
    if owner is not None:
        body["owner"] = owner
    with api_errors():
        item = _api().patch(f"/api/v1/incidents/{number}/hypotheses/{hypothesis_id}", json=body)
    echo(f"INC-{number}: hypothesis {item['id']} is {item['status']}")


@hypothesis_app.command("list")
def hypothesis_list(number: int = IncidentArg, as_json: bool = JsonOption) -> None:
    """List an incident's hypotheses."""
    with api_errors():
        items = _api().get(f"/api/v1/incidents/{number}/hypotheses")
    if as_json:
        print_json(items)
        return
    rows = [{**h, "owner": _who(h.get("owner"), h.get("owner_cannot_work"))} for h in items]
    print_table(
        rows, [("id", "ID"), ("status", "Status"), ("text", "Hypothesis"), ("owner", "Owner")]
    )


@task_app.command("add")
def task_add(
    number: int = IncidentArg,
    text: str = typer.Argument(...),
    assignee: str = typer.Option(None, "--assignee", "-a", help=ASSIGNEE),
) -> None:
    """Add a task to an incident's checklist."""
    with api_errors():
        item = _api().post(
            f"/api/v1/incidents/{number}/tasks", json={"text": text, "assignee": assignee}
        )
    echo(f"INC-{number}: task {item['id']} added")


@task_app.command("done")
def task_done(
    number: int = IncidentArg,
    task_id: int = typer.Argument(...),
    undo: bool = typer.Option(False, "--undo", help="Mark it not done"),
) -> None:
    """Tick a task off (or back on with --undo)."""
    with api_errors():
        item = _api().patch(f"/api/v1/incidents/{number}/tasks/{task_id}", json={"done": not undo})
    echo(f"INC-{number}: task {item['id']} {'done' if item['done'] else 'open'}")


@task_app.command("list")
def task_list(number: int = IncidentArg, as_json: bool = JsonOption) -> None:
    """List an incident's tasks."""
    with api_errors():
        items = _api().get(f"/api/v1/incidents/{number}/tasks")
    if as_json:
        print_json(items)
        return
    rows = [
        {
            **t,
            "done": "✓" if t["done"] else "",
            "assignee": _who(t.get("assignee"), t.get("assignee_cannot_work")),
        }
        for t in items
    ]
    print_table(rows, [("id", "ID"), ("done", "Done"), ("text", "Task"), ("assignee", "Assignee")])


def _who(email: str | None, cannot: str | None) -> str | None:
    """An owner or assignee as listed: one who can no longer do the work says why."""
    return f"{email} ({cannot}: hand it on)" if email and cannot else email
