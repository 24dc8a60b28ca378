"""`warroom serve --config BADDIR` refuses to start and leaves the database untouched."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from tests.unit.config.helpers import write
from warroom.config.service import apply_directory_to_url
from warroom.migrate import upgrade

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _snapshot(path: Path) -> dict[str, list[tuple[object, ...]]]:
    with sqlite3.connect(path) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()
            for table in ("config_revisions", "severities", "services", "teams", "users")
        }


def test_serve_refuses_a_bad_config(tmp_path: Path) -> None:
    database = tmp_path / "warroom.db"
    url = f"sqlite:///{database}"
    upgrade(url)
    assert apply_directory_to_url(url, EXAMPLES / "oracle", "setup") == []
    before = _snapshot(database)
    bad = write(
        tmp_path / "bad",
        {
            "services.yaml": "services:\n  - key: api-gateway\n    name: API\n    team: nobody\n",
            "severities.yaml": (
                "severities:\n  - key: SEV0\n    name: Critical\n    acknowledge_within: soon\n"
            ),
        },
    )
    env = {**os.environ, "WARROOM_DATABASE_URL": url}
    done = subprocess.run(
        [sys.executable, "-m", "warroom.cli.main", "serve", "--config", str(bad), "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 1
    assert done.stderr.splitlines() == [
        f"{bad}/services.yaml:4: services[api-gateway].team: unknown team 'nobody' (known: sre)",
        f"{bad}/severities.yaml:4: severities[SEV0].acknowledge_within: 'soon' is not a duration "
        "like 90s, 15m, 4h, 1d or 2h30m",
        f"error: refusing to start: {bad} has 2 problem(s); the database was left untouched",
    ]
    assert _snapshot(database) == before
    assert len(before["config_revisions"]) == 1
