"""`warroom config plan` and safe apply (issue 10), through the real CLI and API, on both databases.

Field-level plans (text and JSON), no phantom changes, masked secrets; refusals that keep the
applying user and the last admin active; databases that are not migrated; strict booleans.
"""

from __future__ import annotations

import json
import os
import textwrap
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, func, select, text
from typer.testing import CliRunner

from tests.conftest import PG_ADMIN_URL, MakeToken, _pg_error, need
from tests.unit.config.helpers import write
from warroom.auth.models import User
from warroom.cli.main import app as cli_app
from warroom.clock import FakeClock
from warroom.config import service
from warroom.config.models import ConfigRevision
from warroom.db import Database
from warroom.migrate import upgrade

LADDER = """\
    severities:
      - key: SEV1
        name: High
        acknowledge_within: 15m
        postmortem: {required: true, due_within: 48h}
        escalate_while_unresolved:
          - after: 30m
            notify: [user:ann@example.com]
          - after: 1h
            notify: [user:bob@example.com]
      - key: SEV2
        name: Medium
    """
PEOPLE = """\
    users:
      - email: ann@example.com
        name: Ann
        role: admin
        contact_methods:
          - name: hook
            url: json://ann:{password}@hooks.example.com/page
      - email: bob@example.com
        name: Bob
    teams:
      - key: sre
        name: SRE
        members: [bob@example.com]
        leads: [ann@example.com]
    """
# Another team's pack: Ann (the admin applying the first one) is not in it.
OTHER = """\
    users:
      - email: cat@example.com
        name: Cat
        role: {role}
    teams:
      - key: sre
        name: SRE
        members: [cat@example.com]
    """


