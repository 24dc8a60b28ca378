"""Write small config directories for tests."""

from __future__ import annotations

import textwrap
from pathlib import Path

BASE = {
    "severities.yaml": """\
        severities:
          - key: SEV1
            name: High
            acknowledge_within: 15m
          - key: SEV2
            name: Medium
        """,
    "org.yaml": """\
        users:
          - email: ann@example.com
            name: Ann
            role: admin
          - email: bob@example.com
            name: Bob
        teams:
          - key: sre
            name: SRE
            members: [bob@example.com]
            leads: [ann@example.com]
        """,
    "services.yaml": """\
        services:
          - key: api
            name: API
            team: sre
        """,
}


def write(directory: Path, files: dict[str, str], base: bool = True) -> Path:
    """Write the BASE pack (unless base=False) overridden by files; returns the directory."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in ({**BASE, **files} if base else files).items():
        (directory / name).write_text(textwrap.dedent(text))
    return directory
