"""Config sections of communications: `comms` (cadence, reminders) and `templates`.

comms:
  reminder_before: 5m            # remind the communications lead this long before due
  escalate_overdue_after: 10m    # an update this late pages the commander and escalation
  escalate_to: [user:vp@example.com]   # extra targets for an overdue update
  first_update_within: {SEV0: 15m}     # the first update sooner than the cadence
  severity_channels: {SEV0: [incident-room]}   # channels every update of a severity reaches

templates:
  status_update: |                # inline Jinja2 text...
    {{ ref }} is {{ state }}: {{ text }}
  page_file: templates/page.j2    # ...or a file (relative to the config file)
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from warroom.comms import templates
from warroom.config import service as config_service
from warroom.config.document import ConfigDocument, Problems
from warroom.config.places import template_place
from warroom.config.registry import Section
from warroom.config.types import ConfigModel, Duration, Key, Target


class CommsConfig(ConfigModel):
    reminder_before: Duration = timedelta(minutes=5)
    escalate_overdue_after: Duration = timedelta(minutes=10)
    escalate_to: list[Target] = []
    first_update_within: dict[str, Duration] = {}
    severity_channels: dict[str, list[Key]] = {}


class TemplatesConfig(ConfigModel):
    page: str | None = None
    initial: str | None = None
    status_update: str | None = None
    escalation: str | None = None
    resolution: str | None = None
    public_update: str | None = None
    reminder: str | None = None


def check_comms(doc: ConfigDocument, problems: Problems) -> None:
    severities = doc.identities("severities")
    channels = doc.identities("channels")
    for _, item in doc.entries("comms"):
        assert isinstance(item, CommsConfig)
        for field in ("first_update_within", "severity_channels"):
            for key in getattr(item, field):
                if key not in severities:
                    problems.add("comms", None, field, f"unknown severity {key!r}")
        for keys in item.severity_channels.values():
            for key in keys:
                if key not in channels:
                    problems.add("comms", None, "severity_channels", f"unknown channel {key!r}")
    _warn_updates_reaching_no_channel(doc, problems)


UNREACHED_UPDATES = (
    "its status updates reach no channel: no channel for {key} in comms.severity_channels and "
    "none on any service or team, so every update would answer 'reached nobody'"
)


def _warn_updates_reaching_no_channel(doc: ConfigDocument, problems: Problems) -> None:
    """A severity asks for internal updates (`internal_update_every`) that no channel takes."""
    comms = doc.get("comms")
    by_severity = comms.severity_channels if isinstance(comms, CommsConfig) else {}
    owners = [*doc.items("services"), *doc.items("teams")]
    if any(getattr(owner, "channels", None) for owner in owners):
        return  # incidents of such a service reach its (or its team's) channels
    for index, severity in doc.entries("severities"):
        key = str(getattr(severity, "key", ""))
        if getattr(severity, "internal_update_every", None) and not by_severity.get(key):
            message = UNREACHED_UPDATES.format(key=key)
            problems.warn("severities", index, "internal_update_every", message)


def check_templates(doc: ConfigDocument, problems: Problems) -> None:
    """Render every template against a sample incident; report errors at file:line."""
    for _, item in doc.entries("templates"):
        assert isinstance(item, TemplatesConfig)
        overrides = {k: v for k, v in item.model_dump().items() if v}
        for problem in templates.check_all(overrides):
            file, line = doc.locate("templates", None, problem.key) or (doc.source, 0)
            file, line = template_place(doc.source, file, line, problem.key, problem.line)
            problems.add_at(
                file,
                line,
                f"templates.{problem.key}: template line {problem.line}: {problem.message}",
            )


def comms_settings(session: Session) -> CommsConfig:
    """The `comms` section in force (defaults when none is configured)."""
    raw: Any = config_service.current_section(session, "comms")
    return CommsConfig.model_validate(raw or {})


def template_set(session: Session) -> templates.Templates:
    """The templates in force: configured overrides over the built-ins."""
    raw: Any = config_service.current_section(session, "templates") or {}
    return templates.Templates({k: v for k, v in dict(raw).items() if isinstance(v, str) and v})


# This domain's config sections; the composition root (warroom.wiring) registers them.
SECTIONS: list[Section] = [
    Section(
        "comms",
        CommsConfig,
        many=False,
        check=check_comms,
        order=120,
        description="Status update cadence: reminders, first update, overdue escalation",
    ),
    Section(
        "templates",
        TemplatesConfig,
        many=False,
        check=check_templates,
        order=120,
        description="Message templates (Jinja2, sandboxed): page, initial, status_update, "
        "escalation, resolution, public_update, reminder",
    ),
]
