"""`warroom config plan|apply` never print a value read through `${VAR}` or `X_file:`, whatever
field it went into (docs/configuration.md, Secrets): the plan shows that it changed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from warroom.db import Database

CONFIG = """\
users:
  - {email: ann@example.com, name: Ann, role: admin}
teams:
  - key: sre
    name: SRE
    description: "bridge PIN ${BRIDGE_PIN}"
    members: [ann@example.com]
services:
  - key: api
    name: API
    team: sre
    description_file: about.txt
"""


def test_plan_and_apply_never_show_what_a_reference_read(
    db: Database,
    cli: Callable[..., Any],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("BRIDGE_PIN", "8675309911")
    (tmp_path / "warroom.yaml").write_text(CONFIG)
    (tmp_path / "about.txt").write_text("vault path secret/api-root-key-4471\n")
    first = cli("config", "apply", str(tmp_path), "--json")
    assert first.exit_code == 0, first.output
    changes = {e["identity"]: e["changes"] for e in json.loads(first.output)["plan"]}
    # Before: the create's fields held "bridge PIN 8675309911" and the file's text.
    assert changes["sre"]["description"] == {"old": None, "new": "bridge PIN ***"}
    assert changes["api"]["description"] == {"old": None, "new": "***"}

    monkeypatch.setenv("BRIDGE_PIN", "1112223334")
    plan = cli("config", "plan", str(tmp_path))
    assert plan.exit_code == 0, plan.output
    assert '    description: "***" → "bridge PIN ***"' in plan.output, plan.output
    for secret in ("8675309911", "1112223334", "api-root-key-4471"):
        assert secret not in first.output + plan.output
