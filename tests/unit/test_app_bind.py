"""One assembled app bound again: each binding serves its own settings, database and clock,
and nothing of an earlier binding's state (the intake gate) carries over."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from warroom.app import assemble, bind
from warroom.auth import service as auth_service
from warroom.clock import FakeClock
from warroom.db import Base, Database
from warroom.settings import Settings


def _database(tmp_path: Path, name: str, email: str) -> tuple[Database, str]:
    db = Database(f"sqlite:///{tmp_path}/{name}.db")
    Base.metadata.create_all(db.engine)
    clock = FakeClock()
    with db.session() as session:
        user = auth_service.ensure_user(session, clock, email=email, name=name, role="admin")
        _, token = auth_service.create_token(session, clock, user, name="t")
    return db, token


def test_a_rebound_app_serves_only_its_new_database(tmp_path: Path) -> None:
    first, first_token = _database(tmp_path, "first", "first@example.com")
    second, second_token = _database(tmp_path, "second", "second@example.com")
    app = assemble()
    try:
        settings = Settings(database_url=first.url, secret_key="k", data_dir=tmp_path)
        with TestClient(bind(app, settings, db=first, clock=FakeClock())) as client:
            me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {first_token}"})
            assert me.status_code == 200 and me.json()["email"] == "first@example.com"
            client.app.state.intake_gate.limit = 0  # type: ignore[attr-defined]

        settings = Settings(database_url=second.url, secret_key="k2", data_dir=tmp_path)
        with TestClient(bind(app, settings, db=second, clock=FakeClock())) as client:
            assert client.app.state.settings is settings  # type: ignore[attr-defined]
            old = client.get("/api/v1/me", headers={"Authorization": f"Bearer {first_token}"})
            assert old.status_code == 401  # the first database's token means nothing here
            me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {second_token}"})
            assert me.status_code == 200 and me.json()["email"] == "second@example.com"
            assert client.app.state.intake_gate.limit > 0  # type: ignore[attr-defined]
            assert client.get("/healthz").json()["database"] == "sqlite"
    finally:
        first.dispose()
        second.dispose()
