"""A runbook step's inline Markdown as safe HTML, for the incident page.

A step's text stays Markdown (`warroom.runbooks.markdown`), so the page showed `**Detection**`
and `` `kubectl get pods` `` as typed. `inline_markdown(text)` renders bold, italics, code and
links with markdown-it-py; the runbook's HTML is never passed through (it is shown as text),
images are not made (the page loads nothing a runbook names), and a link is made only to an
http(s) or mailto address, with rel="noopener noreferrer" (a `javascript:` link stays text).
A step's paragraphs are kept apart by a line break.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.token import Token
from markupsafe import Markup

SCHEMES = ("http://", "https://", "mailto:")


def _link_open(renderer: Any, tokens: Sequence[Token], idx: int, options: Any, env: Any) -> str:
    tokens[idx].attrSet("rel", "noopener noreferrer")
    return str(renderer.renderToken(tokens, idx, options, env))


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False}).disable("image")
    md.validateLink = lambda url: url.strip().lower().startswith(SCHEMES)  # type: ignore[method-assign]
    md.add_render_rule("link_open", _link_open)
    return md


_md = _parser()


def inline_markdown(text: str | None) -> Markup:
    """`text`'s inline Markdown as HTML (escaped, safe links only); paragraphs joined by <br>."""
    paragraphs = [p for p in str(text or "").split("\n\n") if p.strip()]
    rendered = [_md.renderInline(p.strip()).strip() for p in paragraphs]
    return Markup("<br>".join(rendered))  # markdown-it escapes; html is off
