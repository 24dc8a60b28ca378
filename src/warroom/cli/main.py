"""The `warroom` command. Sub-commands import their heavy libraries only when they run,
so that `warroom --help` stays fast."""

from __future__ import annotations

import typer

from warroom.cli import local

app = typer.Typer(
    name="warroom",
    help="warroom: incident response from alert to postmortem.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

app.add_typer(local.db_app, name="db")
app.add_typer(local.token_app, name="token")
app.command("bootstrap")(local.bootstrap)
app.command("serve")(local.serve)


def run() -> None:
    app()


if __name__ == "__main__":
    run()
