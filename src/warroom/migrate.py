"""Schema migrations through Alembic, driven from code (`warroom db upgrade`, `serve`)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from warroom.db import make_engine, normalize_url

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalize_url(url).replace("%", "%%"))
    return cfg


# Processes that migrate one PostgreSQL database at once (two `serve --config`, two `config
# apply` of a new database) take turns: the second finds the schema at head and does nothing.
_MIGRATE_LOCK = 0x77_61_72_6D_69_67  # "warmig"


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the database at url up to `revision` (on PostgreSQL, one process at a time)."""
    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        if str(path) != ":memory:":
            path.parent.mkdir(parents=True, exist_ok=True)
    cfg = alembic_config(url)
    if not normalize_url(url).startswith("postgresql"):
        command.upgrade(cfg, revision)
        return
    from sqlalchemy import text

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            # A session lock, held across the migration's own transaction(s) on this connection.
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _MIGRATE_LOCK})
            conn.commit()
            try:
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, revision)
                conn.commit()
            finally:
                conn.rollback()
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _MIGRATE_LOCK})
                conn.commit()
    finally:
        engine.dispose()


def revision(url: str, message: str) -> None:
    """Autogenerate a migration from the difference between models and the database."""
    command.revision(alembic_config(url), message=message, autogenerate=True)


def pending_model_changes(url: str) -> list[Any]:
    """Differences between the models and a database migrated to head (empty when in step)."""
    from warroom.models import metadata

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(ctx, metadata))
    finally:
        engine.dispose()
