"""Config as code: load and check a directory, plan and apply it in one transaction, read it back.

Other domains read their sections at runtime with `current_document(session)[key]` (or
`current_section`), which returns the normalised document of the last applied revision.
"""

from __future__ import annotations

import posixpath
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select, text
from sqlalchemy.orm import Session

from warroom import memo
from warroom.auth import service as auth_service
from warroom.clock import Clock, SystemClock
from warroom.config import guard
from warroom.config.document import ConfigDocument, Plan, Problems
from warroom.config.files import appledouble, config_name, read_directory, unread_config
from warroom.config.loader import SourceFile
from warroom.config.models import ConfigRevision
from warroom.config.registry import Section, sections
from warroom.config.validate import build_document
from warroom.db import take_turns
from warroom.errors import Conflict, Invalid
from warroom.redaction import mask_document


@dataclass
class ApplyResult:
    """What an apply did (or would do, on a dry run)."""

    plan: Plan
    revision_id: int | None = None
    digest: str = ""
    dry_run: bool = False
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # What the apply would do to who can run warroom (see `warroom.config.guard.lockouts`).
    lockouts: list[str] = field(default_factory=list)
    # Set when the apply migrated the database first (one line saying so).
    migrated: str = ""
    # The revision the database runs after this apply (new or unchanged), and its digest.
    running: tuple[int, str] | None = None


def load_directory(
    path: Path | str, env: Mapping[str, str] | None = None
) -> tuple[ConfigDocument, Problems]:
    """Load, validate and cross-check a config directory (or a single file)."""
    files, issues = read_directory(Path(path))
    doc, problems = build_document(str(path), files, env, unread=issues)
    for issue in unread_config(Path(path), set(sections())):
        problems.warn_at(issue.file, issue.line, issue.message)
    return doc, problems


def load_files(
    files: Mapping[str, str],
    source: str = "api",
    env: Mapping[str, str] | None = None,
    *,
    references: bool = False,
) -> tuple[ConfigDocument, Problems]:
    """Load config from in-memory texts {file name: YAML text}, e.g. an API upload.

    Such texts come from elsewhere, so `${VAR}` and `X_file:` are refused unless the caller
    is on the server and says references=True.
    """
    files = {n: t for n, t in files.items() if not appledouble(n)}
    if references:
        sources = [SourceFile(name, text) for name, text in sorted(files.items())]
        return build_document(source, sources, env, references=references)
    # Sent files that are no YAML are what `X_file:` may name (a runbook's Markdown).
    config = {n: t for n, t in files.items() if config_name(n)}
    sent = {posixpath.normpath(n): t for n, t in files.items() if n not in config}
    sources = [SourceFile(n, t, sent=sent) for n, t in sorted(config.items())]
    doc, problems = build_document(source, sources, env, references=references)
    named = {place[0] for place in doc.texts.values() if place[2]}
    for name in sorted(set(sent) - named):
        message = "not a config file (*.yaml, *.yml), and no `X_file:` of the config names it"
        problems.add_at(name, 0, message)
    return doc, problems


def check_directory(path: Path | str) -> list[str]:
    """Problems of a config directory as "file:line: message" lines (empty when valid)."""
    _, problems = load_directory(path)
    return problems.lines()


def apply_document(
    session: Session,
    clock: Clock,
    doc: ConfigDocument,
    *,
    actor: str,
    dry_run: bool = False,
    applier: str | None = None,
    force: bool = False,
) -> ApplyResult:
    """Write a valid document section by section and store a revision if anything changed.

    On a dry run the writes still happen in the session (that is how the plan is computed);
    the caller must roll the session back instead of committing. A change that would
    deactivate `applier` (the e-mail of the user applying it) or the last active admin is
    listed in `lockouts` and refused with Conflict (field "force") unless force=True.
    """
    _lock(session)
    # The admin page's turn for changes of people: its count of the other active admins and
    # this apply's (the lockout guard) never both see the other's admin still there.
    take_turns(session, auth_service.PEOPLE_TURN)
    previous = current_document(session)
    admins_before = guard.active_admins(session)
    plan = Plan()
    for section in sections().values():
        if section.apply is not None:
            section.apply(session, clock, doc, plan)
        else:
            _plan_stored_only(section, previous.get(section.key), doc, plan)
    session.flush()
    result = ApplyResult(plan=plan, digest=doc.digest, dry_run=dry_run)
    result.lockouts = guard.lockouts(session, plan, admins_before, applier)
    if result.lockouts and not dry_run and not force:
        raise Conflict(
            "refused: " + "; ".join(result.lockouts) + " (to do it anyway: `config apply "
            '--force`, or "force": true over the API)',
            field="force",
        )
    latest = _latest(session)
    if dry_run or (not plan and latest is not None and latest[1] == result.digest):
        result.running = latest
        return result
    revision = ConfigRevision(
        digest=result.digest,
        source=doc.source[:500],
        applied_at=clock.now(),
        applied_by=actor,
        # Contact URLs and secrets stay in their own tables; the stored document only says
        # that they are set.
        document=mask_document(doc.raw()),
    )
    session.add(revision)
    session.flush()
    result.revision_id = revision.id
    result.running = (revision.id, revision.digest)
    return result


