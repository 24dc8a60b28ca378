"""An apply that deactivates what a running escalation names says so, and so does paging.

An incident's escalation runs on the copy of its policy (and severity ladder) taken when it
opened. Renaming a schedule (delete + create) while it escalates leaves that copy naming the
old, now inactive schedule: its later levels page nobody. Before, neither the plan nor the
timeline said why. Now the plan (Python, JSON, the API's dry run) warns per open incident on
the deactivated object's entry, and the level that names it records
`paging:target:deactivated` (then `paging:page:nobody`, as before, when nobody else is left).
"""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.integration.paging.test_escalation_timelines import act
from tests.integration.paging.world import ORG, apply, minutes, sender, who, worker
from warroom.audit import service as timeline
from warroom.audit.sentences import describe
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.notify.senders import FakeSender
from warroom.settings import Settings

__all__ = ["sender"]

REPEAT = ORG.replace("  - key: atlas\n    levels:", "  - key: atlas\n    repeat: 1\n    levels:")
RENAMED = REPEAT.replace("atlas-primary", "atlas-oncall")
WARNING = (
    "INC-1's escalation names schedule:atlas-primary, which this change deactivates: "
    "its next levels would page nobody through it"
)
KEPT_COPY = (
    "INC-1 escalates on its copy of this policy, taken when it opened: this change does not "
    "reach it (its next levels page as before)"
)


def test_renamed_schedule_under_a_running_escalation(
    db: Database,
    clock: FakeClock,
    settings: Settings,
    sender: FakeSender,
    client: TestClient,
    admin_headers: dict[str, str],
) -> None:
    assert RENAMED != REPEAT
    apply(db, clock, REPEAT)
    start = clock.now()
    run = worker(db, clock, settings)
    state: dict[str, Any] = {}
    act(db, clock, "open P2", state)
    run.run_once()
    assert who([m.url for m in sender.sent]) == ["oncall1-push"]

    clock.set(start + minutes("1m"))
    body = {"files": {"org.yaml": RENAMED}, "dry_run": True}
    answer = client.post("/api/v1/config/apply", json=body, headers=admin_headers)
    assert answer.status_code == 200, answer.text
    [deleted] = [e for e in answer.json()["plan"] if e["action"] == "delete"]
    assert (deleted["kind"], deleted["identity"]) == ("schedule", "atlas-primary")
    assert deleted["warnings"] == [WARNING]

    doc, problems = config_service.load_files({"org.yaml": RENAMED})
    assert not problems, problems.lines()
    with db.session() as session:
        result = config_service.apply_document(session, clock, doc, actor="test")
    # The rename also edits the policy's levels: that edit does not reach INC-1's copy either.
    assert result.plan.warnings() == [WARNING, KEPT_COPY]
    head = "- delete schedule atlas-primary (kept for history, deactivated)"
    assert f"{head}; warning: {WARNING}" in result.plan.lines()
    assert f"    warning: {WARNING}" in result.plan.detail()

    run.run_once()
    got = {}
    for at in ("2m", "5m", "15m"):  # 15m: round 2, level 1, which names schedule:atlas-primary
        seen = len(sender.sent)
        clock.set(start + minutes(at))
        run.run_once()
        got[at] = who([m.url for m in sender.sent[seen:]])
    assert got == {"2m": ["oncall1-mail"], "5m": ["lead-push"], "15m": []}
    with db.session() as session:
        incident = incidents.get_incident(session, state["number"])
        kinds = ["paging:target:deactivated", "paging:page:nobody"]
        events = timeline.events_since(session, incident_id=incident.id, kinds=kinds)
        said = [(e.kind, describe(e.kind, e.payload)) for e in events]
    assert said == [
        (
            "paging:target:deactivated",
            "escalation level 1 names schedule:atlas-primary, deactivated by a config change "
            "since the incident's policy was copied: nobody is paged through it",
        ),
        ("paging:page:nobody", "nobody to page for schedule:atlas-primary"),
    ]


WITHOUT_CTO = ORG.replace(
    '  - email: cto@atlas.test\n    name: CTO\n    contact_methods: [{name: push, url: "json://127.0.0.1:9/cto-push"}]\n',
    "",
).replace("notify: [user:cto@atlas.test]", "notify: [user:lead@atlas.test]")


def test_removed_person_on_a_running_ladder(
    db: Database, clock: FakeClock, settings: Settings, sender: FakeSender
) -> None:
    assert "cto" not in WITHOUT_CTO
    apply(db, clock, ORG)
    state: dict[str, Any] = {}
    act(db, clock, "open P0", state)
    act(db, clock, "ack", state)  # acknowledged: the policy stops, the unresolved ladder runs on
    worker(db, clock, settings).run_once()
    clock.advance(minutes=10)
    doc, problems = config_service.load_files({"org.yaml": WITHOUT_CTO})
    assert not problems, problems.lines()
    with db.session() as session:
        result = config_service.apply_document(session, clock, doc, actor="test")
    [entry] = [e for e in result.plan if e.action == "delete"]
    assert (entry.kind, entry.identity) == ("user", "cto@atlas.test")
    assert entry.warnings == [
        "INC-1's unresolved ladder names user:cto@atlas.test, which this change deactivates: "
        "its next rungs would page nobody through it"
    ]
    # The rung at 1h comes due: it pages nobody through the removed person, and says why.
    run = worker(db, clock, settings)
    for _ in range(2):  # 30m (the lead), then 1h (the removed CTO)
        clock.advance(minutes=25)
        run.run_once()
    assert not [m for m in sender.sent if m.url.endswith("/cto-push")]
    with db.session() as session:
        incident = incidents.get_incident(session, state["number"])
        kinds = ["paging:target:deactivated"]
        events = timeline.events_since(session, incident_id=incident.id, kinds=kinds)
        said = [describe(e.kind, e.payload) for e in events]
    assert said == [
        "the unresolved rung at 60 min names user:cto@atlas.test, deactivated by a config "
        "change since the incident's policy was copied: nobody is paged through it"
    ]
