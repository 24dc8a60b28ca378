"""`warroom runbook import` names the line of a document that cannot be a runbook as FILE:LINE.

Before, a front matter YAML error came as PyYAML's multi-line dump counting lines from the
front matter (`in "<unicode string>", line 2`), and other front matter problems had no line.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def test_import_names_the_documents_line(tmp_path: Path, cli: Any) -> None:
    cases = {
        "---\ntitle: DB\nseverities: [SEV1, SEV2\n---\n# DB\n- a\n": (
            ":3: front matter is not valid YAML: expected ',' or ']', but got '<stream end>' "
            "(while parsing a flow sequence)"
        ),
        "---\ntitle: DB\n\nowner: me\n---\n# DB\n- a\n": ":4: unknown front matter field(s): owner",
        "---\ntitle: [a, b]\n---\n# DB\n": ":2: front matter title: must be text",
    }
    for n, (text, expected) in enumerate(cases.items()):
        doc = tmp_path / f"doc{n}.md"
        doc.write_text(text, encoding="utf-8")
        result = cli("runbook", "import", str(doc), "--out", str(tmp_path / f"out{n}"))
        assert result.exit_code == 1
        assert result.output.strip() == f"error: {doc}{expected}", result.output
        assert not (tmp_path / f"out{n}").exists()
