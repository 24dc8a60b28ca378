"""No CLI screen sends a terminal control from an incident's texts to the terminal, and none
reads them as Rich markup.

The API accepts control characters in a title, a note, a hypothesis and a task. `warroom
brief` already wrote them as \\xNN (4cf5d57); `warroom incident show`, `incident list`,
`timeline` and the commands that echo what they made passed ESC]0;...BEL (retitles the
terminal) and ESC[2J (clears it) through to the terminal. Every screen now writes them as
\\xNN, in one place (warroom.cli.output), and prints '[red]x[/red]' as typed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.comms.org import apply, org
from warroom.clock import FakeClock
from warroom.db import Database

TITLE = "evil \x1b]0;pwned\x07 [red]x[/red] [link=https://evil.test]y[/link] \x1b[2J\u00e9"
SHOWN = "evil \\x1b]0;pwned\\x07 [red]x[/red] [link=https://evil.test]y[/link] \\x1b[2J\u00e9"


def _clean(result: Any) -> str:
    assert result.exit_code == 0, result.output
    out: str = result.output
    assert "\x1b" not in out and "\x07" not in out, repr(out)
    return out


def test_every_screen_shows_controls_and_markup_as_text(
    db: Database,
    clock: FakeClock,
    client: TestClient,
    cli: Callable[..., Any],
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "400")
    apply(db, clock, org("127.0.0.1:9"))
    opened = _clean(cli("incident", "open", "--title", TITLE, "--severity", "P2"))
    assert SHOWN in opened
    base = "/api/v1/incidents/1"
    for path, text in [
        ("hypotheses", "disk \x1b[2J full [bold]h[/bold]"),
        ("tasks", "drain \x1b]52;c;ZXZpbA==\x07 node"),
        ("notes", "note \x1b[31mred\x1b[0m"),
    ]:
        r = client.post(f"{base}/{path}", json={"text": text}, headers=admin_headers)
        assert r.status_code == 201, r.text

    show = _clean(cli("incident", "show", "1"))
    assert SHOWN in show
    assert "disk \\x1b[2J full [bold]h[/bold]" in show
    assert "drain \\x1b]52;c;ZXZpbA==\\x07 node" in show

    listed = _clean(cli("incident", "list"))
    assert SHOWN in listed

    timeline = _clean(cli("timeline", "1"))
    assert "note \\x1b[31mred\\x1b[0m" in timeline


def test_review_screens_show_controls_as_text(
    db: Database,
    clock: FakeClock,
    client: TestClient,
    cli: Callable[..., Any],
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The postmortem and action-item commands print the incident's title and a person's text
    through the same escaping (they used typer.echo directly)."""
    monkeypatch.setenv("COLUMNS", "400")
    apply(db, clock, org("127.0.0.1:9"))
    _clean(cli("incident", "open", "--title", TITLE, "--severity", "P2"))
    r = client.post("/api/v1/incidents/1/resolve", json={}, headers=admin_headers)
    assert r.status_code == 200, r.text
    r = client.post("/api/v1/incidents/1/postmortem", json={}, headers=admin_headers)
    assert r.status_code == 201, r.text
    shown = _clean(cli("postmortem", "show", "1"))
    assert SHOWN in shown  # the draft's Markdown names the incident by its title
    item = {"title": "fix \x1b[2J it", "owner": "ic@corp.test", "impact": "high"}
    item |= {"effort": "low", "description": "why \x1b]0;t\x07 now"}
    r = client.post("/api/v1/incidents/1/action-items", json=item, headers=admin_headers)
    assert r.status_code == 201, r.text
    listed = _clean(cli("action-item", "show", str(r.json()["id"])))
    assert "why \\x1b]0;t\\x07 now" in listed
