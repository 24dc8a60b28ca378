"""Config through the API never reads the server; secrets never come back in clear (issue 9)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from warroom.config.service import load_directory
from warroom.db import Database
from warroom.intake.models import Alert

CANARY = "canary-Zq81xW3"
SLACK = f"https://hooks.slack.com/services/T000/B000/{CANARY}slack"
ALICE = f"json://alice:{CANARY}pw@pager.example.com/page"

BASE = """
severities:
  - {key: SEV1, name: Critical}
users:
  - email: alice@example.com
    name: Alice
    contact_methods:
      - {name: phone, url: "ALICE"}
      - {name: chat, url: "SLACK"}
integrations:
  - {key: pd, type: pagerduty, secret: "CANARY-routing-key"}
  - {key: graf, type: grafana, secret: "CANARY-graf-0000", hmac_secret: "CANARY-hmac-0000"}
"""


def _config(alice: str = ALICE) -> str:
    return BASE.replace("ALICE", alice).replace("SLACK", SLACK).replace("CANARY", CANARY)


def _post(client: TestClient, headers: dict[str, str], text: str, dry_run: bool = False):  # type: ignore[no-untyped-def]
    body = {"files": {"org.yaml": text}, "dry_run": dry_run}
    return client.post("/api/v1/config/apply", json=body, headers=headers)


@pytest.mark.parametrize("dry_run", [True, False])
def test_file_references_are_refused_naming_the_field_and_never_echoed(
    client: TestClient, admin_headers: dict[str, str], tmp_path: Path, dry_run: bool
) -> None:
    secret_file = tmp_path / "shadow"
    secret_file.write_text(f"root:{CANARY}:19000:0:99999:7:::\n")
    text = (
        "severities:\n  - {key: SEV1, name: Critical}\n"
        "users:\n  - email: ann@example.com\n    name: Ann\n"
        f"    role_file: {secret_file}\n"
    )
    response = _post(client, admin_headers, text, dry_run)
    assert response.status_code == 422
    assert CANARY not in response.text
    error = response.json()["error"]
    assert error["field"] == "files"
    assert "users[0].role_file" in error["message"]
    assert "not allowed in config sent through the API" in error["message"]
    assert "org.yaml:6:" in error["message"]
    assert client.get("/api/v1/config", headers=admin_headers).json()["revision"] is None


def test_environment_references_are_refused_and_never_echoed(
    client: TestClient, admin_headers: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WARROOM_CANARY_FOR_TEST", CANARY)
    text = "severities:\n  - {key: SEV1, name: '${WARROOM_CANARY_FOR_TEST}'}\n"
    response = _post(client, admin_headers, text, dry_run=True)
    assert response.status_code == 422
    assert CANARY not in response.text
    message = response.json()["error"]["message"]
    assert "${WARROOM_CANARY_FOR_TEST}" in message and "environment variables" in message
    # $${ stays the way to write a literal ${ and is accepted
    literal = "severities:\n  - {key: SEV1, name: 'costs $${HOME}'}\n"
    assert _post(client, admin_headers, literal, dry_run=True).status_code == 200


def test_the_cli_reads_files_but_no_problem_repeats_their_content(tmp_path: Path) -> None:
    (tmp_path / "role").write_text(f"{CANARY}\nsecond line\n")
    (tmp_path / "org.yaml").write_text(
        "severities:\n  - {key: SEV1, name: Critical}\n"
        "users:\n  - email: ann@example.com\n    name: Ann\n    role_file: role\n"
        "  - email: bob@example.com\n    name_file: role\n    role: ${WARROOM_ROLE_CANARY}\n"
    )
    _, problems = load_directory(tmp_path, env={"WARROOM_ROLE_CANARY": f"x-{CANARY}"})
    text = "\n".join(problems.lines())
    assert "users[ann@example.com].role" in text and "users[bob@example.com].role" in text
    assert CANARY not in text
    # a file that is fine is read on the server
    (tmp_path / "role").write_text("viewer\n")
    doc, problems = load_directory(tmp_path, env={"WARROOM_ROLE_CANARY": "admin"})
    assert not problems, problems.lines()
    assert [u["role"] for u in doc.raw()["users"]] == ["viewer", "admin"]


def test_invalid_contact_url_is_reported_without_its_password(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    text = _config(alice=f"nosuchscheme://alice:{CANARY}@host/x")
    response = _post(client, admin_headers, text, dry_run=True)
    assert response.status_code == 422
    assert "contact_methods[0].url" in response.text
    assert CANARY not in response.text


def test_secrets_are_masked_for_every_role_and_in_plans(
    client: TestClient,
    admin_headers: dict[str, str],
    responder_headers: dict[str, str],
    viewer_headers: dict[str, str],
    db: Database,
) -> None:
    first = _post(client, admin_headers, _config())
    assert first.status_code == 200, first.text
    assert CANARY not in first.text
    for headers in (viewer_headers, responder_headers, admin_headers):
        answer = client.get("/api/v1/config", headers=headers)
        assert answer.status_code == 200
        assert CANARY not in answer.text
        document = answer.json()["document"]
        methods = document["users"][0]["contact_methods"]
        assert methods[0]["url"].startswith("json://") and methods[1]["url"].startswith("https://")
        integration = next(i for i in document["integrations"] if i["key"] == "graf")
        assert integration["secret"] == "***" and integration["hmac_secret"] == "***"
    # a changed password shows up as a change in the plan, never as its value
    changed = _post(client, admin_headers, _config(alice=ALICE.replace("pw@", "pw2@")))
    assert changed.status_code == 200
    assert CANARY not in changed.text, changed.text[changed.text.find(CANARY) - 300 :]
    assert changed.json()["revision_id"] is not None
    with db.session() as session:
        from warroom.config.models import ConfigRevision

        stored = [r.document for r in session.scalars(select(ConfigRevision))]
    assert stored and CANARY not in json.dumps(stored)


def test_short_secrets_are_accepted_with_a_weak_secret_warning(
    client: TestClient,
    admin_headers: dict[str, str],
    cli,
    tmp_path: Path,  # type: ignore[no-untyped-def]
) -> None:
    text = (
        "integrations:\n"
        "  - {key: am, type: alertmanager, secret: s3cret}\n"
        "  - {key: og, type: opsgenie, secret: og-key-123}\n"
        "  - {key: long, type: generic, secret: long-enough-secret-0001}\n"
    )
    response = _post(client, admin_headers, text, dry_run=True)
    assert response.status_code == 200, response.text
    warnings = [w for w in response.json()["warnings"] if "weak secret" in w]
    assert len(warnings) == 2, warnings
    assert warnings[0].startswith("org.yaml:2: warning: integrations[am].secret: weak secret")
    assert warnings[1].startswith("org.yaml:3: warning: integrations[og].secret: weak secret")
    assert "s3cret" not in response.text and "og-key-123" not in response.text
    (tmp_path / "intake.yaml").write_text(text)
    checked = cli("config", "check", str(tmp_path))
    assert checked.exit_code == 0, checked.output
    assert f"{tmp_path}/intake.yaml:3: warning: integrations[og].secret: weak secret" in (
        checked.output
    )
    empty = text.replace("s3cret", '""')
    refused = _post(client, admin_headers, empty, dry_run=True)
    assert refused.status_code == 422 and "must not be empty" in refused.text


def test_routing_key_and_credentials_are_not_stored_in_raw_payloads(
    client: TestClient, admin_headers: dict[str, str], db: Database
) -> None:
    assert _post(client, admin_headers, _config()).status_code == 200
    event = {
        "routing_key": f"{CANARY}-routing-key",
        "event_action": "trigger",
        "dedup_key": "disk-1",
        "payload": {
            "summary": "Disk full",
            "source": "db-1",
            "severity": "critical",
            "custom_details": {"api_token": CANARY, "note": "kept"},
        },
        "links": [{"href": f"https://grafana.example.com/d/1?auth_token={CANARY}", "text": "d"}],
    }
    response = client.post("/v2/enqueue", json=event)
    assert response.status_code == 202, response.text
    with db.session() as session:
        raws = [a.raw for a in session.scalars(select(Alert))]
    assert len(raws) == 1
    assert "routing_key" not in raws[0]
    assert raws[0]["payload"]["custom_details"] == {"note": "kept"}
    assert CANARY not in json.dumps(raws)
    listed = client.get("/api/v1/alerts", headers=admin_headers)
    assert listed.status_code == 200 and f"{CANARY}-routing-key" not in listed.text
