"""A checklist's steps are grouped by the document's `Symptoms:` / `Actions:` labels too.

The oracle playbooks (7.1-7.9) mark their parts with labels, not headings ("Symptoms:",
"Actions (treat as SEV0 until proven otherwise):", "Recovery:"): every step of such a
checklist had the section "", so the web page and `warroom step list` showed symptoms,
actions and recovery as one undivided list, the symptoms looking like things to do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.runbooks.conftest import apply_dir, write_config
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings

LABELLED = """# DB failover

Check this first.

Symptoms:
- connections refused

Actions (treat as SEV1 until proven otherwise):
1. Promote the replica
   - check it is in sync

Note: this paragraph ends no part:

2. Point the app at it

## Recovery
- Rebuild the old primary

Validation:
- Run the smoke test
"""


def test_steps_carry_their_label_as_section(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    configured: Path,
    client: TestClient,
    responder_headers: dict[str, str],
    cli: Any,
) -> None:
    apply_dir(db, clock, write_config(configured, **{"db-failover": LABELLED}))
    r = client.post(
        "/api/v1/incidents",
        json={"title": "DB down", "severity": "SEV1", "services": ["orders-db"]},
        headers=responder_headers,
    )
    number = int(r.json()["number"])
    Worker(db, clock, settings, "test").run_once()
    r = client.get(f"/api/v1/incidents/{number}/runbooks", headers=responder_headers)
    steps = r.json()["runs"][0]["steps"]
    assert [(s["text"], s["section"]) for s in steps] == [
        ("connections refused", "Symptoms"),
        ("Promote the replica", "Actions (treat as SEV1 until proven otherwise)"),
        ("check it is in sync", "Actions (treat as SEV1 until proven otherwise)"),
        ("Point the app at it", "Actions (treat as SEV1 until proven otherwise)"),
        ("Rebuild the old primary", "Recovery"),
        ("Run the smoke test", "Recovery · Validation"),
    ]
    out = cli("step", "list", str(number)).output
    assert out.index("\nSymptoms\n") < out.index("connections refused")
    assert out.index("connections refused") < out.index("\nActions (treat as SEV1")
