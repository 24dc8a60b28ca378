"""`warroom jobs ...`, `warroom heartbeat ...`, `warroom notifications ...` (over the API)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import typer

from warroom.cli.output import (
    INCIDENT_HINT,
    JsonOption,
    api_errors,
    echo,
    fail,
    fmt_time,
    incident_number,
    print_json,
    print_table,
)

jobs_app = typer.Typer(help="The engine's durable jobs", no_args_is_help=True)
heartbeat_app = typer.Typer(help="Heartbeats (dead man's switches)", no_args_is_help=True)
notifications_app = typer.Typer(help="Notifications sent (the outbox)", no_args_is_help=True)
notify_app = typer.Typer(help="Check that people can be reached", no_args_is_help=True)


def _client() -> Any:
    from warroom.cli.client import client

    return client()


@jobs_app.command("status")
def jobs_status(as_json: bool = JsonOption) -> None:
    """Engine lag, the queue by kind (pending, running, failed), and jobs that seem hung."""
    with api_errors():
        status = _client().get("/api/v1/engine/status")
    if as_json:
        print_json(status)
        return
    echo(f"engine lag: {status['lag_seconds']:.1f}s")
    rows = [{"kind": kind, **states} for kind, states in sorted(status["jobs"].items())]
    states = ["pending", "running", "failed"]  # what the status counts (done ones are pruned)
    print_table(rows, [("kind", "Kind"), *[(s, s.capitalize()) for s in states]])
    for job in status.get("overrun", []):
        echo(
            f"job {job['id']} ({job['kind']}) has run for {_span(job['running_seconds'])}, over"
            f" its limit of {_span(job['limit_seconds'])} (worker {job['locked_by']}): it seems"
            " hung; its lease is no longer renewed (warroom jobs list --state running)"
        )


def _span(seconds: int) -> str:
    hours, rest = divmod(int(seconds), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs else "",
    ]
    return "".join(parts) or "0s"


@jobs_app.command("list")
def jobs_list(
    state: str = typer.Option(None, help="pending, running, done, failed, cancelled"),
    kind: str = typer.Option(None, help="Kind prefix, e.g. notify."),
    limit: int = typer.Option(50),
    as_json: bool = JsonOption,
) -> None:
    """Jobs, newest first (admin)."""
    params: dict[str, Any] = {"limit": limit}
    if state:
        params["state"] = state
    if kind:
        params["kind"] = kind
    with api_errors():
        jobs = _client().get("/api/v1/engine/jobs", params=params)
    if as_json:
        print_json(jobs)
        return
    columns = [
        ("id", "Id"),
        ("kind", "Kind"),
        ("state", "State"),
        ("run_at", "Run at"),
        ("attempts", "Attempts"),
        ("last_error", "Last error"),
    ]
    for job in jobs:
        job["last_error"] = (job.get("last_error") or "").splitlines()[0:1]
        job["last_error"] = job["last_error"][0][:60] if job["last_error"] else "-"
    print_table(jobs, columns, formatters={"run_at": fmt_time})


@jobs_app.command("retry")
def jobs_retry(job_id: int) -> None:
    """Queue a failed or cancelled job again (admin)."""
    with api_errors():
        job = _client().post(f"/api/v1/engine/jobs/{job_id}/retry")
    echo(f"job {job['id']} ({job['kind']}) is pending again")


@jobs_app.command("cancel")
def jobs_cancel(job_id: int) -> None:
    """Cancel a pending or failed job so that it never runs (admin); a running one is refused."""
    with api_errors():
        job = _client().post(f"/api/v1/engine/jobs/{job_id}/cancel")
    echo(f"job {job['id']} ({job['kind']}) cancelled")


@heartbeat_app.command("list")
def heartbeat_list(as_json: bool = JsonOption) -> None:
    """Configured heartbeats and whether they are up."""
    with api_errors():
        beats = _client().get("/api/v1/heartbeats")
    if as_json:
        print_json(beats)
        return
    columns = [
        ("name", "Name"),
        ("state", "State"),
        ("last_seen_at", "Last ping"),
        ("deadline", "Missed after"),
        ("severity", "Severity"),
        ("incident_number", "Incident"),
    ]
    formatters: dict[str, Callable[[Any], str]] = {
        "last_seen_at": fmt_time,
        "deadline": fmt_time,
        # A down heartbeat's incident (the one its miss opened); none once it is up again.
        "incident_number": lambda n: "-" if n is None else f"INC-{n}",
    }
    print_table(beats, columns, formatters=formatters)


@heartbeat_app.command("ping")
def heartbeat_ping(name: str) -> None:
    """Ping a heartbeat (what a cron job or monitor does)."""
    with api_errors():
        beat = _client().post(f"/api/v1/heartbeats/{name}")
    echo(f"{beat['name']}: {beat['state']}, next ping due by {fmt_time(beat['deadline'])}")


@heartbeat_app.command("url")
def heartbeat_url(name: str) -> None:
    """Print the URL a monitor can POST to without a token (admin)."""
    with api_errors():
        beat = _client().get(f"/api/v1/heartbeats/{name}")
    if not beat.get("ping_url"):
        echo("no ping URL: it needs an admin token and WARROOM_SECRET_KEY", err=True)
        raise typer.Exit(1)
    echo(beat["ping_url"])


@notifications_app.command("list")
def notifications_list(
    incident: int = typer.Option(
        None,
        "--incident",
        "-i",
        metavar="INC-N",
        help=f"Only the notifications of this incident: {INCIDENT_HINT}",
        parser=incident_number,
    ),
    incident_id: int = typer.Option(
        None, "--incident-id", hidden=True, help="Deprecated: the incident's database id"
    ),
    state: str = typer.Option(None, help="queued, sending, sent, failed"),
    limit: int = typer.Option(50, help="Messages to list"),
    as_json: bool = JsonOption,
) -> None:
    """Notifications, newest first, with the provider's answer."""
    if incident is not None and incident_id is not None:
        fail("give --incident (a number such as INC-42), not also --incident-id")
    if incident is not None:
        # The API filters by the incident's database id: look it up from its number.
        with api_errors():
            incident_id = int(_client().get(f"/api/v1/incidents/{incident}")["id"])
    params: dict[str, Any] = {"limit": limit}
    if incident_id is not None:
        params["incident_id"] = incident_id
    if state:
        params["state"] = state
    with api_errors():
        messages = _client().get("/api/v1/notifications", params=params)
    if as_json:
        print_json(messages)
        return
    columns = [
        ("id", "Id"),
        ("created_at", "Queued"),
        ("purpose", "Purpose"),
        ("target", "To"),
        ("channel", "Channel"),
        ("state", "State"),
        ("attempts", "Attempts"),
        ("provider_answer", "Provider's answer"),
    ]
    for message in messages:
        message["channel"] = message.get("channel") or message["scheme"]
        lines = (message.get("provider_answer") or "").strip().splitlines()
        message["provider_answer"] = lines[-1][:80] if lines else "-"
    print_table(messages, columns, formatters={"created_at": fmt_time})


