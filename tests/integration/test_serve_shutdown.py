"""`warroom serve` stops when asked (SIGTERM) even while a client keeps an idle TLS
connection open, as senders' connection pools do: requests in flight get
`GRACEFUL_SHUTDOWN_S`, then the server closes what is left and the app shuts down cleanly."""

from __future__ import annotations

import http.client
import os
import ssl
import subprocess
import sys
from pathlib import Path

from tests.e2e.test_prometheus_alertmanager import free_port, wait_for
from tests.integration.senders.test_client_libraries import self_signed
from warroom.cli.local import GRACEFUL_SHUTDOWN_S


def test_sigterm_stops_serve_despite_an_idle_tls_connection(tmp_path: Path) -> None:
    cert, key = self_signed(tmp_path)
    port = free_port()
    env = {
        **os.environ,
        "WARROOM_DATABASE_URL": f"sqlite:///{tmp_path}/warroom.db",
        "WARROOM_DATA_DIR": str(tmp_path / "var"),
        "WARROOM_SECRET_KEY": "shutdown-secret-key-0000000000000",
    }
    warroom = str(Path(sys.executable).with_name("warroom"))
    command = [warroom, "serve", "--port", str(port), "--no-engine"]
    command += ["--ssl-certfile", str(cert), "--ssl-keyfile", str(key)]
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT, env=env)
    trust = ssl.create_default_context(cafile=str(cert))
    connection = http.client.HTTPSConnection("127.0.0.1", port, context=trust, timeout=5)
    try:

        def healthy() -> bool:
            try:
                connection.request("GET", "/healthz")
                answer = connection.getresponse()
                answer.read()
                return answer.status == 200
            except OSError:
                connection.close()
                return False

        wait_for("warroom to serve over TLS", healthy, [log])
        # The connection stays open and idle (keep-alive) while the server is asked to stop.
        proc.terminate()
        try:
            proc.wait(GRACEFUL_SHUTDOWN_S + 20)
        except subprocess.TimeoutExpired:
            raise AssertionError(f"serve did not stop:\n{log.read_text()[-2000:]}") from None
    finally:
        connection.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert "Application shutdown complete" in log.read_text()
