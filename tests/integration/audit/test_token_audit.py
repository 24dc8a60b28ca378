"""Whoever holds an API token acts as its user, and the timeline names that user. Before, an
admin could mint a token for another admin (`POST /api/v1/tokens` with `user_email`, or the
admin page), act with it, and every event named the other admin; nothing recorded who made
the token. Now every token made or revoked over the API or the admin page is a global audit
event by the caller, naming the token's user (`auth:token:created`, `auth:token:revoked`)."""

from __future__ import annotations

import json
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from warroom.audit.models import GLOBAL_CHAIN, TimelineEvent
from warroom.audit.sentences import describe
from warroom.db import Database

ANN, BOB = "ann@example.com", "bob@example.com"


def _events(db: Database) -> list[tuple[str, str, dict[str, Any]]]:
    with db.session() as session:
        rows = session.scalars(
            select(TimelineEvent)
            .where(TimelineEvent.chain == GLOBAL_CHAIN, TimelineEvent.kind.like("auth:token:%"))
            .order_by(TimelineEvent.seq)
        )
        return [(row.kind, row.actor, dict(row.payload)) for row in rows]


def test_a_token_made_for_someone_else_names_who_made_it(
    client: TestClient, db: Database, make_token: Any
) -> None:
    ann = {"Authorization": f"Bearer {make_token('admin', email=ANN)}"}
    make_token("admin", email=BOB)
    made = client.post("/api/v1/tokens", json={"name": "ci", "user_email": BOB}, headers=ann)
    assert made.status_code == 201, made.text
    bobs = {"Authorization": f"Bearer {made.json()['token']}"}
    child = client.post("/api/v1/tokens", json={"name": "child", "role": "viewer"}, headers=bobs)
    assert child.status_code == 201, child.text
    first, second = made.json()["id"], child.json()["id"]
    assert _events(db) == [
        (
            "auth:token:created",
            ANN,
            {"user": BOB, "token_id": first, "name": "ci", "role": "admin"},
        ),
        (
            "auth:token:created",
            BOB,
            {"user": BOB, "token_id": second, "name": "child", "role": "viewer"},
        ),
    ]
    assert describe(*_events(db)[0][::2]) == f"API token {first} (ci, admin) made for {BOB}"

    revoked = client.delete(f"/api/v1/tokens/{first}", headers=ann)
    assert revoked.status_code == 200, revoked.text
    last = _events(db)[-1]
    assert last == (
        "auth:token:revoked",
        ANN,
        {"user": BOB, "token_id": first, "name": "ci", "revoked": 2},
    )
    assert describe(last[0], last[2]) == (
        f"API token {first} (ci) of {BOB} revoked (2 stopped working now)"
    )


def test_warroom_audit_log_reads_the_global_chain(
    client: TestClient, db: Database, make_token: Any, cli: Any, monkeypatch: Any
) -> None:
    """The events above are read with `warroom audit log` (on the database, as verify)."""
    monkeypatch.setenv("WARROOM_DATABASE_URL", db.url)
    ann = {"Authorization": f"Bearer {make_token('admin', email=ANN)}"}
    make_token("admin", email=BOB)
    made = client.post("/api/v1/tokens", json={"name": "ci", "user_email": BOB}, headers=ann)
    token_id = made.json()["id"]
    client.delete(f"/api/v1/tokens/{token_id}", headers=ann)
    shown = cli("audit", "log", "--kind", "auth:token")
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert len(lines) == 2
    assert lines[0].endswith(f"{ANN}: API token {token_id} (ci, admin) made for {BOB}")
    assert lines[1].endswith(f"{ANN}: API token {token_id} (ci) of {BOB} revoked")
    newest = cli("audit", "log", "--limit", "1", "--json")
    [event] = json.loads(newest.stdout)
    assert (event["kind"], event["actor"]) == ("auth:token:revoked", ANN)
