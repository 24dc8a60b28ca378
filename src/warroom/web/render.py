"""Rendering web UI pages: one Jinja2 environment (autoescape on) and `render()`.

`render(request, name, context)` adds what every page needs: `request`, `me` (the signed-in
Principal or None), `csrf_token`, `flash` (messages left for this page) and `now` (the app's
clock). Globals and filters for templates:

- `csrf_field()`: the hidden `csrf_token` input every form carries;
- `dt|ago`: "3 min ago" / "in 5 min", relative to `now`;
- `dt|when`: a `<time datetime=ISO>` element showing the UTC time (warroom.js shows it in the
  browser's zone);
- `severity|severity_class`: `sev-<n>` from a rank (int) or the digit of a key (SEV1, P1),
  else `sev-x`;
- `dt|deadline(label)`: a `<time data-deadline=ISO>` countdown that warroom.js ticks;
- `alert|alert_links`: an alert's links ({href, text}: its own, then each annotation whose
  value is a URL, as a runbook_url), only absolute http(s) ones (never `javascript:`).
- `text|inline_markdown`: a runbook step's inline Markdown as safe HTML
  (`warroom.web.inline_markdown`).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, pass_context, select_autoescape
from markupsafe import Markup, escape

from warroom.audit import service as audit
from warroom.intake.schemas import web_link
from warroom.web.csrf import FIELD, csrf_token, pop_flash
from warroom.web.inline_markdown import inline_markdown

TEMPLATE_DIR = Path(__file__).parent / "templates"
STATIC_DIR = Path(__file__).parent / "static"

templates = Environment(
    loader=FileSystemLoader(TEMPLATE_DIR),
    # Pages are escaped; plain-text e-mails (`*.txt`) are not HTML.
    autoescape=select_autoescape(
        ["html", "xml"], disabled_extensions=["txt"], default_for_string=True, default=True
    ),
    trim_blocks=True,
    lstrip_blocks=True,
)


@pass_context
def csrf_field(ctx: Any) -> Markup:
    return Markup('<input type="hidden" name="{}" value="{}">').format(FIELD, ctx["csrf_token"])


def _span(seconds: float) -> str:
    seconds = abs(seconds)
    if seconds < 60:
        return f"{int(seconds)} s"
    if seconds < 3600:
        return f"{int(seconds // 60)} min"
    if seconds < 86400:
        hours, rest = divmod(int(seconds), 3600)
        return f"{hours} h {rest // 60} min" if rest >= 60 else f"{hours} h"
    return f"{int(seconds // 86400)} d"


@pass_context
def ago(ctx: Any, value: datetime | None) -> str:
    if value is None:
        return ""
    delta = (ctx["now"] - value).total_seconds()
    return f"{_span(delta)} ago" if delta >= 0 else f"in {_span(delta)}"


def _iso(value: datetime) -> str:
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def when(value: datetime | None) -> Markup:
    if value is None:
        return Markup("")
    utc = value.astimezone(UTC) if value.tzinfo else value
    text = utc.strftime("%Y-%m-%d %H:%M UTC")
    return Markup('<time class="local" datetime="{}">{}</time>').format(_iso(value), text)


@pass_context
def deadline(ctx: Any, value: datetime | None, label: str = "") -> Markup:
    """A countdown: "in 12 min" / "5 min late", ticked each second by warroom.js."""
    if value is None:
        return Markup("")
    late = (ctx["now"] - value).total_seconds() > 0
    text = f"{_span((ctx['now'] - value).total_seconds())} late" if late else ago(ctx, value)
    css = "deadline late" if late else "deadline"
    return Markup('<time class="{}" datetime="{}" data-deadline="{}" title="{}">{}</time>').format(
        css, _iso(value), _iso(value), label, text
    )


def alert_links(alert: Any) -> list[dict[str, str]]:
    links = [link for link in alert.links or [] if isinstance(link, dict)]
    candidates = [(link.get("href"), link.get("text")) for link in links]
    candidates += [(value, name) for name, value in sorted((alert.annotations or {}).items())]
    found: dict[str, str] = {}
    for href, text in candidates:
        if isinstance(href, str) and web_link(href) and href not in found:
            found[href] = str(text or "link")
    return [{"href": href, "text": text} for href, text in found.items()]


def severity_class(severity: object) -> str:
    if isinstance(severity, int):
        return f"sev-{min(severity, 4)}"
    digits = re.search(r"\d", str(severity or ""))
    return f"sev-{min(int(digits.group()), 4)}" if digits else "sev-x"


templates.globals["csrf_field"] = csrf_field
# The same sentence as the CLI's, with texts (notes, updates) whole.
templates.globals["sentence"] = partial(audit.sentence, whole=True)
templates.filters["ago"] = ago
templates.filters["when"] = when
templates.filters["deadline"] = deadline
templates.filters["severity_class"] = severity_class
templates.filters["alert_links"] = alert_links
templates.filters["inline_markdown"] = inline_markdown


def render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    """The page `name` rendered with context plus request, me, csrf_token, flash and now."""
    full = {
        "request": request,
        "me": getattr(request.state, "principal", None),
        "csrf_token": csrf_token(request),
        "flash": pop_flash(request),
        "now": request.app.state.clock.now(),
        **context,
    }
    return HTMLResponse(templates.get_template(name).render(full), status_code=status_code)


def render_fragment(request: Request, name: str, context: dict[str, Any]) -> str:
    """A template rendered to text with the same additions (for live updates), flash untouched."""
    full = {
        "request": request,
        "me": getattr(request.state, "principal", None),
        "csrf_token": csrf_token(request),
        "flash": [],
        "now": request.app.state.clock.now(),
        **context,
    }
    return templates.get_template(name).render(full)


__all__ = ["escape", "render", "render_fragment", "templates"]