@notify_app.command("test")
def notify_test(
    user: str = typer.Argument(..., help="The person's e-mail"),
    wait: float = typer.Option(60.0, "--wait", help="Seconds to wait for the outcomes (0-3600)"),
    as_json: bool = JsonOption,
) -> None:
    """Send a test page through each of a person's contact methods and report each result."""
    import time

    if not 0 <= wait <= 3600:  # also refuses nan, which no deadline ever reaches
        raise typer.BadParameter(f"{wait} is not 0 to 3600 seconds", param_hint="--wait")

    with api_errors():
        api = _client()
        messages = api.post("/api/v1/notifications/test", json={"user": user})
        deadline = time.monotonic() + wait
        while any(m["state"] in ("queued", "sending") for m in messages):
            if time.monotonic() >= deadline:
                break
            time.sleep(0.5)
            messages = [api.get(f"/api/v1/notifications/{m['id']}") for m in messages]
    if as_json:
        print_json(messages)
    else:
        for m in messages:
            lines = (m.get("provider_answer") or "").strip().splitlines()
            m["answer"] = lines[-1][:100] if lines else "-"
        columns = [
            ("channel", "Channel"),
            ("target", "To"),
            ("state", "Result"),
            ("answer", "Answer"),
        ]
        print_table(messages, columns)
    waiting = [m for m in messages if m["state"] in ("queued", "sending")]
    if waiting:  # not tried yet: no answer about the contact method either way
        ids = ", ".join(str(m["id"]) for m in waiting)
        echo(
            f"{len(waiting)} test page(s) not delivered yet after {wait:g}s: is the engine "
            f"running (warroom serve, or warroom worker)? Read the outcome later with "
            f"`warroom outbox show ID` ({ids})",
            err=True,
        )
    if any(m["state"] != "sent" for m in messages):
        raise typer.Exit(1)