@pytest.fixture
def run(db: Database, monkeypatch: pytest.MonkeyPatch) -> Any:
    """run("config", "plan", DIR) -> the CLI's result, on the test database."""
    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)
    monkeypatch.delenv("WARROOM_TOKEN", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", "/nonexistent-warroom-test")
    runner = CliRunner()
    return lambda *args: runner.invoke(cli_app, list(args), catch_exceptions=False)


def _pack(tmp_path: Path, name: str, **files: str) -> Path:
    return write(tmp_path / name, {f"{k}.yaml": v for k, v in files.items()})


def _first(tmp_path: Path, password: str = "hunter2-first") -> Path:
    return _pack(tmp_path, "first", severities=LADDER, org=PEOPLE.replace("{password}", password))


def _revisions(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(ConfigRevision)) or 0


def _active(db: Database, email: str) -> bool:
    with db.session() as session:
        user = session.scalar(select(User).where(User.email == email))
        return bool(user and user.active)


def test_plan_shows_each_changed_field_in_text_and_json(
    run: Any, db: Database, tmp_path: Path
) -> None:
    assert run("config", "apply", str(_first(tmp_path))).exit_code == 0
    changed = _pack(
        tmp_path,
        "changed",
        severities=LADDER.replace("after: 1h", "after: 2h").replace("15m", "10m"),
        org=PEOPLE.replace("{password}", "hunter2-second").replace(
            "members: [bob@example.com]", "members: []"
        ),
    )
    plan = run("config", "plan", str(changed))
    assert plan.exit_code == 0, plan.output
    lines = plan.output.splitlines()
    at = lines.index("~ update severity SEV1")
    assert lines[at + 1 : at + 3] == [
        '    acknowledge_within: "15m" → "10m"',
        '    escalate_while_unresolved[1].after: "1h" → "2h"',
    ]
    at = lines.index("~ update team sre")
    assert lines[at + 1] == (
        '    members: ["ann@example.com (lead)", "bob@example.com (member)"]'
        ' → ["ann@example.com (lead)"]'
    )
    assert "~ update contact_methods ann@example.com" in lines
    assert lines[-1] == "plan: 0 to create, 3 to update, 0 to delete; nothing was written"
    assert "hunter2" not in plan.output

    as_json = json.loads(run("config", "plan", str(changed), "--json").output)
    entries = {(e["kind"], e["identity"]): e for e in as_json["plan"]}
    assert entries[("severity", "SEV1")]["changes"] == {
        "acknowledge_within": {"old": "15m", "new": "10m"},
        "escalate_while_unresolved[1].after": {"old": "1h", "new": "2h"},
    }
    assert as_json["summary"] == "0 to create, 3 to update, 0 to delete"
    assert as_json["lockouts"] == [] and as_json["dry_run"] is True
    assert "hunter2" not in json.dumps(as_json)
    assert _revisions(db) == 1  # a plan writes nothing


def test_creates_carry_their_fields_and_nothing_phantom_is_planned(
    run: Any, db: Database, tmp_path: Path
) -> None:
    first = _first(tmp_path)
    as_json = json.loads(run("config", "plan", str(first), "--json").output)
    entries = {(e["kind"], e["identity"]): e for e in as_json["plan"]}
    assert {e["action"] for e in as_json["plan"]} == {"create"}
    assert entries[("user", "bob@example.com")]["changes"]["role"] == {
        "old": None,
        "new": "responder",
    }
    ladder = entries[("severity", "SEV1")]["changes"]["escalate_while_unresolved"]["new"]
    assert [rung["after"] for rung in ladder] == ["30m", "1h"]
    # Bob names no contact method: he gets the default e-mail one, which is no change to show.
    assert ("contact_methods", "bob@example.com") not in entries
    assert ("contact_methods", "ann@example.com") in entries
    assert "hunter2" not in json.dumps(as_json)
    assert run("config", "apply", str(first)).exit_code == 0
    again = run("config", "plan", str(first))
    assert again.output.splitlines() == [
        "plan: 0 to create, 0 to update, 0 to delete; nothing was written"
    ]


def test_apply_refuses_to_deactivate_the_applying_user_without_force(
    run: Any, db: Database, tmp_path: Path
) -> None:
    assert run("config", "apply", str(_first(tmp_path))).exit_code == 0
    other = _pack(tmp_path, "other", org=OTHER.replace("{role}", "admin"))
    plan = run("config", "plan", str(other), "--actor", "ann@example.com")
    assert plan.exit_code == 0
    assert "- delete user ann@example.com (deactivated; kept for history)" in plan.output
    assert (
        "warning: this would deactivate ann@example.com, the user applying it; "
        "`config apply` refuses it without --force"
    ) in plan.output
    refused = run("config", "apply", str(other), "--actor", "ann@example.com")
    assert refused.exit_code == 1
    assert "refused: this would deactivate ann@example.com" in refused.output
    assert refused.output.rstrip().endswith("nothing was applied")
    assert _active(db, "ann@example.com") and _revisions(db) == 1
    forced = run("config", "apply", str(other), "--actor", "ann@example.com", "--force")
    assert forced.exit_code == 0, forced.output
    assert not _active(db, "ann@example.com") and _revisions(db) == 2


def test_the_cli_token_names_the_applying_user(
    run: Any, db: Database, tmp_path: Path, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    from warroom.auth import service as auth_service

    assert run("config", "apply", str(_first(tmp_path))).exit_code == 0
    with db.session() as session:
        ann = auth_service.get_user_by_email(session, "ann@example.com")
        _, token = auth_service.create_token(session, clock, ann, name="laptop")
    monkeypatch.setenv("WARROOM_TOKEN", token)
    other = _pack(tmp_path, "other", org=OTHER.replace("{role}", "admin"))
    refused = run("config", "apply", str(other))
    assert refused.exit_code == 1 and "ann@example.com, the user applying it" in refused.output
    assert _active(db, "ann@example.com")


def test_apply_refuses_to_leave_no_active_admin(run: Any, db: Database, tmp_path: Path) -> None:
    assert run("config", "apply", str(_first(tmp_path))).exit_code == 0
    other = _pack(tmp_path, "other", org=OTHER.replace("{role}", "responder"))
    plan = json.loads(run("config", "plan", str(other), "--json").output)
    assert plan["lockouts"] == [
        "this would leave no active admin (deactivating or demoting ann@example.com)"
    ]
    refused = run("config", "apply", str(other))
    assert refused.exit_code == 1 and "no active admin" in refused.output
    assert _active(db, "ann@example.com") and _revisions(db) == 1
    assert run("config", "apply", str(other), "--force").exit_code == 0
    assert not _active(db, "ann@example.com")


def test_api_dry_run_lists_lockouts_and_apply_answers_409(
    client: TestClient, make_token: MakeToken, db: Database, tmp_path: Path
) -> None:
    first = _first(tmp_path)
    admin = {"Authorization": f"Bearer {make_token('admin', email='root@example.com')}"}
    files = {p.name: p.read_text() for p in first.iterdir()}
    assert client.post("/api/v1/config/apply", json={"files": files}, headers=admin).is_success
    with db.session() as session:
        from warroom.auth import service as auth_service

        ann = auth_service.get_user_by_email(session, "ann@example.com")
        _, token = auth_service.create_token(session, FakeClock(), ann, name="api")
    as_ann = {"Authorization": f"Bearer {token}"}
    other = {"org.yaml": textwrap.dedent(OTHER.replace("{role}", "admin"))}
    body = {"files": other, "dry_run": True}
    dry = client.post("/api/v1/config/apply", json=body, headers=as_ann)
    assert dry.status_code == 200, dry.text
    assert dry.json()["lockouts"] == ["this would deactivate ann@example.com, the user applying it"]
    entries = {(e["kind"], e["identity"]): e for e in dry.json()["plan"]}
    assert entries[("team", "sre")]["changes"]["members"]["new"] == ["cat@example.com (member)"]
    refused = client.post("/api/v1/config/apply", json={"files": other}, headers=as_ann)
    assert refused.status_code == 409 and refused.json()["error"]["field"] == "force"
    assert _active(db, "ann@example.com") and _revisions(db) == 1
    forced = {"files": other, "force": True}
    assert client.post("/api/v1/config/apply", json=forced, headers=as_ann).status_code == 200
    assert not _active(db, "ann@example.com")


def _cli_on(url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("WARROOM_DATABASE_URL", url)
    monkeypatch.delenv("WARROOM_TOKEN", raising=False)
    runner = CliRunner()
    return lambda *args: runner.invoke(cli_app, list(args), catch_exceptions=False)


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database that was never migrated: a missing SQLite file, or an empty PostgreSQL one."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/fresh/warroom.db"
        return
    error = _pg_error()
    need(error is None, f"PostgreSQL at {PG_ADMIN_URL} is not reachable ({error})")
    name = f"warroom_fresh_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_an_unmigrated_database_is_named_in_one_line_or_migrated(
    empty_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run = _cli_on(empty_url, monkeypatch)
    first = _first(tmp_path)
    sqlite_file = tmp_path / "fresh" / "warroom.db"
    for args in (("config", "plan", str(first)), ("config", "apply", str(first), "--dry-run")):
        refused = run(*args)
        assert refused.exit_code == 1
        (line,) = refused.output.strip().splitlines()
        assert "run `warroom db upgrade` first" in line and line.endswith("nothing was written")
        assert "Traceback" not in refused.output
        assert not sqlite_file.exists()
    applied = run("config", "apply", str(first))
    assert applied.exit_code == 0, applied.output
    assert "migrated the database to the current schema first" in applied.output
    assert "applied revision 1:" in applied.output
    assert run("config", "plan", str(first)).output.startswith("plan: 0 to create")


def test_a_failed_first_apply_leaves_no_database_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path}/warroom.db"
    broken = _pack(tmp_path, "broken", org=OTHER.replace("{role}", "chief"))
    assert _cli_on(url, monkeypatch)("config", "apply", str(broken)).exit_code == 1
    assert not (tmp_path / "warroom.db").exists()

    def explode(*_: Any, **__: Any) -> None:
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(service, "_apply_to_url", explode)
    with pytest.raises(RuntimeError):
        service.apply_directory(url, _first(tmp_path), "test", upgrade=upgrade)
    assert list(tmp_path.glob("warroom.db*")) == []


@pytest.mark.parametrize(
    ("written", "got"),
    [("no", "'no'"), ("off", "'off'"), ("yes", "'yes'"), ("'false'", "'false'"), ("0", "0")],
)
def test_booleans_are_only_true_or_false(written: str, got: str, tmp_path: Path) -> None:
    severities = LADDER.replace("{required: true", "{required: " + written)
    services = f"services:\n  - key: api\n    name: API\n    auto_resolve: {written}\n"
    pack = _pack(tmp_path, "bools", severities=severities, services=services)
    assert service.check_directory(pack) == [
        f"{pack}/services.yaml:4: services[api].auto_resolve: expected true or false, got {got}",
        f"{pack}/severities.yaml:5: severities[SEV1].postmortem.required: "
        f"expected true or false, got {got}",
    ]


def test_true_and_false_are_booleans(tmp_path: Path) -> None:
    pack = _pack(
        tmp_path,
        "bools",
        severities=LADDER,
        services="services:\n  - key: api\n    name: API\n    auto_resolve: true\n",
    )
    doc, problems = service.load_directory(pack)
    assert not problems, problems.lines()
    assert doc.raw()["services"][0]["auto_resolve"] is True
    assert doc.raw()["severities"][0]["postmortem"]["required"] is True


def test_serve_logs_the_revision_it_applied(
    db: Database,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from warroom.cli.config import apply_on_start

    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)
    first = _first(tmp_path)
    apply_on_start(first)
    with db.session() as session:
        revision = service.current_revision(session)
        assert revision is not None
        number, digest = revision.id, revision.digest
    assert capsys.readouterr().err.splitlines() == [
        f"config: applied revision {number} (digest {digest[:12]}) from {first}: "
        "7 to create, 0 to update, 0 to delete"
    ]
    apply_on_start(first)
    assert capsys.readouterr().err.splitlines() == [
        f"config: unchanged, running revision {number} (digest {digest[:12]}) from {first}: "
        "0 to create, 0 to update, 0 to delete"
    ]
