"""A command's output beyond `output_limit` is dropped as it comes, never stored.

The runner wrote the whole of stdout and stderr to temporary files and kept their first
`output_limit` bytes: a chatty command (`kubectl logs`, `yes`) wrote gigabytes to the
worker's disk within its timeout. Shown here under a 4 MB file-size limit (RLIMIT_FSIZE):
a command printing 16 MB was killed by SIGXFSZ; now it succeeds with its output capped."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import json, resource, sys
    from warroom.actions.runner import SubprocessRunner
    resource.setrlimit(resource.RLIMIT_FSIZE, (4 * 1048576, 4 * 1048576))
    chatty = "import sys; [sys.stdout.buffer.write(b'y' * 65536) for _ in range(256)]"
    outcome = SubprocessRunner().run([sys.executable, "-c", chatty], 30.0, 2048)
    print(json.dumps({
        "exit_code": outcome.exit_code, "error": outcome.error, "ok": outcome.ok,
        "stdout": outcome.stdout.decode(), "truncated": outcome.truncated,
    }))
    """
)


def test_output_past_the_limit_is_not_written_to_disk() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120, check=True
    )
    outcome = json.loads(done.stdout)
    assert outcome["exit_code"] == 0, outcome
    assert outcome["ok"] is True
    assert outcome["stdout"] == "y" * 2048
    assert outcome["truncated"] is True
