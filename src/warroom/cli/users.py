"""`warroom user ...`: people and their web UI sign-in (invite links)."""

from __future__ import annotations

from typing import Any

import typer

from warroom.cli.output import JsonOption, api_errors, echo, fmt_time, print_json, print_table

user_app = typer.Typer(help="People: list them, invite them to the web UI", no_args_is_help=True)


def _client() -> Any:
    from warroom.cli.client import client

    return client()


@user_app.command("invite")
def invite(
    email: str = typer.Argument(..., help="The person's e-mail address"),
    name: str = typer.Option(None, "--name", help="Their name (for a new person)"),
    role: str = typer.Option(None, "--role", help="viewer, responder or admin (new: viewer)"),
    send: bool = typer.Option(False, "--send", help="Also e-mail the link (WARROOM_SMTP_URL)"),
    reset: bool = typer.Option(
        False, "--reset", help="They already have a password: a link that replaces it"
    ),
    as_json: bool = JsonOption,
) -> None:
    """Print a one-time link with which the person sets their password (admins only).
    Someone who already has one is invited only with --reset (recorded in the audit log)."""
    body = {"email": email, "name": name, "role": role, "send": send, "reset": reset}
    with api_errors():
        out = _client().post("/api/v1/users/invite", json=body)
    if as_json:
        print_json(out)
        return
    what = "Password reset link" if reset else "Invite"
    echo(f"{what} for {out['email']} ({out['role']}), valid once until "
               f"{fmt_time(out['expires_at'])}:")  # fmt: skip
    echo("")
    echo(f"  {out['link']}")
    echo("")
    if out["sent_to"]:
        echo(f"e-mailed to {out['sent_to']} (queued; `warroom outbox list` if it never comes)")
    else:
        echo("Give it to them over a channel you trust; it is not shown again.")


@user_app.command("list")
def list_users(as_json: bool = JsonOption) -> None:
    """Everyone warroom knows, with their role and whether they are active."""
    with api_errors():
        items = _client().get("/api/v1/users")
    if as_json:
        print_json(items)
        return
    columns = [("email", "E-mail"), ("name", "Name"), ("role", "Role"), ("active", "Active")]
    print_table(items, columns)
