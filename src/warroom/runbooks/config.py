"""The `runbooks` config section: Markdown runbooks named by routes and services.

runbooks:
  - key: db-failover
    markdown_file: runbooks/db-failover.md   # read next to the YAML file (or `markdown:` inline)

The Markdown (with optional front matter: id, title, services, severities, matchers) is parsed
when the config is checked, so `config check` reports a runbook that cannot be read. Routes
(`routes[].runbooks`) and services (`services[].runbooks`) must name known keys.
"""

from __future__ import annotations

from typing import cast

from pydantic import Field, PrivateAttr, model_validator
from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.config.document import ConfigDocument, Plan, PlanEntry, Problems
from warroom.config.registry import Section, registered
from warroom.config.types import ConfigModel, Key, TextProblem
from warroom.runbooks import checklist, service
from warroom.runbooks.document import RunbookDoc
from warroom.runbooks.markdown import RunbookError, front_matter_line, parse
from warroom.runbooks.models import Runbook


class RunbookConfig(ConfigModel):
    key: Key
    markdown: str = Field(max_length=1_000_000)
    _doc: RunbookDoc | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _parse(self) -> RunbookConfig:
        # Problems name the line of the Markdown file (or of the `markdown: |` block).
        if not self.markdown.strip():
            raise TextProblem("markdown", "the runbook is empty; it needs at least a # title", 1)
        try:
            self._doc = parse(self.markdown, default_id=self.key)
        except RunbookError as exc:
            raise TextProblem("markdown", exc.reason, exc.line) from None
        return self

    @property
    def doc(self) -> RunbookDoc:
        """The parsed runbook; its id is the config key."""
        assert self._doc is not None
        return self._doc.model_copy(update={"id": self.key})


def _service_runbooks(doc: ConfigDocument) -> dict[str, list[str]]:
    """runbook key -> the services naming it (services[].runbooks)."""
    named: dict[str, list[str]] = {}
    for item in doc.items("services") if registered("services") else []:
        for key in getattr(item, "runbooks", None) or []:
            named.setdefault(key, []).append(str(getattr(item, "key", "")))
    return named


def check(doc: ConfigDocument, problems: Problems) -> None:
    known = doc.identities("runbooks")
    shown = ", ".join(sorted(known)) or "none defined"
    for index, item in doc.entries("services") if registered("services") else []:
        for n, key in enumerate(getattr(item, "runbooks", None) or []):
            if key not in known:
                problems.add(
                    "services", index, ("runbooks", n), f"unknown runbook {key!r} (known: {shown})"
                )
    severities = doc.identities("severities")
    services = doc.identities("services")
    for index, entry in doc.entries("runbooks"):
        assert isinstance(entry, RunbookConfig)
        if next(entry.doc.steps(), None) is None:
            _warn_no_steps(doc, problems, index)
        for field, names, known_names in (
            ("severity", entry.doc.severities, severities),
            ("service", entry.doc.services, services),
        ):
            line = front_matter_line(entry.markdown, f"{field}s".replace("ys", "ies"))
            for name in names:
                if known_names and name not in known_names:
                    message = f"front matter names unknown {field} {name!r}"
                    problems.add_in_text("runbooks", index, "markdown", line, message)


def _warn_no_steps(doc: ConfigDocument, problems: Problems, index: int | None) -> None:
    """A runbook with nothing to tick (a file holding only its front matter, prose only)."""
    message = (
        "the runbook has no steps (no list items or code blocks): its checklist would have "
        "nothing to tick"
    )
    place = doc.text_at("runbooks", index, "markdown")
    if place is not None and place[2]:
        label = doc.label("runbooks", index, "markdown")
        problems.warn_at(place[0], place[1], f"{label}: {message}")
    else:
        problems.warn("runbooks", index, "markdown", message)


def apply(session: Session, clock: Clock, doc: ConfigDocument, plan: Plan) -> None:
    named = _service_runbooks(doc)
    rows = service.runbooks_by_key(session)
    # Runbooks whose version changes or that are removed: their plan entry and new version.
    changed: dict[str, tuple[PlanEntry, str | None]] = {}
    for item in cast("list[RunbookConfig]", doc.items("runbooks")):
        parsed = item.doc
        services = sorted(named.get(item.key, []))
        values = {
            "title": parsed.title,
            "version": parsed.version(),
            # Shown in the plan, so that a changed runbook reads as more than a new digest.
            "steps": sum(1 for _ in parsed.steps()),
            "named_by_services": services,
            "active": True,
        }
        row = rows.get(item.key)
        old = None if row is None else _values_of(row, list(values))
        if plan.compare("runbook", item.key, old, values):
            service.store_runbook(session, clock, parsed, services)
            if old is not None and old["version"] != values["version"]:
                changed[item.key] = (plan.entries[-1], str(values["version"]))
    keep = doc.identities("runbooks")
    for key, row in sorted(rows.items()):
        if key not in keep and row.active:
            service.retire_runbook(session, clock, row)
            plan.delete("runbook", key)
            changed[key] = (plan.entries[-1], None)
    _tell_running(session, changed)


def _values_of(row: Runbook, names: list[str]) -> dict[str, object]:
    """The stored runbook's values to compare with the config's (its steps counted)."""
    values = {k: getattr(row, k) for k in names if k != "steps"}
    values["steps"] = sum(1 for _ in service.document_of(row).steps())
    return values


def _tell_running(session: Session, changed: dict[str, tuple[PlanEntry, str | None]]) -> None:
    """Warn, on the entry of a runbook changed (new version) or removed (None), of each open
    incident whose checklist runs another copy of it: that checklist keeps its copy."""
    for number, run in service.open_runs(session, set(changed)):
        entry, version = changed[run.runbook_key]
        if run.version == version:
            continue
        copy = (
            f"INC-{number} runs its copy of this runbook (version {run.version}, "
            f"{checklist.progress(session, run).line()})"
        )
        what = (
            "it stays attached as it is"
            if version is None
            else "this change does not reach it; its steps and their numbers stay"
        )
        entry.warnings.append(f"{copy}: {what} (`warroom step list INC-{number}`)")


# This domain's config sections; the composition root (warroom.wiring) registers them.
SECTIONS: list[Section] = [
    Section(
        "runbooks",
        RunbookConfig,
        check=check,
        apply=apply,
        order=90,
        description="Markdown runbooks attached to incidents as checklists",
    )
]
