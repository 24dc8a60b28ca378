"""`warroom postmortem show|edit|list|submit|approve|publish|export` against the in-process app."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.review.postmortems.org import act, apply, commander, open_incident, org
from warroom.clock import FakeClock
from warroom.db import Database

EDITOR = """\
import sys
path = sys.argv[1]
text = open(path, encoding="utf-8").read()
new = text.replace("## Surprises", "## Surprises\\n\\nThe backup was fast.")
open(path, "w", encoding="utf-8").write(new)
"""


def resolved(db: Database, clock: FakeClock) -> int:
    apply(db, clock, org())
    number = open_incident(db, clock)
    commander(db, clock, number)
    act(db, clock, number, "resolve")
    return number


def test_show_edit_in_the_editor_and_list(
    db: Database,
    clock: FakeClock,
    cli: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    number = resolved(db, clock)
    shown = cli("postmortem", "show", f"INC-{number}")
    assert shown.exit_code == 0, shown.output
    assert "draft (version 1)" in shown.output and "author: ic@corp.test" in shown.output
    assert "## Five whys" in shown.output and "generated from the incident" in shown.output
    script = tmp_path / "editor.py"
    script.write_text(EDITOR)
    monkeypatch.delenv("VISUAL", raising=False)
    monkeypatch.setenv("EDITOR", f"{sys.executable} {script}")
    edited = cli("postmortem", "edit", str(number))
    assert edited.exit_code == 0, edited.output
    assert "saved (version 2)" in edited.output
    after = cli("postmortem", "show", str(number))
    assert "## Surprises\n\nThe backup was fast." in after.output
    listed = cli("postmortem", "list")
    assert f"INC-{number}" in listed.output and "0 overdue" in listed.output
    clock.advance(hours=49)
    late = cli("postmortem", "list", "--overdue")
    assert f"INC-{number}" in late.output and "OVERDUE" in late.output
    assert "1 overdue" in late.output


def test_a_stale_edit_keeps_the_text_and_says_why(
    db: Database,
    clock: FakeClock,
    cli: Callable[..., Any],
    client: TestClient,
    make_token: MakeToken,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    number = resolved(db, clock)
    other = {"Authorization": f"Bearer {make_token('responder', email='rev@corp.test')}"}
    # Someone else saves while our editor is open.
    path = f"/api/v1/incidents/{number}/postmortem"

    def editor_meanwhile(*args: Any, **kwargs: Any) -> Any:
        client.put(path, json={"markdown": "# theirs\n", "version": 1}, headers=other)
        with open(args[0][-1], "a", encoding="utf-8") as handle:
            handle.write("mine\n")

        class Done:
            returncode = 0

        return Done()

    monkeypatch.setattr("warroom.cli.postmortems.subprocess.run", editor_meanwhile)
    stale = cli("postmortem", "edit", str(number))
    assert stale.exit_code == 1
    assert "changed since you read it" in stale.output
    assert "your text is kept in" in stale.output
    kept = Path(stale.output.rsplit("your text is kept in ", 1)[1].strip())
    assert kept.read_text().endswith("mine\n")
    kept.unlink()
    assert client.get(path, headers=other).json()["markdown"] == "# theirs\n"


def test_review_publish_and_export(
    db: Database, clock: FakeClock, cli: Callable[..., Any], tmp_path: Path
) -> None:
    number = resolved(db, clock)
    assert "in review" in cli("postmortem", "submit", str(number)).output
    approved = cli("postmortem", "approve", str(number), "--note", "ok")
    assert "in review (1 approval(s))" in approved.output
    assert "published" in cli("postmortem", "publish", str(number)).output
    out = tmp_path / "pm.html"
    exported = cli("postmortem", "export", str(number), "--format", "html", "-o", str(out))
    assert exported.exit_code == 0, exported.output
    assert out.read_text().startswith("<!doctype html>") and "<h2>Five whys</h2>" in out.read_text()
    md = cli("postmortem", "export", str(number))
    assert md.output.startswith(f"# Postmortem: INC-{number}")
    refused = cli("incident", "close", str(number))
    assert refused.exit_code == 0, refused.output  # published: closing is allowed
