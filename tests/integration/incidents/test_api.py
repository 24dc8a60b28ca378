"""The incidents API on both databases: create, list, show, lifecycle, roles, work, timeline."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from warroom.clock import FakeClock
from warroom.db import Database

H = dict[str, str]


def _open(client: TestClient, headers: H, **body: Any) -> dict[str, Any]:
    body.setdefault("title", "Publishing halted")
    body.setdefault("severity", "SEV1")
    response = client.post("/api/v1/incidents", json=body, headers=headers)
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


def test_create_returns_number_and_due_times(
    seeded: Database, client: TestClient, responder_headers: H, clock: FakeClock, all_domains: None
) -> None:
    created = _open(client, responder_headers, services=["database"], impact={"scope": "EU"})
    assert created["number"] == 1 and created["ref"] == "INC-1"
    assert created["status"] == "triggered"
    assert created["allowed_actions"] == ["ack", "mitigate", "resolve"]
    assert created["services"] == ["database"]
    assert created["impact"]["scope"] == "EU" and created["impact"]["data_loss"] == "unknown"
    due = created["due"]
    assert due["acknowledge_by"].startswith("2026-01-01T12:15:00")
    assert due["next_internal_update_by"].startswith("2026-01-01T12:30:00")  # comms' cadence
    assert created["created_by"] == "resp@example.com"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"title": "x", "severity": "NOPE"}, "severity"),
        ({"severity": "SEV1"}, "title"),
        ({"title": "x", "severity": "SEV1", "services": ["ghost"]}, "services"),
        ({"title": "x", "severity": "SEV1", "impact": {"data_loss": "maybe"}}, "impact.data_loss"),
    ],
)
def test_create_bad_input_is_422_naming_field(
    seeded: Database, client: TestClient, responder_headers: H, body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/v1/incidents", json=body, headers=responder_headers)
    assert response.status_code == 422
    assert response.json()["error"]["field"] == field
    listing = client.get("/api/v1/incidents", headers=responder_headers).json()
    assert listing["items"] == []


def test_roles_of_callers(
    seeded: Database, client: TestClient, viewer_headers: H, responder_headers: H
) -> None:
    assert client.get("/api/v1/incidents").status_code == 401
    denied = client.post(
        "/api/v1/incidents", json={"title": "t", "severity": "SEV1"}, headers=viewer_headers
    )
    assert denied.status_code == 403
    _open(client, responder_headers)
    assert client.get("/api/v1/incidents/1", headers=viewer_headers).status_code == 200
    assert client.post("/api/v1/incidents/1/ack", headers=viewer_headers).status_code == 403
    assert client.get("/api/v1/incidents/42", headers=viewer_headers).status_code == 404


def test_lifecycle_over_http(seeded: Database, client: TestClient, responder_headers: H) -> None:
    _open(client, responder_headers)
    acked = client.post(
        "/api/v1/incidents/1/ack", json={"note": "on it"}, headers=responder_headers
    )
    assert acked.status_code == 200 and acked.json()["status"] == "acknowledged"
    assert acked.json()["acknowledged_by"] == "resp@example.com"
    refused = client.post("/api/v1/incidents/1/close", headers=responder_headers)
    assert refused.status_code == 409
    error = refused.json()["error"]
    assert error["allowed"] == ["mitigate", "resolve"]
    assert "allowed from acknowledged: mitigate, resolve" in error["message"]
    for action, status in (
        ("mitigate", "mitigated"),
        ("resolve", "resolved"),
        ("reopen", "acknowledged"),
        ("resolve", "resolved"),
        ("close", "closed"),
    ):
        response = client.post(f"/api/v1/incidents/1/{action}", headers=responder_headers)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == status
    kinds = [
        e["kind"]
        for e in client.get("/api/v1/incidents/1/timeline", headers=responder_headers).json()[
            "items"
        ]
    ]
    assert kinds == [
        "incident:incident:opened",
        "incident:status:acknowledged",
        "incident:status:mitigated",
        "incident:status:resolved",
        "incident:status:reopened",
        "incident:status:resolved",
        "incident:status:closed",
    ]


def test_severity_roles_notes_hypotheses_tasks(
    seeded: Database, client: TestClient, responder_headers: H, make_token: MakeToken
) -> None:
    make_token("responder", email="jane@example.com")
    _open(client, responder_headers)
    base = "/api/v1/incidents/1"
    raised = client.post(
        f"{base}/severity", json={"severity": "SEV0", "reason": "keys"}, headers=responder_headers
    )
    assert raised.status_code == 200 and raised.json()["severity"] == "SEV0"
    no_reason = client.post(
        f"{base}/severity", json={"severity": "SEV2"}, headers=responder_headers
    )
    assert no_reason.status_code == 422 and no_reason.json()["error"]["field"] == "reason"
    roles = client.post(
        f"{base}/roles",
        json={"role": "incident_commander", "user_email": "jane@example.com"},
        headers=responder_headers,
    )
    assert roles.status_code == 200
    assert roles.json()[0]["user_email"] == "jane@example.com"
    bad_role = client.post(
        f"{base}/roles", json={"role": "chef", "user_email": "j@x.io"}, headers=responder_headers
    )
    assert bad_role.status_code == 422 and bad_role.json()["error"]["field"] == "role"
    gone = client.delete(
        f"{base}/roles/incident_commander/jane@example.com", headers=responder_headers
    )
    assert gone.status_code == 200 and gone.json() == []
    note = client.post(f"{base}/notes", json={"text": "DB is fine"}, headers=responder_headers)
    assert note.status_code == 201 and note.json()["kind"] == "incident:note:added"
    hyp = client.post(f"{base}/hypotheses", json={"text": "Merkle bug"}, headers=responder_headers)
    assert hyp.status_code == 201 and hyp.json()["status"] == "investigating"
    patched = client.patch(
        f"{base}/hypotheses/{hyp.json()['id']}",
        json={"status": "unlikely"},
        headers=responder_headers,
    )
    assert patched.json()["status"] == "unlikely"
    bad = client.patch(
        f"{base}/hypotheses/{hyp.json()['id']}", json={"status": "maybe"}, headers=responder_headers
    )
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "status"
    task = client.post(
        f"{base}/tasks",
        json={"text": "Check DB", "assignee": "resp@example.com"},
        headers=responder_headers,
    )
    done = client.patch(
        f"{base}/tasks/{task.json()['id']}", json={"done": True}, headers=responder_headers
    )
    assert done.json()["done"] is True and done.json()["done_by"] == "resp@example.com"
    assert len(client.get(f"{base}/tasks", headers=responder_headers).json()) == 1
    assert len(client.get(f"{base}/hypotheses", headers=responder_headers).json()) == 1


def test_list_filters_cursor_and_private(
    seeded: Database,
    client: TestClient,
    responder_headers: H,
    admin_headers: H,
    viewer_headers: H,
) -> None:
    for i in range(5):
        _open(
            client,
            responder_headers,
            severity="SEV1" if i % 2 else "SEV2",
            services=["database"] if i == 0 else [],
        )
    _open(client, admin_headers, private=True, title="secret")
    client.post("/api/v1/incidents/2/ack", headers=responder_headers)
    page = client.get("/api/v1/incidents?limit=2", headers=viewer_headers).json()
    assert [i["number"] for i in page["items"]] == [5, 4]
    page = client.get(
        f"/api/v1/incidents?limit=2&cursor={page['next_cursor']}", headers=viewer_headers
    ).json()
    assert [i["number"] for i in page["items"]] == [3, 2]
    get = client.get
    assert [
        i["number"]
        for i in get("/api/v1/incidents?severity=SEV1", headers=viewer_headers).json()["items"]
    ] == [4, 2]
    assert [
        i["number"]
        for i in get("/api/v1/incidents?status=acknowledged", headers=viewer_headers).json()[
            "items"
        ]
    ] == [2]
    assert [
        i["number"]
        for i in get("/api/v1/incidents?service=database", headers=viewer_headers).json()["items"]
    ] == [1]
    since = get("/api/v1/incidents?since=2030-01-01T00:00:00Z", headers=viewer_headers).json()
    assert since["items"] == []
    admin_view = get("/api/v1/incidents", headers=admin_headers).json()["items"]
    assert admin_view[0]["number"] == 6
    assert get("/api/v1/incidents/6", headers=viewer_headers).status_code == 404
    bad = get("/api/v1/incidents?cursor=garbage!", headers=viewer_headers)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "cursor"
    bad = get("/api/v1/incidents?status=open", headers=viewer_headers)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "status"


def test_a_filter_naming_no_severity_or_service_is_a_422_not_an_empty_list(
    seeded: Database, client: TestClient, responder_headers: H, viewer_headers: H
) -> None:
    # A typo ('sev1', 'databse') must not read as "no incidents".
    _open(client, responder_headers, severity="SEV1", services=["database"])
    for query, field in (("severity=sev1", "severity"), ("service=databse", "service")):
        bad = client.get(f"/api/v1/incidents?{query}", headers=viewer_headers)
        assert bad.status_code == 422, bad.text
        assert bad.json()["error"]["field"] == field
        assert "unknown" in bad.json()["error"]["message"]
    good = client.get("/api/v1/incidents?severity=SEV1&service=database", headers=viewer_headers)
    assert [i["number"] for i in good.json()["items"]] == [1]


def test_timeline_pages_and_star(
    seeded: Database, client: TestClient, responder_headers: H
) -> None:
    _open(client, responder_headers)
    for i in range(4):
        client.post("/api/v1/incidents/1/notes", json={"text": f"n{i}"}, headers=responder_headers)
    first = client.get("/api/v1/incidents/1/timeline?limit=3", headers=responder_headers).json()
    assert [e["seq"] for e in first["items"]] == [1, 2, 3]
    rest = client.get(
        f"/api/v1/incidents/1/timeline?limit=3&cursor={first['next_cursor']}",
        headers=responder_headers,
    ).json()
    assert [e["seq"] for e in rest["items"]] == [4, 5] and rest["next_cursor"] is None
    star = client.post("/api/v1/incidents/1/timeline/3/star", headers=responder_headers)
    assert star.status_code == 200 and star.json()["starred"] is True
    starred = client.get(
        "/api/v1/incidents/1/timeline?starred=true", headers=responder_headers
    ).json()
    assert [e["seq"] for e in starred["items"]] == [3]


def test_audit_verify_endpoint(
    seeded: Database, client: TestClient, responder_headers: H, admin_headers: H
) -> None:
    from sqlalchemy import text

    _open(client, responder_headers)
    client.post("/api/v1/incidents/1/notes", json={"text": "x"}, headers=responder_headers)
    assert client.get("/api/v1/audit/verify", headers=responder_headers).status_code == 403
    ok = client.get("/api/v1/audit/verify?incident=1", headers=admin_headers).json()
    assert ok["ok"] is True and ok["events"] == 2
    with seeded.engine.begin() as conn:
        conn.execute(text("UPDATE timeline_events SET actor = 'mallory' WHERE seq = 2"))
    bad = client.get("/api/v1/audit/verify", headers=admin_headers).json()
    assert bad["ok"] is False and bad["problems"][0]["seq"] == 2


def test_with_every_domain_subscribed_the_chain_verifies(
    seeded: Database,
    client: TestClient,
    responder_headers: H,
    admin_headers: H,
    all_domains: None,
) -> None:
    """Other domains record their reactions on the same chain; it still verifies."""
    _open(client, responder_headers, severity="SEV0")
    for action in ("ack", "mitigate", "resolve", "close"):
        assert (
            client.post(f"/api/v1/incidents/1/{action}", headers=responder_headers).status_code
            == 200
        )
    report = client.get("/api/v1/audit/verify", headers=admin_headers).json()
    assert report["ok"] is True, report


def test_patch_details_and_private_actions(
    seeded: Database, client: TestClient, responder_headers: H, make_token: MakeToken
) -> None:
    created = _open(client, responder_headers, private=True)
    assert created["private"] is True
    patched = client.patch(
        "/api/v1/incidents/1",
        json={
            "title": "Signer keys",
            "impact": {"customer_facing": True, "data_loss": "no"},
            "tags": ["security"],
        },
        headers=responder_headers,
    )
    assert patched.status_code == 200
    assert patched.json()["title"] == "Signer keys" and patched.json()["tags"] == ["security"]
    assert patched.json()["impact"]["customer_facing"] is True
    outsider = {"Authorization": f"Bearer {make_token('responder', email='o@example.com')}"}
    assert client.post("/api/v1/incidents/1/ack", headers=outsider).status_code == 404
    assert client.get("/api/v1/incidents/1/timeline", headers=outsider).status_code == 404
    assert client.get("/api/v1/incidents", headers=outsider).json()["items"] == []
    timeline = client.get(
        "/api/v1/incidents/1/timeline?kind=incident:details", headers=responder_headers
    ).json()["items"]
    assert timeline[0]["payload"]["changed"]["title"] == "Signer keys"


def test_edges_answer_4xx_naming_the_field(
    seeded: Database, client: TestClient, responder_headers: H
) -> None:
    _open(client, responder_headers)
    get, post = client.get, client.post
    assert get("/api/v1/incidents?limit=0", headers=responder_headers).status_code == 422
    bad = get("/api/v1/incidents/1/timeline?limit=501", headers=responder_headers)
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "limit"
    gone = client.delete(
        "/api/v1/incidents/1/roles/scribe/nobody@example.com", headers=responder_headers
    )
    assert gone.status_code == 404 and gone.json()["error"]["field"] == "user_email"
    same = post(
        "/api/v1/incidents/1/severity",
        json={"severity": "SEV1", "reason": "x"},
        headers=responder_headers,
    )
    assert same.status_code == 409
    missing = post("/api/v1/incidents/1/timeline/99/star", headers=responder_headers)
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "seq"
    assert (
        post("/api/v1/incidents/1/notes", json={"text": ""}, headers=responder_headers).status_code
        == 422
    )
    assert (
        client.patch(
            "/api/v1/incidents/1/tasks/7", json={"done": True}, headers=responder_headers
        ).status_code
        == 404
    )
