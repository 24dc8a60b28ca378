"""Running one rendered action: a command (argv, no shell) or an HTTP request.

Both sit behind small interfaces (`CommandRunner`, `HttpRunner`) so unit tests can swap in
fakes; integration tests use these real ones against a fake `kubectl` on PATH and a local
HTTP receiver. The process gets warroom's environment minus every WARROOM_* variable (the
database URL and secret key are not the command's business), runs in its own session so a
timeout kills it and everything it started, and its output is read from pipes of which only
the first `limit` bytes are kept (the rest is dropped as it comes, never written to disk).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import IO, Any, Protocol

from warroom import outbound


@dataclass
class Outcome:
    """What happened: exit code (HTTP status for http), output, duration, and why it failed."""

    exit_code: int | None
    stdout: bytes
    stderr: bytes
    duration_ms: int
    timed_out: bool = False
    truncated: bool = False
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.timed_out and self.exit_code == 0


class CommandRunner(Protocol):
    def run(self, argv: list[str], timeout_s: float, limit: int) -> Outcome: ...


class HttpRunner(Protocol):
    def send(self, request: dict[str, Any], timeout_s: float, limit: int) -> Outcome: ...


def _child_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.upper().startswith("WARROOM_")}


class _Capture(threading.Thread):
    """Reads one of the command's pipes to its end: the first `limit` bytes are kept, the
    rest dropped as it comes (nothing goes to disk, so a chatty command cannot fill it)."""

    def __init__(self, stream: IO[bytes], limit: int) -> None:
        super().__init__(daemon=True)
        self.stream, self.limit = stream, limit
        self.kept = bytearray()
        self.more = False

    def run(self) -> None:
        try:
            with contextlib.suppress(OSError, ValueError):
                while chunk := os.read(self.stream.fileno(), 65536):
                    room = self.limit - len(self.kept)
                    if room > 0:
                        self.kept += chunk[:room]
                    self.more = self.more or len(chunk) > room
        finally:
            self.stream.close()  # here, never by the runner: the reader may still be reading

    def result(self, wait: float) -> tuple[bytes, bool]:
        """What was kept once the pipe closed; after `wait` seconds, what was kept so far (a
        process the command left behind may hold the pipe open)."""
        self.join(wait)
        return bytes(self.kept), self.more


# Seconds to wait, once the command ended, for what it printed last.
_DRAIN_WAIT = 5.0


class SubprocessRunner:
    """The real command runner: `subprocess.Popen(argv, shell=False)` with a hard timeout."""

    def run(self, argv: list[str], timeout_s: float, limit: int) -> Outcome:
        started = time.monotonic()
        try:
            process = subprocess.Popen(  # an argv list, never a shell
                argv,
                shell=False,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=_child_env(),
                start_new_session=True,
            )
        except (OSError, ValueError) as exc:
            return Outcome(None, b"", b"", _ms(started), error=f"could not start: {exc}")
        assert process.stdout is not None and process.stderr is not None
        out, err = _Capture(process.stdout, limit), _Capture(process.stderr, limit)
        out.start()
        err.start()
        timed_out = False
        try:
            code: int | None = process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            timed_out = True
            _kill_group(process)
            process.wait()
            code = None
        stdout, cut_out = out.result(_DRAIN_WAIT)
        stderr, cut_err = err.result(_DRAIN_WAIT)
        error = f"timed out after {timeout_s:g}s; killed" if timed_out else None
        return Outcome(
            code, stdout, stderr, _ms(started), timed_out, cut_out or cut_err, error=error
        )


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


class HttpxRunner:
    """The real HTTP runner: one request with httpx; a 2xx answer is success.

    `timeout` bounds the whole request, not each read: the answer is streamed and given up
    once the deadline passes between two reads (so a server trickling bytes cannot hold the
    worker past about twice the timeout), and reading stops after `limit` bytes.
    """

    def send(self, request: dict[str, Any], timeout_s: float, limit: int) -> Outcome:
        import httpx

        started = time.monotonic()
        timed_out = Outcome(
            None, b"", b"", 0, timed_out=True, error=f"timed out after {timeout_s:g}s"
        )
        try:
            outbound.check_url(request["url"])  # and each connection (warroom.outbound)
            with (
                httpx.Client(timeout=timeout_s, follow_redirects=False) as client,
                client.stream(
                    request["method"],
                    request["url"],
                    headers=request.get("headers") or {},
                    content=(request.get("body") or "").encode() or None,
                    extensions={"trace": outbound.trace()},
                ) as answer,
            ):
                body, truncated = _read_until(answer, started + timeout_s, limit)
        except outbound.Refused as exc:
            return Outcome(None, b"", b"", _ms(started), error=str(exc))
        except (httpx.TimeoutException, TimeoutError):
            timed_out.duration_ms = _ms(started)
            return timed_out
        except (httpx.HTTPError, httpx.InvalidURL, UnicodeError) as exc:
            # A request that cannot be built fails the run, not the engine's job.
            return Outcome(None, b"", b"", _ms(started), error=f"request failed: {exc}")
        status = answer.status_code
        error = None if 200 <= status < 300 else f"answered HTTP {status}"
        return Outcome(
            0 if error is None else status,
            body,
            b"",
            _ms(started),
            truncated=truncated,
            error=error,
        )


def _read_until(answer: Any, deadline: float, limit: int) -> tuple[bytes, bool]:
    """At most `limit` bytes of the answer (and whether there was more); TimeoutError once
    the deadline has passed."""
    body = bytearray()
    for chunk in answer.iter_bytes():
        body += chunk
        if len(body) > limit:
            return bytes(body[:limit]), True
        if time.monotonic() > deadline:
            raise TimeoutError
    return bytes(body), False


_command_runner: CommandRunner = SubprocessRunner()
_http_runner: HttpRunner = HttpxRunner()


def command_runner() -> CommandRunner:
    return _command_runner


def http_runner() -> HttpRunner:
    return _http_runner


def set_runners(command: CommandRunner | None = None, http: HttpRunner | None = None) -> None:
    """Swap the runners (unit tests); None restores the real one."""
    global _command_runner, _http_runner
    _command_runner = command or SubprocessRunner()
    _http_runner = http or HttpxRunner()
