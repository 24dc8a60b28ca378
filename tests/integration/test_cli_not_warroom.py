"""WARROOM_URL (or the URL given to `warroom login`) that points at some other web server,
one answering 200 with a web page: the CLI says so, exit 1; not a TypeError traceback."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from warroom.cli.main import app as cli_app

runner = CliRunner()


class _WebPage(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>Some other site</title>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def other_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _WebPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("WARROOM_URL", url)
    monkeypatch.setenv("WARROOM_TOKEN", "wr_x")
    yield url
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    "args", [["incident", "list"], ["incident", "show", "1"], ["user", "list", "--json"]]
)
def test_commands_say_the_url_is_not_warroom(other_site: str, args: list[str]) -> None:
    result = runner.invoke(cli_app, args)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1
    assert f"error: {other_site} answered with a web page, not the warroom API" in result.output


def test_login_refuses_it_and_saves_nothing(other_site: str, tmp_path: Path) -> None:
    result = runner.invoke(cli_app, ["login", "--url", other_site, "--token", "wr_x"])
    assert result.exit_code == 1
    assert "login failed: " in result.output and "not the warroom API" in result.output
    assert not (tmp_path / "cfg" / "warroom" / "cli.json").exists()
