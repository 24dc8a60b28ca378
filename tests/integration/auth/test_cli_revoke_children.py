"""`warroom token revoke` (local) revokes what the token minted over the API too, as revoking
it over the API or the admin page does. Before, it only set the token's own revoked_at."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from warroom.auth import service as auth_service
from warroom.auth.models import ApiToken
from warroom.cli.main import app as cli_app
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.principal import Principal

runner = CliRunner()


def test_the_cli_revokes_a_token_with_its_children(
    db: Database, clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)
    with db.session() as session:
        user = auth_service.ensure_user(
            session, clock, email="a@example.com", name="A", role="admin"
        )
        parent, _ = auth_service.create_token(session, clock, user, name="leaked")
        me = Principal(user_id=user.id, email=user.email, role="admin", token_id=parent.id)
        child, _ = auth_service.mint_token(session, clock, me, name="c", role=None, user_email=None)
        parent_id, child_id = parent.id, child.id
    result = runner.invoke(cli_app, ["token", "revoke", str(parent_id)])
    assert result.exit_code == 0, result.output
    with db.session() as session:
        revoked = session.scalars(select(ApiToken.revoked_at).order_by(ApiToken.id)).all()
    assert child_id > parent_id and all(at is not None for at in revoked), revoked
