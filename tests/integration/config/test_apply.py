"""Plan and apply on both databases: idempotence, dry runs, deactivation, all-or-nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from tests.unit.config.helpers import write
from warroom.auth import service as auth_service
from warroom.auth.models import User
from warroom.catalog import service as catalog
from warroom.catalog.models import Service, Severity, Team, TeamMember
from warroom.clock import FakeClock
from warroom.config import service
from warroom.config.models import ConfigRevision
from warroom.db import Database

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"
MINE = {"severity", "severity_matrix", "user", "team", "service"}


def _lines(plan: Any) -> list[str]:
    """The plan lines about the catalog (other domains add their own entries)."""
    return [e.line() for e in plan if e.kind in MINE]


def _apply(db: Database, clock: FakeClock, directory: Path, dry_run: bool = False) -> Any:
    doc, problems = service.load_directory(directory)
    assert not problems, list(problems)
    with db.session() as session:
        result = service.apply_document(session, clock, doc, actor="test", dry_run=dry_run)
        if dry_run:
            session.rollback()
    return result


def _counts(db: Database) -> dict[str, int]:
    with db.session() as session:
        return {
            model.__name__: session.scalar(select(func.count()).select_from(model)) or 0
            for model in (Severity, Service, Team, TeamMember, User, ConfigRevision)
        }


def test_apply_then_apply_again_changes_nothing(db: Database, clock: FakeClock) -> None:
    first = _apply(db, clock, EXAMPLES / "atlas")
    assert first.revision_id is not None
    assert [e.action for e in first.plan if e.kind in MINE] == ["create"] * 18
    second = _apply(db, clock, EXAMPLES / "atlas")
    assert not second.plan and second.plan.lines() == []
    assert second.revision_id is None
    assert _counts(db)["ConfigRevision"] == 1


def test_applied_rows_match_the_config(db: Database, clock: FakeClock) -> None:
    _apply(db, clock, EXAMPLES / "atlas")
    with db.session() as session:
        levels = catalog.list_severities(session)
        assert [s.key for s in levels] == ["P0", "P1", "P2", "P3"]
        p0 = catalog.get_severity(session, "P0")
        assert (p0.ack_within_s, p0.respond_within_s, p0.internal_update_every_s) == (
            300,
            900,
            1800,
        )
        assert p0.postmortem_required and p0.postmortem_due_s == 48 * 3600
        assert p0.unresolved_escalation == [
            {"after_s": 1800, "targets": ["user:tech-lead@atlas.example"]},
            {"after_s": 3600, "targets": ["user:cto@atlas.example"]},
        ]
        sre = catalog.get_team(session, "sre")
        lead = auth_service.get_user_by_email(session, "tech-lead@atlas.example")
        assert catalog.team_member_ids(session, "sre", leads_only=True) == [lead.id]
        assert len(sre.members) == 3
        assert catalog.get_service(session, "providers").team is not None
        assert lead.managed and lead.role == "admin" and lead.time_zone == "America/New_York"
        document = service.current_document(session)
        assert document["severity_matrix"]["default"] == "P2"
        assert service.current_section(session, "services")[0]["key"] == "proof-validation"


def test_dry_run_writes_nothing(db: Database, clock: FakeClock) -> None:
    before = _counts(db)
    result = _apply(db, clock, EXAMPLES / "oracle", dry_run=True)
    assert result.dry_run and result.revision_id is None
    assert result.plan.counts()["create"] > 0
    assert _counts(db) == before


def test_changes_update_and_removals_deactivate(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    directory = write(tmp_path / "cfg", {})
    _apply(db, clock, directory)
    changed = write(
        tmp_path / "cfg2",
        {
            "services.yaml": "services:\n  - key: web\n    name: Web\n    team: sre\n",
            "org.yaml": """\
                users:
                  - email: ann@example.com
                    name: Ann Admin
                    role: admin
                teams:
                  - key: sre
                    name: SRE
                    leads: [ann@example.com]
                """,
            "severities.yaml": "severities:\n  - key: SEV1\n    name: High\n"
            "    acknowledge_within: 10m\n",
        },
    )
    result = _apply(db, clock, changed)
    assert _lines(result.plan) == [
        '~ update severity SEV1: acknowledge_within: "15m" -> "10m"',
        "- delete severity SEV2 (deactivated; kept for history)",
        '~ update user ann@example.com: name: "Ann" -> "Ann Admin"',
        "- delete user bob@example.com (deactivated; kept for history)",
        '~ update team sre: members: ["ann@example.com (lead)", "bob@example.com (member)"]'
        ' -> ["ann@example.com (lead)"]',
        "+ create service web",
        "- delete service api (deactivated; kept for history)",
    ]
    with db.session() as session:
        assert [s.key for s in catalog.list_severities(session)] == ["SEV1"]
        assert catalog.get_severity(session, "SEV2").active is False
        assert catalog.get_service(session, "api").active is False
        assert auth_service.get_user_by_email(session, "bob@example.com").active is False
    # Putting it back reactivates the same rows.
    again = _apply(db, clock, directory)
    assert "~ update service api: active: false -> true" in again.plan.lines()
    assert _counts(db)["Service"] == 2


def test_unmanaged_users_are_never_touched(db: Database, clock: FakeClock, tmp_path: Path) -> None:
    with db.session() as session:
        auth_service.ensure_user(session, clock, email="root@example.com", name="R", role="admin")
    _apply(db, clock, write(tmp_path / "cfg", {}))
    with db.session() as session:
        root = auth_service.get_user_by_email(session, "root@example.com")
        assert root.active and not root.managed and root.role == "admin"


def test_invalid_config_applies_nothing(db: Database, clock: FakeClock, tmp_path: Path) -> None:
    _apply(db, clock, EXAMPLES / "atlas")
    before = _counts(db)
    bad = write(
        tmp_path / "bad",
        {"services.yaml": "services:\n  - key: x\n  - key: y\n    name: Y\n    team: nope\n"},
    )
    result = service.apply_directory(db.url, bad, "test", clock=clock)
    assert result.problems == [
        f"{bad}/services.yaml:2: services[x].name: required field is missing",
        f"{bad}/services.yaml:5: services[y].team: unknown team 'nope' (known: sre)",
    ]
    assert result.revision_id is None and not result.plan
    assert _counts(db) == before
    assert service.apply_directory_to_url(db.url, bad, "test") == result.problems


def test_apply_directory_to_url_applies_and_stores_one_revision(
    db: Database, tmp_path: Path
) -> None:
    assert service.apply_directory_to_url(db.url, EXAMPLES / "exchange", "serve") == []
    assert service.apply_directory_to_url(db.url, EXAMPLES / "exchange", "serve") == []
    with db.session() as session:
        revision = service.current_revision(session)
        assert revision is not None and revision.applied_by == "serve"
        assert revision.document["severities"][0]["key"] == "P0"
    assert _counts(db)["ConfigRevision"] == 1


def test_current_document_follows_new_revisions(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    with db.session() as session:
        assert service.current_document(session) == {}
    _apply(db, clock, EXAMPLES / "oracle")
    with db.session() as session:
        first = service.current_document(session)
        assert service.current_document(session) is first  # cached by revision
    _apply(db, clock, EXAMPLES / "exchange")
    with db.session() as session:
        assert service.current_document(session)["severities"][0]["key"] == "P0"


def test_sections_without_tables_are_planned_against_the_last_revision(
    db: Database, clock: FakeClock, tmp_path: Path
) -> None:
    matrix = """\
        severity_matrix:
          questions:
            - {key: scope, text: "Scope?", answers: [total, partial]}
          rules:
            - {when: {scope: total}, severity: SEV1}
          default: SEV2
        """
    first = _apply(db, clock, write(tmp_path / "a", {"matrix.yaml": matrix}))
    assert "+ create severity_matrix" in _lines(first.plan)
    changed = _apply(
        db, clock, write(tmp_path / "b", {"matrix.yaml": matrix.replace("SEV2", "SEV1")})
    )
    assert _lines(changed.plan) == ['~ update severity_matrix: default: "SEV2" -> "SEV1"']
    assert changed.revision_id is not None
    removed = _apply(db, clock, write(tmp_path / "c", {}))
    assert _lines(removed.plan) == ["- delete severity_matrix"]
    with db.session() as session:
        assert "severity_matrix" not in service.current_document(session)
