"""warroom down behind a reverse proxy: the proxy answers 502 with its own web page (or a
404 with no body at all). The CLI printed that page's HTML, or a bare 'error: ', instead of
saying that what answered is not warroom's API and with what status."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from warroom.cli.main import app as cli_app

NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
ANSWERS = {"/502": (502, "text/html", NGINX_502), "/404": (404, "", b"")}


class _Proxy(http.server.BaseHTTPRequestHandler):
    def _answer(self) -> None:
        status, ctype, body = ANSWERS[self.path.split("/api/", 1)[0]]
        self.send_response(status)
        if ctype:
            self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def proxy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Proxy)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("WARROOM_TOKEN", "wr_x")
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(
    ("path", "said"),
    [("/502", "answered 502 Bad Gateway"), ("/404", "answered 404 Not Found")],
)
@pytest.mark.parametrize("args", [["incident", "list"], ["incident", "ack", "1"]])
def test_an_answer_that_is_not_warroom_says_so(
    proxy: str, path: str, said: str, args: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_URL", proxy + path)
    result = CliRunner().invoke(cli_app, args)
    assert isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "<" not in lines[0], result.output
    assert lines[0].startswith(f"error: {proxy}{path} {said}, not the warroom API"), lines
