"""A config directory with runbooks in a `runbooks/` folder, applied through the config service."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.integration.concurrency.conftest import fake_sender, pg_world  # noqa: F401
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database

AM_SECRET = "prom-secret-0123456789"

CONFIG = f"""
severities:
  - {{key: SEV1, name: Critical}}
  - {{key: SEV2, name: Major}}
services:
  - {{key: orders-db, name: Orders DB, runbooks: [db-failover]}}
  - {{key: checkout, name: Checkout}}
integrations:
  - {{key: prom, type: alertmanager, secret: "{AM_SECRET}"}}
routes:
  - key: checkout
    matchers: ['service="checkout"']
    service: checkout
    severity: SEV1
    runbooks: [checkout-errors]
  - key: default
    service_label: service
    severity: SEV2
runbooks:
  - key: db-failover
    markdown_file: runbooks/db-failover.md
  - key: checkout-errors
    markdown_file: runbooks/checkout-errors.md
  - key: slow-api
    markdown_file: runbooks/slow-api.md
  - key: unused
    markdown: "# Unused\\n\\n- never attaches by itself"
"""

DB_FAILOVER = """# Database failover

## Symptoms
- Connections *refused*

## Mitigation
1. Promote the replica
   ```bash
   pg_ctl promote
   ```
2. Point the app at it ([guide](https://wiki.example.com/switch))
"""

CHECKOUT = """# Checkout errors

## Triage
- Check the error rate
- Check the last deploy
"""

SLOW_API = """---
severities: [SEV2]
matchers: {alertname: SlowApi}
---
# Slow API

- Look at the latency dashboard
"""


def write_config(folder: Path, **runbooks: str) -> Path:
    """The config directory: config.yaml plus runbooks/*.md (override texts by key)."""
    texts = {"db-failover": DB_FAILOVER, "checkout-errors": CHECKOUT, "slow-api": SLOW_API}
    texts |= runbooks
    (folder / "runbooks").mkdir(parents=True, exist_ok=True)
    for key, text in texts.items():
        (folder / "runbooks" / f"{key}.md").write_text(text, encoding="utf-8")
    (folder / "config.yaml").write_text(CONFIG, encoding="utf-8")
    return folder


def apply_dir(db: Database, clock: FakeClock, folder: Path) -> None:
    doc, problems = config_service.load_directory(folder)
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")


@pytest.fixture
def configured(db: Database, clock: FakeClock, tmp_path: Path) -> Path:
    folder = write_config(tmp_path / "config")
    apply_dir(db, clock, folder)
    return folder
