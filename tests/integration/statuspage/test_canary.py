"""Nothing internal reaches a public surface: a canary planted in every internal field of a
published incident is looked for in every public route, the feed and every subscriber message
(real local SMTP server and webhook receiver)."""

from __future__ import annotations

import re
from datetime import timedelta

from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.notify.receivers import HttpReceiver, Mailbox
from tests.integration.statuspage.conftest import drain, mail_text
from tests.integration.statuspage.page import CONFIG, apply
from warroom.audit import service as timeline
from warroom.auth import service as auth_service
from warroom.clock import FakeClock
from warroom.comms import service as comms
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.evidence import service as evidence
from warroom.incidents import service as incidents
from warroom.settings import Settings
from warroom.statuspage import public

CANARY = "zq-canary-7f3a"
PUBLIC = ("Checkout is slow for some customers", "We found the cause", "Fixed for everyone")


def _plant(db: Database, clock: FakeClock, client: TestClient, token: str) -> int:
    """An incident from an alert, with the canary in every internal field; its number."""
    alert = {"title": f"Checkout latency {CANARY}", "severity": "SEV1",
             "labels": {"service": "api", "canary": CANARY},
             "annotations": {"description": f"runbook {CANARY}", "summary": CANARY}}  # fmt: skip
    answer = client.post("/api/v1/intake/generic", json=alert,
                         headers={"Authorization": f"Bearer {token}"})  # fmt: skip
    assert answer.status_code == 202, answer.text
    with db.session() as session:
        auth_service.ensure_user(session, clock, email=f"{CANARY}@corp.test", name=CANARY,
                                 role="responder")  # fmt: skip
        [incident] = incidents.list_incidents(session)[0]
        incidents.update_details(session, clock, incident, actor="ic@corp.test",
                                 summary=f"summary {CANARY}", tags=[CANARY],
                                 impact={"scope": CANARY, "affected": [CANARY]})  # fmt: skip
        incidents.add_note(session, clock, incident, text=f"note {CANARY}", actor="ic@corp.test")
        incidents.add_hypothesis(session, clock, incident, text=f"hypothesis {CANARY}",
                                 actor="ic@corp.test")  # fmt: skip
        incidents.add_task(session, clock, incident, text=f"task {CANARY}", actor="ic@corp.test")
        incidents.assign_role(session, clock, incident, role="incident_commander",
                              user_email=f"{CANARY}@corp.test", actor="ic@corp.test")  # fmt: skip
        evidence.add_evidence(session, clock, incident, kind="text", name=f"{CANARY}.log",
                              content=CANARY.encode(), actor="ic@corp.test", max_bytes=10_000,
                              description=CANARY)  # fmt: skip
        timeline.record(session, clock, incident_id=incident.id, kind="test:canary:planted",
                        actor=f"{CANARY}@corp.test", payload={"text": CANARY})  # fmt: skip
        return int(incident.number)


def _subscribe(client: TestClient, box: Mailbox, worker: Worker, clock: FakeClock) -> str:
    """An e-mail subscriber through the double opt-in; the confirm link it followed."""
    answer = client.post("/status/subscribers", data={"email": "reader@example.com"})
    assert answer.status_code == 202
    drain(worker, clock)
    [mail] = box.messages
    link = re.search(r"http://status\.test(/status/subscribers/confirm/\S+)", mail_text(mail))
    assert link is not None
    assert client.get(link.group(1)).status_code == 200  # a scanner's GET changes nothing
    assert client.post(link.group(1)).status_code == 200
    return link.group(1)


def _public_routes() -> list[str]:
    """Every GET route of the public page (the subscriber token pages are checked apart)."""
    paths = [r.path for r in public.router.routes if "GET" in getattr(r, "methods", ())]
    return [p.replace("{status_id}", "1") for p in paths if "{token}" not in p]


def test_no_internal_field_reaches_a_public_surface(
    db: Database, clock: FakeClock, world: tuple[TestClient, Worker, Settings],
    receivers: tuple[Mailbox, HttpReceiver], admin_headers: dict[str, str],
    make_token: MakeToken,
) -> None:  # fmt: skip
    client, worker, _ = world
    box, hooks = receivers
    apply(db, clock, CONFIG)
    number = _plant(db, clock, client, make_token("responder"))
    _subscribe(client, box, worker, clock)
    hook = {"url": f"http://{hooks.url}/status-hook", "components": ["api"]}
    assert client.post("/api/v1/status/subscribers", json=hook,
                       headers=admin_headers).status_code == 201  # fmt: skip
    body = {"number": number, "name": "Slow checkout", "components": ["api"],
            "message": PUBLIC[0]}  # fmt: skip
    assert client.post("/api/v1/status/incidents", json=body,
                       headers=admin_headers).status_code == 201  # fmt: skip
    for state, text in (("identified", PUBLIC[1]), ("resolved", PUBLIC[2])):
        clock.advance(minutes=10)
        with db.session() as session:
            if state == "resolved":  # resolved first, with an internal note
                incident = incidents.get_incident(session, number)
                incidents.resolve(session, clock, incident, actor="ic@corp.test",
                                  note=f"fix {CANARY}")  # fmt: skip
            comms.post_update(session, clock, number=number, state=state,
                              internal=f"internal {CANARY}", public=text,
                              smtp_url="mailto://localhost", actor="ic@corp.test")  # fmt: skip
    start = clock.now() + timedelta(hours=1)
    window = {"name": "Database upgrade", "body": "Read-only for a minute", "components": [],
              "scheduled_for": start.isoformat(),
              "scheduled_until": (start + timedelta(hours=1)).isoformat()}  # fmt: skip
    assert client.post("/api/v1/status/maintenances", json=window,
                       headers=admin_headers).status_code == 201  # fmt: skip
    drain(worker, clock)
    clock.advance(hours=2, minutes=1)
    drain(worker, clock)

    surfaces = {path: client.get(path).text for path in _public_routes()}
    assert len(surfaces) == 10
    assert "Slow checkout" in surfaces["/status/history"]
    for text in PUBLIC:
        assert text in surfaces["/status/api/v2/incidents.json"]
        assert text in surfaces["/status/feed.atom"]
    mails = [mail_text(m) for m in box.messages]
    posts = [r.body.decode() for r in hooks.to("/status-hook")]
    # Subscribers heard of the publication, both public updates and the maintenance steps.
    assert sum(PUBLIC[0] in m for m in mails) == 1 and sum(PUBLIC[2] in p for p in posts) == 1
    assert sum("Maintenance completed" in m for m in mails) == 1
    assert len(posts) >= 6
    for where, text in [*surfaces.items(), *enumerate(mails), *enumerate(posts)]:
        assert CANARY not in text, f"{where} shows internal text"
        assert CANARY.upper() not in text.upper(), where
