"""`warroom outbox list|show`: every message warroom sent or tried to send, and its text.

The outbox is the notification table: a page that no provider took (on a local run nothing
listens at the default `mailto://localhost:25`) is still there to read, with what the provider
answered. The server logs one line per undelivered page naming `warroom outbox show ID`.
"""

from __future__ import annotations

from typing import Any

import typer

from warroom.cli.output import (
    IncidentOption,
    JsonOption,
    api_errors,
    echo,
    fmt_time,
    print_json,
    print_table,
)

outbox_app = typer.Typer(
    help="The outbox: every page and message, delivered or not, and its text",
    no_args_is_help=True,
)
STATE_WORD = {"sent": "delivered", "failed": "not delivered (gave up)", "sending": "sending"}


def _api() -> Any:
    from warroom.cli.client import client

    return client()


def state_of(message: dict[str, Any]) -> str:
    """'delivered', 'not delivered yet (retrying)', 'queued' or 'not delivered (gave up)'."""
    if message["state"] == "queued":
        return "not delivered yet (retrying)" if message["attempts"] else "queued"
    return STATE_WORD.get(message["state"], message["state"])


@outbox_app.command("list")
def outbox_list(
    incident: int = IncidentOption,
    undelivered: bool = typer.Option(False, "--undelivered", help="Only messages not sent"),
    limit: int = typer.Option(20, "--limit", min=1, max=1000, help="Messages to list"),
    as_json: bool = JsonOption,
) -> None:
    """The newest messages: id, when, to whom, through what, delivered or not."""
    params: dict[str, Any] = {"limit": limit}
    with api_errors():
        api = _api()
        if incident is not None:
            params["incident_id"] = api.get(f"/api/v1/incidents/{incident}")["id"]
        messages = api.get("/api/v1/notifications", params=params)
    if undelivered:
        messages = [m for m in messages if m["state"] != "sent"]
    if as_json:
        print_json(messages)
        return
    for m in messages:
        m["channel"] = m.get("channel") or m["scheme"]
        m["delivery"] = state_of(m)
    print_table(
        messages,
        [
            ("id", "Id"),
            ("created_at", "Queued"),
            ("purpose", "What"),
            ("channel", "Channel"),
            ("delivery", "Delivered?"),
            ("title", "Title"),
        ],
        formatters={"created_at": lambda v: fmt_time(v)[5:16]},
    )
    if messages:
        echo("read one: warroom outbox show ID")


@outbox_app.command("show")
def outbox_show(
    message_id: int = typer.Argument(..., help="The message id (from `warroom outbox list`)"),
    as_json: bool = JsonOption,
) -> None:
    """A message's text as its recipient gets it, and whether it was delivered."""
    with api_errors():
        message = _api().get(f"/api/v1/notifications/{message_id}/text")
    if as_json:
        print_json(message)
        return
    answer = (message.get("provider_answer") or "").strip().splitlines()
    echo(f"message {message['id']}: {message['purpose']} to {message['target']}")
    echo(f"channel:   {message.get('channel') or message['scheme']}")
    echo(f"queued:    {fmt_time(message['created_at'])}")
    echo(f"delivered: {state_of(message)}, {message['attempts']} attempt(s)")
    if answer and message["state"] != "sent":
        echo(f"answer:    {answer[-1]}")
    echo("")
    echo(message["title"])
    echo("")
    echo(message["body"])
