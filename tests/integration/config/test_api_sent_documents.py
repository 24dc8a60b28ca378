"""Config sent over the API (and the web UI's upload) may send the Markdown its runbooks name.

The documented layout keeps each runbook in `runbooks/KEY.md`, named by `markdown_file:`; sent
through `POST /api/v1/config/apply`, every such runbook was refused ("reading files is not
allowed in config sent through the API"), so a team could plan its config in the web UI only
by rewriting every runbook inline. A file named by `X_file:` may now come with the files sent;
the server's own files are still never read, and a sent file nothing names is a problem.
"""

from __future__ import annotations

from fastapi.testclient import TestClient

BASE = "severities:\n  - {key: SEV1, name: Critical}\n"
RUNBOOKS = "runbooks:\n  - key: db\n    markdown_file: runbooks/db.md\n"


def _post(client: TestClient, headers: dict[str, str], files: dict[str, str]):  # type: ignore[no-untyped-def]
    return client.post(
        "/api/v1/config/apply", json={"files": files, "dry_run": True}, headers=headers
    )


def test_a_runbook_file_sent_with_the_config_is_read(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    files = {
        "org.yaml": BASE,
        "runbooks.yaml": RUNBOOKS,
        "runbooks/db.md": "# DB failover\n\n- Promote the replica\n",
    }
    r = _post(client, admin_headers, files)
    assert r.status_code == 200, r.text
    [entry] = [e for e in r.json()["plan"] if e["kind"] == "runbook"]
    assert entry["action"] == "create" and entry["identity"] == "db"


def test_a_sent_runbook_files_mistake_names_its_line(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    files = {
        "org.yaml": BASE,
        "runbooks.yaml": RUNBOOKS,
        "runbooks/db.md": "---\ntitle: DB\nowner: me\n---\n# DB\n- a\n",
    }
    r = _post(client, admin_headers, files)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["problems"] == [
        "runbooks/db.md:3: runbooks[db].markdown: unknown front matter field(s): owner"
    ]


def test_files_not_sent_are_still_refused_and_sent_ones_must_be_named(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    files = {"org.yaml": BASE, "runbooks.yaml": RUNBOOKS, "notes.md": "# Notes\n"}
    r = _post(client, admin_headers, files)
    assert r.status_code == 422, r.text
    problems = r.json()["error"]["problems"]
    assert problems[0] == (
        "notes.md: not a config file (*.yaml, *.yml), and no `X_file:` of the config names it"
    )
    assert problems[1].startswith(
        "runbooks.yaml:3: runbooks[0].markdown_file: reading files is not allowed in config "
        "sent through the API"
    )
    assert "send runbooks/db.md with the files" in problems[1]
