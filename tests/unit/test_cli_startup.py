"""`warroom --help` must stay fast: it may not import the server or database stack."""

from __future__ import annotations

import subprocess
import sys

HEAVY = ("sqlalchemy", "fastapi", "uvicorn", "httpx", "alembic", "apprise", "psycopg")


def test_help_imports_no_heavy_library() -> None:
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from warroom.cli.main import app\n"
        "result = CliRunner().invoke(app, ['--help'])\n"
        "assert result.exit_code == 0, result.output\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "", f"imported at --help time: {out.stdout.strip()}"


def test_every_command_group_has_help() -> None:
    from typer.testing import CliRunner

    from warroom.cli.main import app

    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    for group in ("db", "token", "serve", "bootstrap"):
        assert group in result.output
