"""Config section `postmortems`: the report template, its due time default, reminders.

postmortems:
  template_file: postmortem.md.j2   # the Markdown (Jinja2, sandboxed) every draft starts from
  templates: {P0: "..."}            # a template per severity, over `template` (SEV_file: works)
  default_due_within: 48h           # due time when a severity requires one and names none
  remind_before: [24h, 1h]          # reminders to the author before the due time
  approvals: 1                      # approvals needed before it can be published

Whether a severity needs a postmortem, and by when, is the severity's own
`postmortem: {required, due_within}` (catalog).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from pydantic import Field
from sqlalchemy.orm import Session

from warroom.config import service as config_service
from warroom.config.document import ConfigDocument, Problems
from warroom.config.places import template_place
from warroom.config.registry import Section
from warroom.config.types import ConfigModel, Duration
from warroom.review.postmortems import render


class PostmortemsConfig(ConfigModel):
    template: str | None = None
    templates: dict[str, str] = {}
    default_due_within: Duration = timedelta(hours=48)
    remind_before: list[Duration] = [timedelta(hours=24), timedelta(hours=1)]
    approvals: int = Field(default=1, ge=0, le=10)


def check_postmortems(doc: ConfigDocument, problems: Problems) -> None:
    """Unknown severities, and every template rendered against a sample incident."""
    severities = doc.identities("severities")
    for _, item in doc.entries("postmortems"):
        assert isinstance(item, PostmortemsConfig)
        named: list[tuple[Any, str]] = [("template", item.template)] if item.template else []
        for key, text in item.templates.items():
            if key not in severities:
                problems.add("postmortems", None, ("templates", key), f"unknown severity {key!r}")
            named.append((("templates", key), text))
        for field, text in named:
            problem = render.check(text)
            if problem is not None:
                file, line = doc.locate("postmortems", None, field) or (doc.source, 0)
                label = field if isinstance(field, str) else ".".join(field)
                key = field if isinstance(field, str) else field[-1]
                file, line = template_place(doc.source, file, line, key, problem.line)
                problems.add_at(
                    file,
                    line,
                    f"postmortems.{label}: template line {problem.line}: {problem.message}",
                )


def postmortem_settings(session: Session) -> PostmortemsConfig:
    """The `postmortems` section in force (defaults when none is configured)."""
    raw: Any = config_service.current_section(session, "postmortems")
    return PostmortemsConfig.model_validate(raw or {})


def template_for(options: PostmortemsConfig, severity: str) -> str:
    """The report template of a severity: its own, else the configured one, else built-in."""
    return options.templates.get(severity) or options.template or render.builtin("postmortem")


# This domain's config sections; the composition root (warroom.wiring) registers them.
SECTIONS: list[Section] = [
    Section(
        "postmortems",
        PostmortemsConfig,
        many=False,
        check=check_postmortems,
        order=130,
        description="Postmortems: report template (per severity), default due time, "
        "reminders before due, approvals needed to publish",
    ),
]
