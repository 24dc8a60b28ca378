"""`warroom evidence add --command` without --name names the item after its command: a
multi-line command (a pasted script) is named by its first line, since a name holds no control
character (the API refuses a newline in one); on both databases."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.factories import seed_catalog
from warroom.db import Database


def test_a_multi_line_command_is_named_by_its_first_line(
    db: Database, cli: Any, tmp_path: Path
) -> None:
    with db.session() as session:
        seed_catalog(session)
        session.commit()
    assert cli("incident", "open", "--title", "Disk full", "--severity", "SEV2").exit_code == 0
    out = tmp_path / "out.txt"
    out.write_text("Filesystem  Use%\n/dev/sda1   100%\n")
    script = "\n  df -h /var\tlog\ndu -sh /var/log/*\n"
    added = cli("evidence", "add", "1", "--command", script, "--output", str(out))
    assert added.exit_code == 0, added.output
    listed = json.loads(cli("evidence", "list", "1", "--json").output)
    assert [(i["name"], i["command"]) for i in listed] == [("df -h /var log", script)]
