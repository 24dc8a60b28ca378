"""The config page's folder picker in a real Chromium: the browser sends each file of the
picked folder with its path in it, and the runbook named `markdown_file: runbooks/KEY.md` is
read from it (a plan only: the shared server's config is not changed)."""

from __future__ import annotations

from pathlib import Path

from tests.browser.conftest import AM_TOKEN, ORG, Browse, Server

MARKDOWN = "# Folder failover\n\n## Steps\n- Promote the replica\n"


def test_a_picked_config_folder_plans_with_its_runbook_files(
    browse: Browse, server: Server, tmp_path: Path
) -> None:
    folder = tmp_path / "myconfig"
    (folder / "runbooks").mkdir(parents=True)
    org = (ORG % {"token": AM_TOKEN}).replace(
        "runbooks:\n", "runbooks:\n  - key: folder-db\n    markdown_file: runbooks/folder-db.md\n"
    )
    (folder / "org.yaml").write_text(org)
    (folder / "runbooks" / "folder-db.md").write_text(MARKDOWN)

    page = browse("admin@b.test")
    page.goto("/ui/config")
    page.get_by_label("Or upload a config folder").set_input_files(folder)
    page.get_by_role("button", name="Show plan").click()
    page.wait_for_load_state()
    assert not page.locator("#plan-problems").count(), page.locator("#plan-problems").inner_text()
    plan = page.locator("pre.plan").inner_text()
    assert "+ create runbook folder-db" in plan
    assert "myconfig" not in page.content()
    runbooks = server.api("GET", "/api/v1/config")
    assert "folder-db" not in str(runbooks)  # a plan writes nothing
