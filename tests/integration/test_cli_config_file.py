"""The CLI's own config file (`warroom login` keeps URL and token in it): one that cannot be
read is named in one line, exit 1, whatever the command; not a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from warroom.cli.main import app as cli_app

runner = CliRunner()


@pytest.mark.parametrize(
    "content", ["{not json", '["a list"]', "", None], ids=["syntax", "list", "empty", "directory"]
)
@pytest.mark.parametrize("token_in_env", [True, False])
def test_a_cli_config_that_cannot_be_read_is_named(
    content: str | None, token_in_env: bool, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.setenv("WARROOM_URL", "http://127.0.0.1:1")
    if token_in_env:
        monkeypatch.setenv("WARROOM_TOKEN", "wr_x")
    else:
        monkeypatch.delenv("WARROOM_TOKEN", raising=False)
    path = tmp_path / "warroom" / "cli.json"
    path.parent.mkdir()
    if content is None:
        path.mkdir()
    else:
        path.write_text(content)
    result = runner.invoke(cli_app, ["incident", "list"])
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1
    assert f"error: cannot read the CLI config {path}" in result.output
    assert "warroom login" in result.output
