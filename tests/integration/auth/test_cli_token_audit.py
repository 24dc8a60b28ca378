"""`warroom token create` and `revoke` (local, on the database) are on the global audit chain,
as the API's and the admin page's are. Before, a token made locally for an admin (even raising
a responder to admin on the way) left no trace: whoever ran the command could act as that admin
and every event named the admin. The events name the operating system account that ran it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from warroom.audit.models import GLOBAL_CHAIN, TimelineEvent
from warroom.auth import service as auth_service
from warroom.cli import local
from warroom.cli.main import app as cli_app
from warroom.clock import FakeClock
from warroom.db import Database

runner = CliRunner()
ACTOR = "cli (ops@bastion)"


def _events(db: Database) -> list[tuple[str, str, dict[str, Any]]]:
    with db.session() as session:
        rows = session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.chain == GLOBAL_CHAIN, TimelineEvent.kind.like("auth:%"))
            .order_by(TimelineEvent.seq)
        )
        return [(row.kind, row.actor, dict(row.payload)) for row in rows]


def test_a_local_token_made_and_revoked_is_audited(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)
    monkeypatch.setattr(local, "local_actor", lambda: ACTOR)
    with db.session() as session:
        auth_service.ensure_user(
            session, clock, email="bob@example.com", name="Bob", role="responder"
        )
        session.commit()
    made = runner.invoke(
        cli_app, ["token", "create", "--user", "bob@example.com", "--role", "admin"]
    )
    assert made.exit_code == 0, made.output
    with db.session() as session:
        [token] = auth_service.list_tokens(
            session, auth_service.get_user_by_email(session, "bob@example.com").id
        )
        token_id = token.id
    assert _events(db) == [
        (
            "auth:user:role_changed",
            ACTOR,
            {"user": "bob@example.com", "from": "responder", "to": "admin"},
        ),
        (
            "auth:token:created",
            ACTOR,
            {"user": "bob@example.com", "token_id": token_id, "name": "cli", "role": "admin"},
        ),
    ]

    revoked = runner.invoke(cli_app, ["token", "revoke", str(token_id)])
    assert revoked.exit_code == 0, revoked.output
    assert _events(db)[-1] == (
        "auth:token:revoked",
        ACTOR,
        {"user": "bob@example.com", "token_id": token_id, "name": "cli", "revoked": 1},
    )
    again = runner.invoke(cli_app, ["token", "revoke", str(token_id)])
    assert again.exit_code == 0 and "already revoked" in again.output
    assert len(_events(db)) == 3  # nothing stopped working: nothing to record


def test_the_local_actor_names_the_account_and_host() -> None:
    assert local.local_actor().startswith("cli (") and "@" in local.local_actor()
