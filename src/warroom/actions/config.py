"""The `actions` and `action_settings` config sections.

actions:
  - id: publish-kill-switch
    title: Stop publishing prices
    kind: command                       # or http
    argv: [kubectl, scale, deployment/publisher, --replicas=0, "--namespace={{ namespace }}"]
    params:
      - {name: namespace, type: enum, values: [oracle-prod, oracle-staging]}
    dry_run: {append: [--dry-run=server]}
    timeout: 30s
    undo: {action: publish-resume, params: {namespace: "{{ namespace }}"}}
    approval: [SEV0, SEV1]              # severities whose incidents need a second person
    limits: {per_incident: 3, per_day: 10}

action_settings:
  enabled: true                         # false (or WARROOM_ACTIONS=off) turns every action off
  approval_expiry: 1h
  output_limit: 65536
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Literal, cast

from pydantic import Field, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.actions import render
from warroom.actions.models import ActionDefinition
from warroom.actions.render import check_template
from warroom.clock import Clock
from warroom.config.document import ConfigDocument, Plan, Problems
from warroom.config.registry import Section
from warroom.config.types import ConfigModel, Duration, Key
from warroom.errors import WarroomError
from warroom.outbound import literal_refusal

RESERVED_PARAMS = ("incident", "dry_run", "params")
# Runs execute one at a time per worker: a hanging command holds every later run this long.
MAX_TIMEOUT = timedelta(hours=1)


class ParamConfig(ConfigModel):
    name: Key
    type: Literal["string", "integer", "enum"] = "string"
    description: str = Field(default="", max_length=2000)
    values: list[str] | None = None
    pattern: str | None = Field(default=None, max_length=500)
    min: int | None = None
    max: int | None = None
    required: bool = True
    default: str | int | None = None
    max_length: int = Field(default=200, ge=1, le=4096)
    # Values starting with "-" are refused unless allowed: they would be read as options.
    allow_leading_dash: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> ParamConfig:
        if self.name in RESERVED_PARAMS:
            raise ValueError(f"parameter name {self.name!r} is reserved")
        if self.type == "enum" and not self.values:
            raise ValueError("an enum parameter needs values")
        if self.pattern is not None:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValueError(f"pattern is not a regular expression: {exc}") from exc
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        if self.default is not None:
            _check_default(self)
        return self


def _check_default(param: ParamConfig) -> None:
    """A default is used as given when a run leaves the parameter out, without the checks a
    typed value passes: it must pass them here (an enum default that is none of its values
    would otherwise reach the command or request at the first run that relies on it)."""
    try:
        render.validate_params([param.model_dump()], {param.name: param.default})
    except WarroomError as exc:
        raise ValueError(f"default {param.default!r} is refused: {exc.message}") from None


class HttpConfig(ConfigModel):
    method: Literal["GET", "POST", "PUT", "PATCH", "DELETE"] = "POST"
    url: str = Field(min_length=1, max_length=2000)
    headers: dict[str, str] = Field(default_factory=dict)
    body: str | None = Field(default=None, max_length=100_000)

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        """A host written as an address warroom never calls (169.254.169.254, 0.0.0.0) is
        refused here already, as in contact methods and channels; a templated or named host
        is judged when the action runs (warroom.outbound)."""
        refused = literal_refusal(value)
        if refused is not None:
            raise ValueError(refused)
        return value


class DryRunConfig(ConfigModel):
    # Either a whole argv for the dry run, or arguments appended to the real one.
    argv: list[str] | None = None
    append: list[str] = Field(default_factory=list)


class UndoConfig(ConfigModel):
    action: Key
    # Undo parameter -> template over the original run's parameters ("{{ market }}").
    params: dict[str, str] = Field(default_factory=dict)


class LimitsConfig(ConfigModel):
    per_incident: int | None = Field(default=None, ge=1)
    per_day: int | None = Field(default=None, ge=1)


class ActionConfig(ConfigModel):
    id: Key
    title: str = Field(min_length=1, max_length=300)
    description: str = Field(default="", max_length=5000)
    kind: Literal["command", "http"]
    argv: list[str] | None = None
    http: HttpConfig | None = None
    params: list[ParamConfig] = Field(default_factory=list)
    dry_run: DryRunConfig | None = None
    timeout: Duration = timedelta(seconds=30)
    undo: UndoConfig | None = None
    reversible: bool = True
    approval: list[str] = Field(default_factory=list)
    limits: LimitsConfig = Field(default_factory=LimitsConfig)

    @model_validator(mode="after")
    def _consistent(self) -> ActionConfig:
        if self.kind == "command" and (not self.argv or self.http is not None):
            raise ValueError("a command action needs argv (a list of strings) and no http")
        if self.kind == "http" and (self.http is None or self.argv is not None):
            raise ValueError("an http action needs http (method, url, ...) and no argv")
        if not self.reversible and self.undo is not None:
            raise ValueError("an action with reversible: false cannot have an undo")
        _check_dry_run(self)
        if self.timeout > MAX_TIMEOUT:
            raise ValueError(
                "timeout: at most 1h (runs execute one at a time: a hanging command holds "
                "every later run until its timeout)"
            )
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError("parameter names must be unique")
        for template in _templates(self):
            check_template(template)
        return self


def _check_dry_run(item: ActionConfig) -> None:
    """A dry run needs no approval and counts against no limit: it must not be the real run."""
    variant = item.dry_run
    if variant is None:
        return
    if item.kind == "http":
        raise ValueError("dry_run: an http action's dry run only shows the request; remove it")
    if not variant.append and (not variant.argv or variant.argv == item.argv):
        raise ValueError(
            "dry_run: needs an argv that differs from the real one, or arguments to append"
        )


def _templates(item: ActionConfig) -> list[str]:
    found = list(item.argv or [])
    if item.http is not None:
        found += [item.http.url, *item.http.headers.values(), item.http.body or ""]
    if item.dry_run is not None:
        found += [*(item.dry_run.argv or []), *item.dry_run.append]
    if item.undo is not None:
        found += list(item.undo.params.values())
    return found


class ActionSettingsConfig(ConfigModel):
    enabled: bool = True
    approval_expiry: Duration = timedelta(hours=1)
    output_limit: int = Field(default=65536, ge=1024, le=4 * 1048576)


def check(doc: ConfigDocument, problems: Problems) -> None:
    items = {cast("ActionConfig", i).id: cast("ActionConfig", i) for i in doc.items("actions")}
    severities = doc.identities("severities")
    undone = {i.undo.action for i in items.values() if i.undo is not None}
    for index, entry in doc.entries("actions"):
        item = cast("ActionConfig", entry)
        for severity in item.approval:
            if severities and severity not in severities:
                problems.add("actions", index, "approval", f"unknown severity {severity!r}")
        if item.undo is None and item.reversible and item.id not in undone:
            problems.add(
                "actions", index, "undo", "needs an undo action, or reversible: false to say so"
            )
        if item.undo is not None:
            _check_undo(item, items, index, problems)


def _check_undo(
    item: ActionConfig, items: dict[str, ActionConfig], index: int | None, problems: Problems
) -> None:
    assert item.undo is not None
    target = items.get(item.undo.action)
    if target is None:
        problems.add("actions", index, ("undo", "action"), f"unknown action {item.undo.action!r}")
        return
    known = {p.name for p in target.params}
    for name in sorted(set(item.undo.params) - known):
        problems.add("actions", index, ("undo", "params"), f"{target.id} has no parameter {name!r}")
    for param in target.params:
        if param.required and param.default is None and param.name not in item.undo.params:
            problems.add(
                "actions", index, ("undo", "params"), f"{target.id} needs parameter {param.name!r}"
            )
        value = item.undo.params.get(param.name)
        if value is not None and not _JINJA.search(value):
            _check_constant(param, value, index, problems)


# Jinja's delimiters: a value without any is the same text at every revert.
_JINJA = re.compile(r"\{[{%#]")


def _check_constant(param: ParamConfig, value: str, index: int | None, problems: Problems) -> None:
    """An undo parameter written as plain text is what every revert passes: one its action
    refuses would fail each revert, and a run keeps the undo it was requested with."""
    try:
        render.validate_params([param.model_dump()], {param.name: value})
    except WarroomError as exc:
        problems.add("actions", index, ("undo", "params", param.name), exc.message)


def apply(session: Session, clock: Clock, doc: ConfigDocument, plan: Plan) -> None:
    rows = {d.key: d for d in session.scalars(select(ActionDefinition))}
    now = clock.now()
    for item in cast("list[ActionConfig]", doc.items("actions")):
        values = item.model_dump(mode="json", exclude={"id"})
        row = rows.get(item.id)
        old = None if row is None or not row.active else dict(row.definition)
        if not plan.compare("action", item.id, old, values):
            continue
        if row is None:
            row = ActionDefinition(key=item.id, title=item.title, definition={}, updated_at=now)
            session.add(row)
        row.title, row.definition, row.active, row.updated_at = item.title, values, True, now
    keep = doc.identities("actions")
    for key, row in sorted(rows.items()):
        if key not in keep and row.active:
            row.active, row.updated_at = False, now
            plan.delete("action", key)
    session.flush()


# This domain's config sections; the composition root (warroom.wiring) registers them.
SECTIONS: list[Section] = [
    Section(
        "actions",
        ActionConfig,
        identity="id",
        check=check,
        apply=apply,
        order=120,
        description="Mitigations and controls: argv or HTTP templates, approval, undo, limits",
    ),
    Section(
        "action_settings",
        ActionSettingsConfig,
        many=False,
        order=121,
        description="The switch for every action, approval expiry and output size limit",
    ),
]
