"""Runbooks on incidents: attach on open, checklists on the timeline, version pinning, config."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.runbooks.conftest import AM_SECRET, apply_dir, write_config
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.settings import Settings

Headers = dict[str, str]


def _fire(client: TestClient, labels: dict[str, str], url: str | None = None) -> None:
    annotations = {"summary": labels["alertname"]}
    if url:
        annotations["runbook_url"] = url
    body = {
        "receiver": "warroom",
        "status": "firing",
        "alerts": [
            {
                "status": "firing",
                "labels": labels,
                "annotations": annotations,
                "startsAt": "2026-11-22T09:14:05Z",
                "endsAt": "0001-01-01T00:00:00Z",
            }
        ],
        "groupLabels": {},
        "commonLabels": labels,
        "commonAnnotations": {},
        "externalURL": "http://am.example.internal",
        "version": "4",
        "groupKey": "{}",
        "truncatedAlerts": 0,
    }
    r = client.post(
        "/api/v1/intake/alertmanager", json=body, headers={"Authorization": f"Bearer {AM_SECRET}"}
    )
    assert r.status_code == 202, r.text


def _runbooks(client: TestClient, headers: Headers, number: int) -> dict[str, Any]:
    r = client.get(f"/api/v1/incidents/{number}/runbooks", headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


def _timeline(client: TestClient, headers: Headers, number: int) -> list[dict[str, Any]]:
    r = client.get(f"/api/v1/incidents/{number}/timeline", headers=headers)
    assert r.status_code == 200, r.text
    return [e for e in r.json()["items"] if e["kind"].startswith("runbook:")]


def _open(client: TestClient, headers: Headers, severity: str, services: list[str]) -> int:
    r = client.post(
        "/api/v1/incidents",
        json={"title": "By hand", "severity": severity, "services": services},
        headers=headers,
    )
    assert r.status_code in (200, 201), r.text
    return int(r.json()["number"])


def test_an_alert_opening_an_incident_attaches_route_and_matching_runbooks(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    configured: Path,
    client: TestClient,
    viewer_headers: Headers,
) -> None:
    _fire(client, {"alertname": "CheckoutErrors", "service": "checkout"}, "https://wiki/run")
    assert _runbooks(client, viewer_headers, 1)["runs"] == []  # attaching is the engine's job
    worker = Worker(db, clock, settings, "test")
    assert worker.run_once() >= 1
    got = _runbooks(client, viewer_headers, 1)
    assert [(r["runbook"], r["reason"]) for r in got["runs"]] == [("checkout-errors", "route")]
    assert got["runs"][0]["progress"]["line"] == "0/2 done"
    assert [link["url"] for link in got["links"]] == ["https://wiki/run"]
    # an alert matching the front matter (alertname + severity SEV2 from the default route)
    _fire(client, {"alertname": "SlowApi", "service": "orders-db"})
    worker.run_once()
    got = _runbooks(client, viewer_headers, 2)
    reasons = sorted((r["runbook"], r["reason"]) for r in got["runs"])
    assert reasons == [("db-failover", "service"), ("slow-api", "match")]
    # the same alertname at another severity does not match slow-api's front matter
    kinds = [e["kind"] for e in _timeline(client, viewer_headers, 2)]
    assert kinds.count("runbook:runbook:attached") == 2
    worker.run_once()  # running again attaches nothing twice
    assert len(_runbooks(client, viewer_headers, 2)["runs"]) == 2


def test_a_failing_attach_is_a_failing_job_never_a_rejected_alert(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    configured: Path,
    client: TestClient,
    admin_headers: Headers,
    monkeypatch: Any,
) -> None:
    from warroom.runbooks import reactions

    def boom(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("runbook store down")

    monkeypatch.setattr(reactions, "run_attach", boom)
    _fire(client, {"alertname": "CheckoutErrors", "service": "checkout"})
    Worker(db, clock, settings, "test").run_once()
    assert client.get("/api/v1/incidents/1", headers=admin_headers).status_code == 200
    jobs = client.get("/api/v1/engine/jobs", params={"kind": "runbooks."}, headers=admin_headers)
    failing = [j for j in jobs.json() if "runbook store down" in str(j)]
    assert failing and all(j["kind"] == "runbooks.attach" for j in failing)
    monkeypatch.undo()
    clock.advance(hours=1)
    Worker(db, clock, settings, "test").run_once()
    runs = _runbooks(client, admin_headers, 1)["runs"]
    assert [r["runbook"] for r in runs] == ["checkout-errors"]


def test_checklist_transitions_are_on_the_timeline_with_who_and_why(
    db: Database,
    clock: FakeClock,
    configured: Path,
    client: TestClient,
    responder_headers: Headers,
    viewer_headers: Headers,
) -> None:
    number = _open(client, responder_headers, "SEV1", ["orders-db"])
    r = client.post(
        f"/api/v1/incidents/{number}/runbooks", json={"key": "unused"}, headers=responder_headers
    )
    assert r.status_code == 201, r.text
    again = client.post(
        f"/api/v1/incidents/{number}/runbooks", json={"key": "unused"}, headers=responder_headers
    )
    assert again.status_code == 409 and again.json()["error"]["field"] == "key"
    base = f"/api/v1/incidents/{number}/runbooks/unused/steps"
    clock.advance(minutes=1)
    r = client.put(f"{base}/1", json={"state": "done"}, headers=responder_headers)
    assert r.status_code == 200, r.text
    step = r.json()["steps"][0]
    assert step["state"] == "done" and step["changed_by"] == "resp@example.com"
    assert r.json()["progress"]["line"] == "1/1 done"
    # skipping needs a reason, and a refused change writes nothing
    before = _timeline(client, viewer_headers, number)
    r = client.put(f"{base}/1", json={"state": "skipped"}, headers=responder_headers)
    assert r.status_code == 422 and r.json()["error"]["field"] == "reason"
    r = client.put(f"{base}/9", json={"state": "done"}, headers=responder_headers)
    assert r.status_code == 404 and r.json()["error"]["field"] == "step"
    r = client.put(f"{base}/1", json={"state": "done"}, headers=viewer_headers)
    assert r.status_code == 403
    assert _timeline(client, viewer_headers, number) == before
    r = client.put(
        f"{base}/1", json={"state": "skipped", "reason": "done by hand"}, headers=responder_headers
    )
    assert r.json()["steps"][0]["reason"] == "done by hand"
    assert r.json()["progress"]["line"] == "0/1 done (1 skipped)"
    client.put(f"{base}/1", json={"state": "blocked"}, headers=responder_headers)
    client.put(f"{base}/1", json={"state": "todo"}, headers=responder_headers)
    r = client.post(f"{base}/1/notes", json={"text": "lag is 4s"}, headers=responder_headers)
    assert r.json()["steps"][0]["notes"][0]["text"] == "lag is 4s"
    # Written as every other time of the API is (changed_at too): UTC with Z.
    at = r.json()["steps"][0]["notes"][0]["at"]
    assert at.endswith("Z") and r.json()["steps"][0]["changed_at"].endswith("Z"), at
    events = _timeline(client, viewer_headers, number)
    assert [e["kind"] for e in events] == [
        "runbook:runbook:attached",
        "runbook:step:done",
        "runbook:step:skipped",
        "runbook:step:blocked",
        "runbook:step:reopened",
        "runbook:step:noted",
    ]
    assert events[2]["payload"]["reason"] == "done by hand"


def test_a_run_keeps_the_version_it_started_with(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    configured: Path,
    client: TestClient,
    responder_headers: Headers,
    viewer_headers: Headers,
) -> None:
    number = _open(client, responder_headers, "SEV1", ["orders-db"])
    Worker(db, clock, settings, "test").run_once()
    run = _runbooks(client, viewer_headers, number)["runs"][0]
    assert run["runbook"] == "db-failover" and run["reason"] == "service"
    old_texts = [s["text"] or s["code"] for s in run["steps"]]
    assert old_texts[2] == "pg_ctl promote\n"
    edited = "# Database failover v2\n\n- Call the DBA\n- Wait\n"
    apply_dir(db, clock, write_config(configured, **{"db-failover": edited}))
    assert client.get("/api/v1/runbooks/db-failover", headers=viewer_headers).json()["steps"] == 2
    run_now = _runbooks(client, viewer_headers, number)["runs"][0]
    assert [s["text"] or s["code"] for s in run_now["steps"]] == old_texts
    assert run_now["version"] == run["version"]
    later = _open(client, responder_headers, "SEV1", ["orders-db"])
    Worker(db, clock, settings, "test").run_once()
    new_run = _runbooks(client, viewer_headers, later)["runs"][0]
    assert [s["text"] for s in new_run["steps"]] == ["Call the DBA", "Wait"]


def test_config_check_names_unknown_runbook_keys_and_broken_markdown(tmp_path: Path) -> None:
    folder = write_config(tmp_path / "config", **{"slow-api": "---\nowner: me\n---\n# X\n"})
    text = (folder / "config.yaml").read_text()
    text = text.replace("runbooks: [checkout-errors]", "runbooks: [checkout-oops]")
    text = text.replace("runbooks: [db-failover]", "runbooks: [db-failvoer]")
    (folder / "config.yaml").write_text(text)
    lines = config_service.check_directory(folder)
    joined = "\n".join(lines)
    assert "routes[checkout].runbooks" in joined and "'checkout-oops'" in joined
    assert "services[orders-db].runbooks" in joined and "'db-failvoer'" in joined
    assert "runbooks[slow-api]" in joined and "unknown front matter field(s): owner" in joined
    assert len(lines) == 3


def test_cli_lists_shows_attaches_and_ticks(
    db: Database, clock: FakeClock, configured: Path, cli: Any, client: TestClient
) -> None:
    result = cli("runbook", "list")
    assert result.exit_code == 0 and "db-failover" in result.output and "slow-api" in result.output
    result = cli("runbook", "show", "db-failover")
    assert "Mitigation  [mitigation]" in result.output and "$ pg_ctl promote" in result.output
    assert cli("incident", "open", "--help").exit_code == 0
    number = _open(client, dict(client.headers), "SEV2", ["checkout"])
    assert cli("runbook", "attach", str(number), "checkout-errors").exit_code == 0
    result = cli("step", "done", str(number), "2")
    assert result.exit_code == 0 and "1/2 done" in result.output, result.output
    assert cli("runbook", "attach", str(number), "unused").exit_code == 0
    result = cli("step", "done", str(number), "1")
    assert result.exit_code == 1 and "RUNBOOK:N" in result.output
    result = cli("step", "skip", str(number), "checkout-errors:1", "--reason", "no deploy today")
    assert result.exit_code == 0 and "1/2 done (1 skipped)" in result.output
    assert cli("step", "block", str(number), "unused:1").exit_code == 0
    assert cli("step", "note", str(number), "unused:1", "waiting for DBA").exit_code == 0
    result = cli("incident", "show", str(number))
    assert result.exit_code == 0, result.output
    assert "checkout-errors: 1/2 done (1 skipped)" in result.output
    assert "unused: 0/1 done (1 blocked)" in result.output
