"""Config and catalog routes: apply over HTTP (admin), read the revision and catalog (viewer)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from fastapi.testclient import TestClient

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _files(pack: str) -> dict[str, str]:
    """The pack as a client would upload it: `${VAR:-default}` and `X_file: path` resolved on the
    client's side (the API refuses references, which would read the server's files and
    environment); a file's content goes inline as a JSON string, which is valid YAML."""
    root = EXAMPLES / pack

    def inline(match: re.Match[str]) -> str:
        # Inline text is read for `${VAR}` references; `$${` keeps a literal `${` (shell
        # variables in a runbook's commands).
        content = (root / match.group(3)).read_text().replace("${", "$${")
        return f"{match.group(1)}{match.group(2)}: {json.dumps(content)}"

    out = {}
    for path in sorted(root.glob("*.yaml")):
        text = re.sub(r"\$\{[A-Za-z_][A-Za-z0-9_]*:-([^}]*)\}", r"\1", path.read_text())
        out[path.name] = re.sub(r"(?m)^(\s*)(\w+)_file: (\S+)$", inline, text)
    return out


def _apply(client: TestClient, headers: dict[str, str], pack: str = "atlas") -> dict:  # type: ignore[type-arg]
    response = client.post("/api/v1/config/apply", json={"files": _files(pack)}, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def test_apply_needs_admin(
    client: TestClient, responder_headers: dict[str, str], viewer_headers: dict[str, str]
) -> None:
    body = {"files": _files("atlas")}
    assert client.post("/api/v1/config/apply", json=body).status_code == 401
    assert (
        client.post("/api/v1/config/apply", json=body, headers=responder_headers).status_code == 403
    )
    assert client.get("/api/v1/config", headers=viewer_headers).status_code == 200


def test_apply_dry_run_then_apply_then_nothing(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    body = {"files": _files("atlas"), "dry_run": True}
    dry = client.post("/api/v1/config/apply", json=body, headers=admin_headers).json()
    assert dry["dry_run"] is True and dry["revision_id"] is None
    assert {"action": "create", "kind": "service", "identity": "providers"}.items() <= next(
        e for e in dry["plan"] if e["identity"] == "providers"
    ).items()
    assert client.get("/api/v1/services", headers=admin_headers).json() == []
    applied = _apply(client, admin_headers)
    assert applied["revision_id"] is not None
    again = _apply(client, admin_headers)
    assert again["revision_id"] is None and again["plan"] == []
    current = client.get("/api/v1/config", headers=admin_headers).json()
    assert current["revision"]["id"] == applied["revision_id"]
    assert current["revision"]["applied_by"] == "admin@example.com"
    assert current["document"]["severities"][0]["key"] == "P0"


def test_bad_config_is_422_with_every_problem_and_writes_nothing(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    files = {"services.yaml": "services:\n  - key: api\n    name: API\n    team: ghost\n"}
    response = client.post("/api/v1/config/apply", json={"files": files}, headers=admin_headers)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["field"] == "files"
    assert error["problems"] == [
        "services.yaml:4: services[api].team: unknown team 'ghost' (known: none defined)"
    ]
    assert client.get("/api/v1/config", headers=admin_headers).json()["revision"] is None


def test_catalog_reads(
    client: TestClient, admin_headers: dict[str, str], viewer_headers: dict[str, str]
) -> None:
    _apply(client, admin_headers, "atlas")
    severities = client.get("/api/v1/severities", headers=viewer_headers).json()
    assert [s["key"] for s in severities] == ["P0", "P1", "P2", "P3"]
    assert severities[0]["unresolved_escalation"][1] == {
        "after_s": 3600,
        "targets": ["user:cto@atlas.example"],
    }
    services = client.get("/api/v1/services", headers=viewer_headers).json()
    assert {s["key"]: s["team"] for s in services}["providers"] == "sre"
    teams = {t["key"]: t for t in client.get("/api/v1/teams", headers=viewer_headers).json()}
    assert {m["email"]: m["role"] for m in teams["sre"]["members"]} == {
        "db-expert@atlas.example": "member",
        "oncall@atlas.example": "member",
        "tech-lead@atlas.example": "lead",
    }
    assert client.get("/api/v1/teams").status_code == 401


def test_classify_over_the_api(
    client: TestClient, admin_headers: dict[str, str], viewer_headers: dict[str, str]
) -> None:
    assert client.post("/api/v1/classify", json={}, headers=viewer_headers).status_code == 404
    _apply(client, admin_headers, "atlas")
    matrix = client.get("/api/v1/severity-matrix", headers=viewer_headers).json()
    assert [q["key"] for q in matrix["questions"]] == [
        "impact", "user_facing", "data_loss_risk", "functionality_lost"
    ]  # fmt: skip
    answers = {"impact": "single_feature", "user_facing": "yes", "data_loss_risk": "no"}
    result = client.post("/api/v1/classify", json={"answers": answers}, headers=viewer_headers)
    assert result.status_code == 200
    assert (result.json()["severity"], result.json()["rule_name"]) == (
        "P1",
        "Single feature, user-facing",
    )
    bad = client.post("/api/v1/classify", json={"answers": {"impact": "x"}}, headers=viewer_headers)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "answers.impact"
