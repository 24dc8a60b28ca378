"""The config page uploads a config folder with each file's path in it.

The web page sent its files by bare names (`db.md`), so a runbook laid out as the docs lay it
out (`runbooks.yaml` with `markdown_file: runbooks/db.md`) was refused on the web ("... or send
runbooks/db.md with the files") while `warroom config apply DIR` took it. The page now has a
folder picker whose files (sent by the browser as `config/runbooks/db.md`) keep their paths
without the folder's own name; plain files still upload; unsafe names are refused.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.paging.world import ORG, apply
from warroom.clock import FakeClock
from warroom.config.models import ConfigRevision
from warroom.db import Database

RUNBOOKS = "runbooks:\n  - key: db\n    markdown_file: runbooks/db.md\n"
DB_MD = "# DB failover\n\n## Steps\n- Promote the replica\n- Point the app at it\n"


def _revisions(db: Database) -> int:
    with db.session() as session:
        return len(session.execute(select(ConfigRevision.id)).all())


def _folder(files: dict[str, str]) -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("folder", (name, text.encode(), "text/plain")) for name, text in files.items()]


def _plan(page: str) -> str:
    found = re.search(r'<pre class="plan">(.*?)</pre>', page, re.S)
    assert found, "no plan on the page"
    return html.unescape(found.group(1))


@pytest.fixture
def admin_token(
    client: TestClient,
    db: Database,
    clock: FakeClock,
    ui_login: Callable[..., Any],
    csrf: Callable[[TestClient, str], str],
) -> str:
    apply(db, clock, ORG)
    ui_login(client, "admin")
    return csrf(client, "/ui/config")


def test_the_page_offers_a_folder_picker(client: TestClient, admin_token: str) -> None:
    page = client.get("/ui/config").text
    assert re.search(r'<input id="cfg-folder" name="folder" type="file" webkitdirectory', page)
    assert 'accept=".yaml,.yml,.md"' in page  # a runbook's Markdown may be picked as a file


def test_a_picked_folder_plans_and_applies_with_its_runbook_files(
    client: TestClient, db: Database, admin_token: str
) -> None:
    files = {
        "config/org.yaml": ORG,
        "config/runbooks.yaml": RUNBOOKS,
        "config/runbooks/db.md": DB_MD,
    }
    planned = client.post("/ui/config/plan", data={"csrf_token": admin_token}, files=_folder(files))
    assert planned.status_code == 200, planned.text
    assert "+ create runbook db" in _plan(planned.text)
    assert "config/" not in _plan(planned.text)
    assert _revisions(db) == 1

    applied = client.post(
        "/ui/config/apply",
        data={"csrf_token": admin_token},
        files=_folder(files),
        follow_redirects=False,
    )
    assert applied.status_code == 303, applied.text
    assert _revisions(db) == 2


def test_a_mistake_in_a_folders_runbook_names_its_path_in_the_folder(
    client: TestClient, db: Database, admin_token: str
) -> None:
    files = {
        "config/org.yaml": ORG,
        "config/runbooks.yaml": RUNBOOKS,
        "config/runbooks/db.md": "---\ntitle: DB\nowner: me\n---\n# DB\n- a\n",
    }
    page = client.post("/ui/config/plan", data={"csrf_token": admin_token}, files=_folder(files))
    assert page.status_code == 422
    text = html.unescape(page.text)
    assert "runbooks/db.md:3: runbooks[db].markdown: unknown front matter field(s): owner" in text
    assert "config/runbooks/db.md" not in text
    assert _revisions(db) == 1


def test_files_uploaded_with_their_paths_are_read_as_the_cli_reads_a_directory(
    client: TestClient, db: Database, admin_token: str
) -> None:
    uploads = [
        ("upload", ("org.yaml", ORG.encode(), "application/yaml")),
        ("upload", ("runbooks.yaml", RUNBOOKS.encode(), "application/yaml")),
        ("upload", ("runbooks/db.md", DB_MD.encode(), "text/markdown")),
    ]
    planned = client.post("/ui/config/plan", data={"csrf_token": admin_token}, files=uploads)
    assert planned.status_code == 200, planned.text
    assert "+ create runbook db" in _plan(planned.text)

    bare = [*uploads[:2], ("upload", ("db.md", DB_MD.encode(), "text/markdown"))]
    refused = client.post("/ui/config/plan", data={"csrf_token": admin_token}, files=bare)
    assert refused.status_code == 422
    assert "or send runbooks/db.md with the files" in html.unescape(refused.text)
    assert _revisions(db) == 1


@pytest.mark.parametrize(
    ("name", "says"),
    [
        ("/etc/warroom/org.yaml", "must be relative to the config folder"),
        ("config/../../org.yaml", "must not contain '..'"),
        ("runbooks/../../etc/db.md", "must not contain '..'"),
    ],
)
def test_an_unsafe_file_name_is_refused_naming_it_and_nothing_is_written(
    name: str, says: str, client: TestClient, db: Database, admin_token: str
) -> None:
    for field in ("upload", "folder"):
        files = [(field, (name, ORG.encode(), "application/yaml"))]
        page = client.post("/ui/config/apply", data={"csrf_token": admin_token}, files=files)
        assert page.status_code == 422, (field, page.text)
        assert f"{name!r}: a file name {says}" in html.unescape(page.text)
    pasted = {"csrf_token": admin_token, "text": ORG, "filename": name}
    assert client.post("/ui/config/apply", data=pasted).status_code == 422
    assert _revisions(db) == 1
