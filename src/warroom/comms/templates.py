"""Message templates: Jinja2 in a sandbox, strict about undefined names, overridable in config.

Built-ins live next to this module (`templates/*.j2`); the `templates` config section replaces
any of them with inline text (`status_update: |`) or a file (`status_update_file: x.j2`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache, lru_cache
from importlib import resources
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateError, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment

from warroom import sandbox

KEYS = (
    "page",
    "initial",
    "status_update",
    "escalation",
    "resolution",
    "public_update",
    "reminder",
)
# Every name a template may use; missing ones render as empty rather than failing at 3 a.m.
FIELDS = (
    "ref",
    "number",
    "title",
    "summary",
    "severity",
    "status",
    "state",
    "start_time",
    "resolved_time",
    "affected_systems",
    "impact",
    "actions_taken",
    "next_steps",
    "eta",
    "next_update",
    "root_cause",
    "prevention",
    "text",
    "author",
    "context",
    "audience",
    "when",
    "due_time",
    "status_word",
    "url",
)


class TemplateProblem(Exception):
    """A template that does not compile or render; `line` is 1-based within the template."""

    def __init__(self, key: str, line: int, message: str) -> None:
        super().__init__(f"{key}: line {line}: {message}")
        self.key, self.line, self.message = key, line, message


class MessageSandbox(sandbox.BoundedSandbox):
    """The bounded sandbox (warroom.sandbox: steps, output and value sizes), with no template
    of another: without a loader Jinja's own words for an include were "no loader for this
    environment specified", which told a config's author nothing about what to change."""

    def _load_template(self, name: Any, globals: Any) -> Template:
        raise TemplateError(
            f"a template cannot include, import or extend another ({name!r}): "
            "write the text in this template"
        )


@cache
def environment() -> SandboxedEnvironment:
    """The one sandbox every template renders in."""
    return MessageSandbox(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


@cache
def builtin(key: str) -> str:
    """The text of a built-in template."""
    return resources.files("warroom.comms").joinpath(f"templates/{key}.j2").read_text("utf-8")


def when(value: datetime | None) -> str:
    """A time as templates show it."""
    return "" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def context_of(**values: Any) -> dict[str, Any]:
    """A template context with every field present (empty unless given)."""
    ctx: dict[str, Any] = dict.fromkeys(FIELDS, "")
    ctx["affected_systems"] = []
    ctx.update(values)
    return ctx


def sample_context() -> dict[str, Any]:
    """A made-up incident every template must render against (`config check`)."""
    return context_of(
        ref="INC-42",
        number=42,
        title="Checkout fails for some card payments",
        summary="Card payments fail with a timeout from the payment provider.",
        severity="SEV1",
        status="investigating",
        state="identified",
        start_time="2026-01-01 09:00 UTC",
        resolved_time="2026-01-01 10:30 UTC",
        affected_systems=["checkout", "payments"],
        impact="About 20% of card payments fail",
        actions_taken="Failed over to the secondary provider",
        next_steps="Confirm with the provider",
        eta="10:30 UTC",
        next_update="2026-01-01 10:00 UTC",
        root_cause="An expired certificate at the provider",
        prevention="Certificate expiry alerts",
        text="We found the cause and are rolling out a fix.",
        url="https://warroom.example.com/ui/incidents/42",
        author="comms@example.test",
        context="INC-42 has opened.",
        audience="internal",
        when="due in 5 minutes",
        due_time="2026-01-01 10:00 UTC",
        status_word="identified",
    )


def _line_of(exc: TemplateError) -> int:
    return int(getattr(exc, "lineno", None) or 1)


def _runtime_line(exc: BaseException) -> int:
    """The template line a render error happened on (Jinja names template frames <template>)."""
    line, tb = 1, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


@lru_cache(maxsize=256)
def _compiled(source: str) -> Template:
    """A template text compiled once (the status page renders one per public update)."""
    return environment().from_string(source)


def render_text(key: str, source: str, ctx: dict[str, Any]) -> str:
    """Render one template text; a problem raises TemplateProblem with the line."""
    try:
        template = _compiled(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(key, _line_of(exc), exc.message or str(exc)) from None
    try:
        return sandbox.render(template, ctx).strip() + "\n"
    except Exception as exc:  # 1/0, "a" + 1, the sandbox's bounds: all template mistakes
        raise TemplateProblem(key, _runtime_line(exc), str(exc) or type(exc).__name__) from None


@dataclass(frozen=True)
class Templates:
    """The templates in force: config overrides over the built-ins."""

    overrides: dict[str, str]

    def source(self, key: str) -> str:
        return self.overrides.get(key) or builtin(key)

    def render(self, key: str, ctx: dict[str, Any]) -> str:
        """Render `key`; a broken override falls back to the built-in (config check reports it)."""
        try:
            return render_text(key, self.source(key), ctx)
        except TemplateProblem:
            if key not in self.overrides:
                raise
            return render_text(key, builtin(key), ctx)


def check_all(overrides: dict[str, str]) -> list[TemplateProblem]:
    """Render every template in force against the sample incident; the problems found."""
    found: list[TemplateProblem] = []
    for key in KEYS:
        try:
            render_text(key, overrides.get(key) or builtin(key), sample_context())
        except TemplateProblem as exc:
            found.append(exc)
    return found
