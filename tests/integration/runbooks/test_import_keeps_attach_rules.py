"""Re-importing a document keeps the attach rules a team added to the imported file.

A team imports its incident document, then adds `severities:` / `matchers:` to a runbook's
front matter so that it attaches to the right incidents (as examples/oracle does). Before,
importing the same document again refused ("already exists with other content"), and
`--force` (the way to take a changed document) wrote the file without them: the runbook
silently stopped attaching.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from warroom.runbooks.markdown import parse

DOC = "# DB failover\n\n1. Check replica lag\n2. Promote it\n"
CHANGED = "# DB failover\n\n1. Check replica lag\n2. Promote it\n3. Tell #incidents\n"
RULES = "severities: [SEV0]\nmatchers: {alertname: PostgresDown}\n"


def test_reimport_keeps_front_matter_attach_rules(cli: Any, tmp_path: Path) -> None:
    source, out = tmp_path / "failover.md", tmp_path / "runbooks"
    source.write_text(DOC)
    assert cli("runbook", "import", str(source), "--out", str(out)).exit_code == 0
    target = out / "db-failover.md"
    target.write_text(
        target.read_text().replace("title: DB failover\n", f"title: DB failover\n{RULES}")
    )
    edited = target.read_text()

    again = cli("runbook", "import", str(source), "--out", str(out))
    assert again.exit_code == 0, again.output
    assert "(unchanged; front matter kept from the file: severities, matchers)" in again.output
    assert target.read_text() == edited

    source.write_text(CHANGED)
    refused = cli("runbook", "import", str(source), "--out", str(out))
    assert refused.exit_code == 1 and target.read_text() == edited
    forced = cli("runbook", "import", str(source), "--out", str(out), "--force")
    assert forced.exit_code == 0, forced.output
    assert "(front matter kept from the file: severities, matchers)" in forced.output
    doc = parse(target.read_text())
    assert doc.severities == ["SEV0"] and doc.matchers == {"alertname": "PostgresDown"}
    assert [s.text for s in doc.steps()][-1] == "Tell #incidents"


def test_the_documents_own_front_matter_wins(cli: Any, tmp_path: Path) -> None:
    source, out = tmp_path / "failover.md", tmp_path / "runbooks"
    source.write_text(DOC)
    assert cli("runbook", "import", str(source), "--out", str(out)).exit_code == 0
    target = out / "db-failover.md"
    target.write_text(
        target.read_text().replace("title: DB failover\n", f"title: DB failover\n{RULES}")
    )
    source.write_text("---\nseverities: [SEV1]\n---\n" + DOC)
    forced = cli("runbook", "import", str(source), "--out", str(out), "--force")
    assert forced.exit_code == 0, forced.output
    assert "(front matter kept from the file: matchers)" in forced.output
    doc = parse(target.read_text())
    assert doc.severities == ["SEV1"] and doc.matchers == {"alertname": "PostgresDown"}
