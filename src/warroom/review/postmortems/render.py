"""Postmortem text: the report template (Jinja2 in a sandbox), Markdown to safe HTML.

Templates come from config, so they run in Jinja's sandbox with StrictUndefined (a misspelt
name is a config-check error, not a silent blank). Markdown is rendered by markdown-it-py with
raw HTML turned off: whatever someone types into a postmortem, `<script>` comes out as text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, lru_cache
from html import escape
from importlib import resources
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError
from jinja2.sandbox import SandboxedEnvironment
from markdown_it import MarkdownIt

from warroom import sandbox

MAX_TEXT = 200_000
HEADING = re.compile(r"^#{2}\s+(.+?)\s*#*\s*$", re.MULTILINE)


@dataclass(frozen=True)
class TemplateProblem(Exception):
    line: int
    message: str


def cell(value: Any) -> str:
    """A value made safe for one Markdown table cell: one line, pipes escaped."""
    text = " ".join(str(value if value is not None else "").split())
    return text.replace("\\", "\\\\").replace("|", "\\|")


@cache
def environment() -> SandboxedEnvironment:
    # Bounded (warroom.sandbox) to what a postmortem may hold (service.MAX_MARKDOWN).
    env = sandbox.BoundedSandbox(
        undefined=StrictUndefined, autoescape=False, trim_blocks=True, limit=MAX_TEXT
    )
    env.filters["cell"] = cell
    return env


@cache
def builtin(key: str) -> str:
    """A built-in template next to this module (`templates/<key>.md.j2`)."""
    path = resources.files("warroom.review.postmortems").joinpath(f"templates/{key}.md.j2")
    return path.read_text("utf-8")


@lru_cache(maxsize=64)
def _compiled(source: str) -> Template:
    return environment().from_string(source)


def _runtime_line(exc: BaseException) -> int:
    line, tb = 1, exc.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename == "<template>":
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def render_text(source: str, ctx: dict[str, Any]) -> str:
    """Render a template; a mistake in it raises TemplateProblem with its line."""
    try:
        template = _compiled(source)
    except TemplateSyntaxError as exc:
        raise TemplateProblem(exc.lineno or 1, exc.message or str(exc)) from None
    try:
        return sandbox.render(template, ctx).strip() + "\n"
    except Exception as exc:  # any template mistake (undefined name, 1/0, sandbox refusal)
        raise TemplateProblem(_runtime_line(exc), str(exc) or type(exc).__name__) from None


def render_report(source: str, ctx: dict[str, Any]) -> str:
    """The draft from a configured template; a broken one falls back to the built-in."""
    try:
        return render_text(source, ctx)
    except TemplateProblem:
        return render_text(builtin("postmortem"), ctx)


def check(source: str) -> TemplateProblem | None:
    """The problem of a template rendered against the sample incident, if any."""
    from warroom.review.postmortems.sample import sample_context

    try:
        render_text(source, sample_context())
    except TemplateProblem as exc:
        return exc
    return None


def sections(markdown: str) -> list[str]:
    """The level-2 headings of a postmortem, in order (its sections)."""
    return [m.group(1) for m in HEADING.finditer(markdown)]


@cache
def _markdown() -> MarkdownIt:
    # "commonmark" with html off: raw HTML blocks and inline tags are shown as text;
    # markdown-it also refuses javascript:/vbscript:/data: link targets.
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def to_html(markdown: str) -> str:
    """The postmortem body as HTML (no raw HTML from the source passes through)."""
    return _markdown().render(markdown)


def html_document(title: str, markdown: str) -> str:
    """A standalone HTML page of the postmortem (the export)."""
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">\n'
        f"<title>{escape(title)}</title>\n"
        "<style>body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;"
        "padding:0 1rem;line-height:1.5}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:.25rem .5rem;text-align:left}</style>\n"
        f"</head><body>\n{to_html(markdown)}</body></html>\n"
    )
