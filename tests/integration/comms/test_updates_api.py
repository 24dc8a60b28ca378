"""Status updates and the brief through the API and the CLI; templates checked by config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.comms.org import apply, org
from warroom.clock import FakeClock
from warroom.comms import service as comms
from warroom.comms.templates import TemplateProblem, render_text
from warroom.config import service as config_service
from warroom.db import Database
from warroom.incidents import service as incidents

HOOK = "127.0.0.1:9"


def open_incident(db: Database, clock: FakeClock) -> int:
    with db.session() as session:
        return incidents.open_incident(
            session, clock, actor="t", title="Checkout down", severity="P0", services=["api"]
        ).number


def test_post_update_stores_public_text_and_reports_cadence(
    db: Database, clock: FakeClock, client: TestClient, responder_headers: dict[str, str]
) -> None:
    apply(db, clock, org(HOOK))
    number = open_incident(db, clock)
    body = {"state": "identified", "internal": "Bad deploy", "public": "We found the cause."}
    answer = client.post(
        f"/api/v1/incidents/{number}/updates",
        json={**body, "next_update": "20m"},
        headers=responder_headers,
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["public_text"] == "We found the cause."
    assert answer.json()["on_time"] is True
    listed = client.get(f"/api/v1/incidents/{number}/updates", headers=responder_headers).json()
    assert listed["on_time"] is True
    assert {c["audience"]: c["updates"] for c in listed["cadence"]} == {
        "internal": 1,
        "external": 1,
    }
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        latest = comms.latest_public_update(session, incident.id)
        assert latest is not None and latest.public_text == "We found the cause."
        assert [u.public_text for u in comms.public_updates(session, incident.id)] == [
            "We found the cause."
        ]


def test_bad_input_names_the_field_and_writes_nothing(
    db: Database, clock: FakeClock, client: TestClient, responder_headers: dict[str, str]
) -> None:
    apply(db, clock, org(HOOK))
    number = open_incident(db, clock)
    url = f"/api/v1/incidents/{number}/updates"
    bad: list[tuple[dict[str, Any], str]] = [
        ({"state": "fixed", "internal": "x"}, "state"),
        ({"state": "identified", "internal": ""}, "internal"),
        ({"state": "identified", "internal": "x", "next_update": "soon"}, "next_update"),
    ]
    for body, field in bad:
        answer = client.post(url, json=body, headers=responder_headers)
        assert answer.status_code == 422, answer.text
        assert field in answer.text
    listed = client.get(url, headers=responder_headers).json()
    assert listed["updates"] == []


def test_viewer_cannot_post(
    db: Database, clock: FakeClock, client: TestClient, viewer_headers: dict[str, str]
) -> None:
    apply(db, clock, org(HOOK))
    number = open_incident(db, clock)
    body = {"state": "identified", "internal": "x"}
    answer = client.post(f"/api/v1/incidents/{number}/updates", json=body, headers=viewer_headers)
    assert answer.status_code == 403


def test_cli_update_and_brief(db: Database, clock: FakeClock, cli: Any) -> None:
    apply(db, clock, org(HOOK))
    number = open_incident(db, clock)
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.assign_role(
            session,
            clock,
            incident,
            role="incident_commander",
            user_email="ic@corp.test",
            actor="t",
        )
        incidents.add_hypothesis(session, clock, incident, text="Bad deploy", actor="t")
        incidents.add_task(session, clock, incident, text="Roll back", actor="t")
    result = cli(
        "update",
        str(number),
        "--state",
        "identified",
        "--internal",
        "Rolling back v42",
        "--public",
        "A fix is on its way.",
        "--next-update",
        "30m",
    )
    assert result.exit_code == 0, result.output
    assert "internal and public update posted (identified)" in result.output
    brief = cli("brief", str(number))
    assert brief.exit_code == 0, brief.output
    text = brief.output
    for heading in (
        "## Summary",
        "## Impact",
        "## Roles",
        "## Hypotheses",
        "## Actions and mitigations",
        "## Next steps",
        "## Last updates",
        "## Key timeline",
    ):
        assert heading in text
    assert f"# INC-{number}: Checkout down" in text
    assert "incident commander: ic@corp.test" in text
    assert "[investigating] Bad deploy" in text
    assert "- Roll back" in text
    assert "[identified] Rolling back v42" in text
    assert "comms:update:internal" in text


def test_sandbox_refuses_escapes() -> None:
    for source in (
        "{{ ''.__class__.__mro__ }}",
        "{{ text.__class__.__base__.__subclasses__() }}",
        "{{ cycler.__init__.__globals__ }}",
    ):
        try:
            render_text("status_update", source, {"text": "x"})
        except TemplateProblem as exc:
            assert "unsafe" in exc.message or "undefined" in exc.message
        else:
            raise AssertionError(f"{source} rendered")


def test_config_check_reports_a_broken_template_with_file_and_line(tmp_path: Path) -> None:
    config = org(HOOK) + "templates:\n  status_update: |\n    {{ ref }} is fine\n    {{ nope }}\n"
    (tmp_path / "org.yaml").write_text(config)
    lines = config_service.check_directory(tmp_path)
    line_no = config.splitlines().index("    {{ nope }}") + 1
    assert any(
        f"org.yaml:{line_no}:" in line and "templates.status_update" in line and "nope" in line
        for line in lines
    ), lines
    escape = org(HOOK) + "templates:\n  page: \"{{ ''.__class__.__mro__ }}\"\n"
    (tmp_path / "org.yaml").write_text(escape)
    assert any("unsafe" in line for line in config_service.check_directory(tmp_path))
    (tmp_path / "org.yaml").write_text(org(HOOK))
    assert config_service.check_directory(tmp_path) == []
