"""Safety around an apply: a database that is not migrated, and changes that lock people out.

- `schema_gap(url)` says in one line why the database at url cannot take config yet (no file,
  no warroom tables, an older schema), without creating anything, or None when it can.
- `new_sqlite_file(url)` removes an SQLite file that an apply created, if the apply fails, so
  a failed first apply never leaves an empty database behind.
- `lockouts(...)` names what an apply would do to the people who run warroom: deactivate the
  user applying it, or the last active admin. `config plan` warns about them; `config apply`
  refuses them unless forced.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy.orm import Session

from warroom.auth import service as auth_service
from warroom.config.plan import Plan

# warroom.migrate imports every model; the config package must not (import cycles).
MIGRATIONS = Path(__file__).resolve().parents[1] / "migrations"
UPGRADE_HINT = "run `warroom db upgrade` first (or `warroom config apply` without --dry-run)"


def sqlite_path(url: str) -> Path | None:
    """The file of an SQLite URL (None for other databases and in-memory ones)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database)


def schema_gap(url: str) -> str | None:
    """Why the database at url is not ready for config (one line), or None when it is."""
    from sqlalchemy import inspect

    from warroom.db import make_engine

    path = sqlite_path(url)
    if path is not None and (not path.exists() or path.stat().st_size == 0):
        return f"the database file {path} does not exist yet; {UPGRADE_HINT}"
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            tables = set(inspect(conn).get_table_names())
            if "config_revisions" not in tables:
                return f"the database has no warroom tables (it is not migrated); {UPGRADE_HINT}"
            if "alembic_version" in tables and not _at_head(conn):
                return f"the database schema is older than this warroom; {UPGRADE_HINT}"
    finally:
        engine.dispose()
    return None


def _at_head(conn: object) -> bool:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    current = set(MigrationContext.configure(conn).get_current_heads())  # type: ignore[arg-type]
    heads = set(ScriptDirectory(str(MIGRATIONS)).get_heads())
    return current == heads


@contextmanager
def new_sqlite_file(url: str) -> Iterator[None]:
    """Remove the SQLite file (and its journals) if it did not exist and the block fails."""
    path = sqlite_path(url)
    existed = path is None or (path.exists() and path.stat().st_size > 0)
    try:
        yield
    except BaseException:
        if not existed and path is not None:
            for suffix in ("", "-wal", "-shm", "-journal"):
                path.with_name(path.name + suffix).unlink(missing_ok=True)
        raise


def active_admins(session: Session) -> set[str]:
    """E-mail addresses of the active admins."""
    return {u.email for u in auth_service.list_users(session) if u.active and u.role == "admin"}


def lockouts(
    session: Session, plan: Plan, admins_before: set[str], applier: str | None
) -> list[str]:
    """What the applied (flushed, uncommitted) changes would do to who can run warroom."""
    found = []
    deactivated = {e.identity for e in plan if e.kind == "user" and e.action == "delete"}
    if applier is not None and applier.lower() in deactivated:
        found.append(f"this would deactivate {applier.lower()}, the user applying it")
    admins_after = active_admins(session)
    if admins_before and not admins_after:
        lost = ", ".join(sorted(admins_before))
        found.append(f"this would leave no active admin (deactivating or demoting {lost})")
    return found
