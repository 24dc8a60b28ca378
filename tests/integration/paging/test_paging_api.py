"""Paging through the HTTP API and the CLI: on-call, overrides, feeds, escalation, page links."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.integration.paging.world import ORG, apply, sender, worker
from warroom.auth.models import User
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.settings import Settings

__all__ = ["sender"]


def oncall(cli: Any, *args: str) -> list[dict[str, Any]]:
    result = cli("oncall", "--json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)  # type: ignore[no-any-return]


def test_oncall_now_and_next(cli: Any, db: Database, clock: FakeClock) -> None:
    apply(db, clock)
    [row] = oncall(cli)
    assert row["schedule"] == "atlas-primary"
    assert row["now"]["user"] == "oncall1@atlas.test"
    assert row["now"]["start"].startswith("2026-01-01T09:00:00")
    assert row["now"]["end"].startswith("2026-01-02T09:00:00")
    assert row["next"]["user"] == "oncall2@atlas.test"
    [later] = oncall(cli, "--schedule", "atlas-primary", "--at", "2026-01-02T10:00:00+00:00")
    assert later["now"]["user"] == "oncall2@atlas.test"
    table = cli("oncall")
    assert table.exit_code == 0 and "On call" in table.output


def test_oncall_unknown_schedule(cli: Any, db: Database, clock: FakeClock) -> None:
    apply(db, clock)
    result = cli("oncall", "--schedule", "nope")
    assert result.exit_code == 1
    assert "no schedule 'nope'" in result.output


def test_override_add_list_remove(cli: Any, db: Database, clock: FakeClock) -> None:
    apply(db, clock)
    added = cli(
        "override", "add", "--schedule", "atlas-primary", "--user", "cto@atlas.test",
        "--replaces", "oncall1@atlas.test", "--start", "2026-01-01T12:00:00+00:00",
        "--end", "2026-01-01T14:00:00+00:00", "--reason", "dentist", "--json",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    override = json.loads(added.output)
    [row] = oncall(cli)
    assert row["now"]["user"] == "cto@atlas.test"
    assert row["now"]["end"].startswith("2026-01-01T14:00:00")
    assert row["next"]["user"] == "oncall1@atlas.test"
    listed = json.loads(cli("override", "list", "-s", "atlas-primary", "--json").output)
    assert [o["id"] for o in listed] == [override["id"]]
    removed = cli("override", "remove", str(override["id"]), "--schedule", "atlas-primary")
    assert removed.exit_code == 0, removed.output
    assert oncall(cli)[0]["now"]["user"] == "oncall1@atlas.test"
    assert json.loads(cli("override", "list", "-s", "atlas-primary", "--json").output) == []


def test_override_bad_input_names_the_field(
    client: TestClient, admin_headers: dict[str, str], db: Database, clock: FakeClock
) -> None:
    apply(db, clock)
    url = "/api/v1/schedules/atlas-primary/overrides"
    base = {
        "user": "cto@atlas.test",
        "start": "2026-01-01T12:00:00Z",
        "end": "2026-01-01T14:00:00Z",
    }
    cases = [
        ({**base, "user": "ghost@atlas.test"}, "user"),
        ({**base, "replaces": "ghost@atlas.test"}, "replaces"),
        ({**base, "end": "2026-01-01T11:00:00Z"}, "end"),
        ({**base, "end": "2026-01-01T12:00:00.500Z"}, "end"),  # half a second: a slip
        ({**base, "start": "2026-01-01T12:00:00"}, "start"),  # no time zone
        ({**base, "end": "not a time"}, "end"),
    ]
    for body, field in cases:
        response = client.post(url, json=body, headers=admin_headers)
        assert response.status_code == 422, (body, response.text)
        assert response.json()["error"]["field"] == field
    # A viewer cannot be put on call: their pages carry no acknowledge or resolve link.
    with db.session() as session:
        session.execute(update(User).where(User.email == "cto@atlas.test").values(role="viewer"))
    response = client.post(url, json=base, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["field"] == "user"
    assert "viewer" in response.json()["error"]["message"]
    # A deactivated person cannot be put on call: their override would never win.
    with db.session() as session:
        session.execute(update(User).where(User.email == "cto@atlas.test").values(role="responder"))
        session.execute(update(User).where(User.email == "cto@atlas.test").values(active=False))
    response = client.post(url, json=base, headers=admin_headers)
    assert response.status_code == 422, response.text
    assert response.json()["error"] == {**response.json()["error"], "field": "user"}
    assert "deactivated" in response.json()["error"]["message"]
    listed = client.get(url, headers=admin_headers, params={"past": True}).json()
    assert listed == []


def test_ical_feeds(
    client: TestClient, admin_headers: dict[str, str], make_token: Any, db: Database,
    clock: FakeClock, settings: Settings,
) -> None:  # fmt: skip
    apply(db, clock)
    feed = client.get("/api/v1/schedules/atlas-primary/feed", headers=admin_headers).json()
    path = feed["url"].removeprefix(settings.public_url)
    assert path.startswith("/ical/schedules/") and path.endswith(".ics")
    response = client.get(path)  # no credential: the secret URL is the credential
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/calendar")
    text = response.text
    assert text.startswith("BEGIN:VCALENDAR\r\n")
    assert "DTSTART:20260101T090000Z\r\nDTEND:20260102T090000Z\r\n" in text
    assert "SUMMARY:On call: oncall1@atlas.test\r\n" in text
    # the rotation starts on 1 January: 90 daily shifts ahead plus the running one
    assert text.count("BEGIN:VEVENT") == 91
    token = make_token("responder", email="oncall2@atlas.test")
    mine = client.get("/api/v1/me/feed", headers={"Authorization": f"Bearer {token}"}).json()
    personal = client.get(mine["url"].removeprefix(settings.public_url)).text
    assert "SUMMARY:On call: Atlas primary" in personal
    assert "DTSTART:20260102T090000Z" in personal and "DTSTART:20260101T090000Z" not in personal
    rotated = client.post("/api/v1/schedules/atlas-primary/feed/rotate", headers=admin_headers)
    assert client.get(path).status_code == 404  # the old secret URL stops working
    assert client.get(rotated.json()["url"].removeprefix(settings.public_url)).status_code == 200
    assert client.get("/ical/schedules/forged.ics").status_code == 404
    assert client.get("/ical/users/forged.ics").status_code == 404


def _open(db: Database, clock: FakeClock, severity: str = "P0") -> int:
    with db.session() as session:
        incident = incidents.open_incident(
            session, clock, actor="am", title="API down", severity=severity, services=["api"]
        )
        return incident.number


CHECKLIST = {
    "summary": "Merkle validation failing, proofs down",
    "actions_taken": "integrity check passed; rollback did not help",
    "why": "30 min threshold reached, root cause unclear",
    "need": "help diagnosing Merkle tree validation",
}


def test_manual_escalation_needs_the_checklist(
    client: TestClient, admin_headers: dict[str, str], db: Database, clock: FakeClock,
    settings: Settings, sender: Any,
) -> None:  # fmt: skip
    apply(db, clock)
    number = _open(db, clock)
    worker(db, clock, settings).run_once()
    sender.sent.clear()
    url = f"/api/v1/incidents/{number}/escalate"
    for missing in ("summary", "actions_taken", "why", "need"):
        body = {"to": ["user:cto@atlas.test"], **CHECKLIST, missing: " "}
        response = client.post(url, json=body, headers=admin_headers)
        assert response.status_code == 422
        assert response.json()["error"]["field"] == missing
    response = client.post(url, json={"to": ["team:nope"], **CHECKLIST}, headers=admin_headers)
    assert (response.status_code, response.json()["error"]["field"]) == (422, "to")
    assert client.get(f"/api/v1/incidents/{number}/pages", headers=admin_headers).json()[1:] == []
    response = client.post(
        url, json={"to": ["user:cto@atlas.test"], **CHECKLIST}, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    assert [p["reason"] for p in response.json()] == ["manual"]
    worker(db, clock, settings).run_once()
    [message] = sender.sent
    assert message.url.endswith("/cto-push")
    assert "Escalating because: 30 min threshold reached" in message.body
    assert "Needed: help diagnosing" in message.body
    assert "Actions taken: integrity check passed" in message.body


def test_escalate_cli(cli: Any, db: Database, clock: FakeClock) -> None:
    apply(db, clock)
    number = _open(db, clock)
    result = cli(
        "escalate", str(number), "--to", "user:lead@atlas.test", "--to", "user:cto@atlas.test",
        "--summary", "s", "--actions", "a", "--why", "w", "--need", "n",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 person(s) paged" in result.output
    prompted = cli("escalate", str(number), "--to", "user:cto@atlas.test", input="s\na\nw\nn\n")
    assert prompted.exit_code == 0, prompted.output


def _link(body: str, label: str) -> str:
    match = re.search(rf"^{label}: (\S+)$", body, re.M)
    assert match, body
    return match.group(1)


def test_page_links_confirm_then_act_once(
    client: TestClient, db: Database, clock: FakeClock, settings: Settings, sender: Any
) -> None:
    apply(db, clock)
    number = _open(db, clock)
    worker(db, clock, settings).run_once()
    [page] = sender.sent
    ack = _link(page.body, "Acknowledge").removeprefix(settings.public_url)
    resolve = _link(page.body, "Resolve").removeprefix(settings.public_url)
    # a link previewer's GET changes nothing
    shown = client.get(ack)
    assert shown.status_code == 200 and '<form method="post">' in shown.text
    with db.session() as session:
        assert incidents.get_incident(session, number).status == "triggered"
    done = client.post(ack)
    assert done.status_code == 200 and "acknowledged" in done.text
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        assert (incident.status, incident.acknowledged_by) == ("acknowledged", "oncall1@atlas.test")
    again = client.post(ack)
    assert again.status_code == 410 and "already been used" in again.text
    assert client.get(ack).status_code == 410
    forged = ack[:-3] + ("xyz" if not ack.endswith("xyz") else "abc")
    assert client.post(forged).status_code == 410
    clock.advance(hours=25)
    expired = client.post(resolve)
    assert expired.status_code == 410 and "expired" in expired.text
    with db.session() as session:
        assert incidents.get_incident(session, number).status == "acknowledged"


def test_handoff_notifies_the_incoming_person(
    db: Database, clock: FakeClock, settings: Settings, sender: Any
) -> None:
    from warroom.audit import service as timeline

    apply(db, clock, ORG.replace("handoff_notify: false", "handoff_notify: true"))
    run = worker(db, clock, settings)
    run.run_once()
    assert sender.sent == []  # nothing is due before the next hand-off
    clock.set(clock.now().replace(day=2, hour=9, minute=0))
    run.run_once()
    [message] = sender.sent
    assert message.url.endswith("/oncall2-push")
    assert message.title == "On call now: Atlas primary"
    clock.advance(timedelta(days=1))
    run.run_once()
    assert [m.url.rsplit("/", 1)[-1] for m in sender.sent] == ["oncall2-push", "oncall1-push"]
    with db.session() as session:
        events, _ = timeline.timeline_page(session, incident_id=None, kind_prefix="paging:oncall")
        assert [(e.payload["from"], e.payload["to"]) for e in events] == [
            (None, "oncall2@atlas.test"),
            ("oncall2@atlas.test", "oncall1@atlas.test"),
        ]


BERLIN_ORG = ORG.replace("time_zone: UTC\n    team", "time_zone: Europe/Berlin\n    team").replace(
    "handoff_notify: false", "handoff_notify: true"
)


def test_handoff_jobs_follow_berlin_wall_clock_across_dst(
    db: Database, clock: FakeClock, settings: Settings, sender: Any
) -> None:
    from datetime import UTC, datetime

    clock.set(datetime(2026, 3, 27, 12, 0, tzinfo=UTC))
    apply(db, clock, BERLIN_ORG)
    run = worker(db, clock, settings)
    fired = []
    # Step an hour at a time through the spring change; hand-offs must land at 09:00 Berlin.
    for _ in range(24 * 4):
        clock.advance(hours=1)
        before = len(sender.sent)
        run.run_once()
        if len(sender.sent) > before:
            fired.append(clock.now())
    assert fired == [
        datetime(2026, 3, 28, 8, 0, tzinfo=UTC),  # 09:00 CET
        datetime(2026, 3, 29, 7, 0, tzinfo=UTC),  # 09:00 CEST, the clocks went forward
        datetime(2026, 3, 30, 7, 0, tzinfo=UTC),
        datetime(2026, 3, 31, 7, 0, tzinfo=UTC),
    ]


def test_nobody_on_call_is_recorded_not_silent(
    db: Database, clock: FakeClock, settings: Settings, sender: Any
) -> None:
    from warroom.audit import service as timeline

    ended = ORG.replace('handoff: "09:00"', 'handoff: "09:00"\n        end: "2026-01-01T10:00"')
    apply(db, clock, ended)
    number = _open(db, clock)
    worker(db, clock, settings).run_once()
    assert sender.sent == []
    with db.session() as session:
        incident = incidents.get_incident(session, number)
        [event] = timeline.events_since(
            session, incident_id=incident.id, kinds=["paging:page:nobody"]
        )
        assert event.payload["targets"] == ["schedule:atlas-primary"]


def test_schedule_cli(cli: Any, db: Database, clock: FakeClock) -> None:
    apply(db, clock)
    listed = json.loads(cli("schedule", "list", "--json").output)
    assert [s["key"] for s in listed] == ["atlas-primary"]
    shifts = cli(
        "schedule", "shifts", "atlas-primary", "--json",
        "--start", "2026-01-01T00:00:00+00:00", "--end", "2026-01-03T00:00:00+00:00",
    )  # fmt: skip
    assert [(s["user"], s["start"][:13]) for s in json.loads(shifts.output)] == [
        (None, "2026-01-01T00"),
        ("oncall1@atlas.test", "2026-01-01T09"),
        ("oncall2@atlas.test", "2026-01-02T09"),
    ]
    feed = cli("schedule", "feed", "atlas-primary")
    assert feed.exit_code == 0 and "/ical/schedules/" in feed.output
    bad = cli("schedule", "shifts", "atlas-primary", "--start", "yesterday-ish")
    assert bad.exit_code == 1


def test_an_override_takes_the_page(
    client: TestClient, admin_headers: dict[str, str], db: Database, clock: FakeClock,
    settings: Settings, sender: Any,
) -> None:  # fmt: skip
    apply(db, clock)
    body = {
        "user": "cto@atlas.test",
        "start": "2026-01-01T11:00:00Z",
        "end": "2026-01-01T13:00:00Z",
    }
    response = client.post(
        "/api/v1/schedules/atlas-primary/overrides", json=body, headers=admin_headers
    )
    assert response.status_code == 201, response.text
    _open(db, clock)
    worker(db, clock, settings).run_once()
    assert [m.url.rsplit("/", 1)[-1] for m in sender.sent] == ["cto-push"]


def test_a_user_without_contact_methods_is_emailed(
    db: Database, clock: FakeClock, settings: Settings, sender: Any,
    monkeypatch: Any, make_token: Any,
) -> None:  # fmt: skip
    settings.smtp_url = "mailto://smtp.test:2525?from=warroom@atlas.test"  # paging uses these
    apply(db, clock)
    make_token("responder", email="newbie@atlas.test")  # a user made outside config
    number = _open(db, clock)
    with db.session() as session:
        from warroom.paging import service as paging

        paging.escalate(
            session, clock, settings, number=number, to=["user:newbie@atlas.test"],
            checklist={k: "x" for k in ("summary", "actions_taken", "why", "need")}, actor="t",
        )  # fmt: skip
    worker(db, clock, settings).run_once()
    urls = [m.url for m in sender.sent]
    assert "mailto://smtp.test:2525?from=warroom@atlas.test&to=newbie@atlas.test" in urls


def test_escalation_state_api(
    client: TestClient, admin_headers: dict[str, str], db: Database, clock: FakeClock,
    settings: Settings, sender: Any,
) -> None:  # fmt: skip
    apply(db, clock)
    number = _open(db, clock)
    worker(db, clock, settings).run_once()
    state = client.get(f"/api/v1/incidents/{number}/escalation", headers=admin_headers).json()
    assert (state["policy_key"], state["state"], state["level"]) == ("atlas", "escalating", 0)
    assert [lv["delay_s"] for lv in state["policy"]["levels"]] == [300, 600]
    assert [r["after_s"] for r in state["ladder"]] == [1800, 3600]
    client.post(f"/api/v1/incidents/{number}/ack", headers=admin_headers)
    state = client.get(f"/api/v1/incidents/{number}/escalation", headers=admin_headers).json()
    assert (state["state"], state["generation"]) == ("acknowledged", 2)
    pages = client.get(f"/api/v1/incidents/{number}/pages", headers=admin_headers).json()
    assert [(p["reason"], p["target"]) for p in pages] == [("escalation", "schedule:atlas-primary")]
    assert client.get("/api/v1/incidents/999/escalation", headers=admin_headers).status_code == 404


def test_times_out_of_the_calendar_are_refused_naming_the_field(
    client: TestClient, make_token: Any, db: Database, clock: FakeClock
) -> None:
    """Who is on call at the end of year 9999, or shifts from year 1, reach past the dates
    Python holds (their next shift, a window around them): a 422 naming the field, not a 500."""
    apply(db, clock)
    viewer = {"Authorization": f"Bearer {make_token('viewer')}"}
    far = client.get("/api/v1/oncall?at=9999-12-31T00:00:00Z", headers=viewer)
    assert far.status_code == 422, far.text
    assert far.json()["error"]["field"] == "at" and "9999" in far.json()["error"]["message"]
    shifts = "/api/v1/schedules/atlas-primary/shifts"
    early = client.get(f"{shifts}?start=0001-01-01T00:00:00Z&end=0001-01-03T00:00:00Z",
                       headers=viewer)  # fmt: skip
    assert early.status_code == 422 and early.json()["error"]["field"] == "start", early.text
    late = client.get(f"{shifts}?start=9999-12-30T00:00:00Z&end=9999-12-31T00:00:00Z",
                      headers=viewer)  # fmt: skip
    assert late.status_code == 422 and late.json()["error"]["field"] == "start", late.text
    assert client.get("/api/v1/oncall?at=2026-01-02T10:00:00Z", headers=viewer).status_code == 200
