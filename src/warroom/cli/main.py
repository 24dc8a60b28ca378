"""The `warroom` command. Sub-commands import their heavy libraries only when they run,
so that `warroom --help` stays fast."""

from __future__ import annotations

import typer

from warroom.cli import action_items as action_items_cli
from warroom.cli import actions as actions_cli
from warroom.cli import alerts as alerts_cli
from warroom.cli import audit as audit_cli
from warroom.cli import classify as classify_cli
from warroom.cli import comms as comms_cli
from warroom.cli import config as config_cli
from warroom.cli import drills as drills_cli
from warroom.cli import engine as engine_cli
from warroom.cli import evidence as evidence_cli
from warroom.cli import incident_work as incident_work_cli
from warroom.cli import incidents as incidents_cli
from warroom.cli import local, worker
from warroom.cli import outbox as outbox_cli
from warroom.cli import paging as paging_cli
from warroom.cli import postmortems as postmortems_cli
from warroom.cli import report as report_cli
from warroom.cli import runbooks as runbooks_cli
from warroom.cli import simulate as simulate_cli
from warroom.cli import status as status_cli
from warroom.cli import timeline as timeline_cli
from warroom.cli import users as users_cli


def _flags_take_no_value() -> None:
    """Typer's Rich help shows a flag's type as if it took a value (`--json <bool>`), which
    its plain help does not; `--json true` is then refused. Flags show no type."""
    from typing import Any

    from typer.core import TyperOption

    shown = TyperOption.display_type_rich

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag or self.count else shown(self, ctx)

    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_flags_take_no_value()

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
app.command("login")(local.login)
app.command("worker")(worker.worker)
app.add_typer(engine_cli.jobs_app, name="jobs")
app.add_typer(engine_cli.heartbeat_app, name="heartbeat")
app.add_typer(engine_cli.notifications_app, name="notifications")
app.add_typer(engine_cli.notify_app, name="notify")
app.add_typer(outbox_cli.outbox_app, name="outbox")
app.add_typer(config_cli.app, name="config")
app.command("classify")(classify_cli.classify)
app.command("simulate")(simulate_cli.simulate)
app.add_typer(incidents_cli.incident_app, name="incident")
app.add_typer(incident_work_cli.hypothesis_app, name="hypothesis")
app.add_typer(incident_work_cli.task_app, name="task")
app.command("timeline")(timeline_cli.timeline)
app.add_typer(evidence_cli.evidence_app, name="evidence")
app.add_typer(actions_cli.action_app, name="action")
app.add_typer(action_items_cli.action_item_app, name="action-item")
app.add_typer(audit_cli.audit_app, name="audit")
app.command("oncall")(paging_cli.oncall)
app.add_typer(paging_cli.override_app, name="override")
app.command("escalate")(paging_cli.escalate)
app.add_typer(paging_cli.schedule_app, name="schedule")
app.command("alerts")(alerts_cli.list_alerts)
app.command("update")(comms_cli.update)
app.command("brief")(comms_cli.brief)
app.add_typer(alerts_cli.silence_app, name="silence")
app.add_typer(alerts_cli.route_app, name="route")
app.add_typer(runbooks_cli.runbook_app, name="runbook")
app.add_typer(runbooks_cli.step_app, name="step")
app.add_typer(status_cli.status_app, name="status")
app.add_typer(users_cli.user_app, name="user")
app.command("report")(report_cli.report)
app.add_typer(drills_cli.drill_app, name="drill")
app.add_typer(postmortems_cli.postmortem_app, name="postmortem")


def run() -> None:
    app()


if __name__ == "__main__":
    run()