def apply_directory(
    url: str,
    path: Path | str,
    actor: str,
    *,
    dry_run: bool = False,
    clock: Clock | None = None,
    applier: str | None = None,
    token: str | None = None,
    force: bool = False,
    upgrade: Callable[[str], None] | None = None,
) -> ApplyResult:
    """Check a directory and, when valid, apply it to the database at url in one transaction.

    A database that is not migrated is migrated first with `upgrade` (`warroom.migrate.upgrade`,
    passed in by the entry point); without it, or on a dry run, it is refused with Invalid and
    nothing is created. `applier` is who applies (an e-mail), else the user of
    `token` (the CLI's own token) if this database knows it.
    """
    doc, problems = load_directory(path)
    if problems:
        return ApplyResult(
            plan=Plan(), dry_run=dry_run, problems=problems.lines(), warnings=problems.warnings()
        )
    with guard.new_sqlite_file(url):
        migrated = _migrate_if_needed(url, None if dry_run else upgrade)
        result = _apply_to_url(
            url, doc, actor, dry_run, clock or SystemClock(), applier, token, force
        )
    result.migrated = migrated
    result.warnings = problems.warnings()
    result.plan.hide(problems.hidden)
    return result


def _migrate_if_needed(url: str, upgrade: Callable[[str], None] | None) -> str:
    gap = guard.schema_gap(url)
    if gap is None:
        return ""
    if upgrade is None:
        raise Invalid(gap, field="database")
    upgrade(url)
    return "migrated the database to the current schema first (as `warroom db upgrade` does)"


def _apply_to_url(
    url: str,
    doc: ConfigDocument,
    actor: str,
    dry_run: bool,
    clock: Clock,
    applier: str | None,
    token: str | None,
    force: bool,
) -> ApplyResult:
    from warroom.db import Database

    db = Database(url)
    try:
        session = db.sessions()
        try:
            if applier is None and token:
                principal = auth_service.authenticate(session, clock, token)
                applier = principal.email if principal is not None else None
            result = apply_document(
                session, clock, doc, actor=actor, dry_run=dry_run, applier=applier, force=force
            )
            if dry_run:
                session.rollback()
            else:
                session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()
    finally:
        db.dispose()
    return result


def apply_directory_to_url(url: str, path: Path | str, actor: str) -> list[str]:
    """Apply a config directory to the database at url; problem lines, or [] on success."""
    return apply_directory(url, path, actor).problems


def current_revision(session: Session) -> ConfigRevision | None:
    """The last applied revision, or None before the first apply."""
    return session.scalar(select(ConfigRevision).order_by(ConfigRevision.id.desc()).limit(1))


def applied_at(session: Session) -> datetime | None:
    """When the current configuration was applied, or None before the first apply."""
    query = select(ConfigRevision.applied_at).order_by(ConfigRevision.id.desc()).limit(1)
    return memo.remember(session, "config.applied_at", lambda: session.scalar(query))


_cache_lock = threading.Lock()
_cache: dict[str, tuple[int, str, dict[str, Any]]] = {}


def current_document(session: Session) -> dict[str, Any]:
    """The normalised document of the last applied revision ({} before the first apply).

    Cached per database by revision id, so calling it on every request costs one small query.
    Treat the result as read-only.
    """
    latest = _latest(session)
    if latest is None:
        return {}
    bind = _bind_key(session)
    with _cache_lock:
        hit = _cache.get(bind)
        if hit is not None and hit[0] == latest[0] and hit[1] == latest[1]:
            return hit[2]
    revision = session.get(ConfigRevision, latest[0])
    document = dict(revision.document) if revision is not None else {}
    with _cache_lock:
        _cache[bind] = (latest[0], latest[1], document)
    return document


def _bind_key(session: Session) -> str:
    engine = session.get_bind().engine
    return f"{id(engine)}:{engine.url}"


def forget_database(engine: Engine) -> None:
    """Drop the cached document of a database that goes away (a simulation's throw-away one)."""
    with _cache_lock:
        _cache.pop(f"{id(engine)}:{engine.url}", None)


def current_section(session: Session, key: str) -> Any:
    """One section of the current document: a list of items, an object, or None."""
    return current_document(session).get(key)


# Several instances may start with `serve --config` at once; on PostgreSQL they take turns.
_APPLY_LOCK = 0x77_61_72_72_6F_6F_6D  # "warroom"


def _lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _APPLY_LOCK})


# Built once: current_document runs on every intake request, and building a statement costs
# more than running this one.
_LATEST = (
    select(ConfigRevision.__table__.c.id, ConfigRevision.__table__.c.digest)
    .order_by(ConfigRevision.__table__.c.id.desc())
    .limit(1)
)


def _latest(session: Session) -> tuple[int, str] | None:
    return memo.remember(session, "config.latest", lambda: _read_latest(session))


def _read_latest(session: Session) -> tuple[int, str] | None:
    row = session.connection().execute(_LATEST).first()
    return None if row is None else (row[0], row[1])


def _plan_stored_only(section: Section, before: Any, doc: ConfigDocument, plan: Plan) -> None:
    """Plan a section that has no table of its own by diffing it with the stored document."""
    kind = section.key
    if not section.many:
        present = doc.get(section.key) is not None
        after = mask_document(doc.raw().get(section.key)) if present else None
        if after is None and before is not None:
            plan.delete(kind, "")
        elif after is not None:
            plan.compare(kind, "", before, after)
        return
    ident = section.identity
    old = {str(i.get(ident)): i for i in before or [] if isinstance(i, dict)}
    dumped = (mask_document(m.model_dump(mode="json")) for m in doc.items(section.key))
    new = {str(i[ident]): i for i in dumped}
    for name, item in new.items():
        plan.compare(kind, name, old.get(name), item)
    for name in old.keys() - new.keys():
        plan.delete(kind, name)
