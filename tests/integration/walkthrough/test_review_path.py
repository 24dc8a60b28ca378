"""The user's path across the domains, end to end on the FakeClock (both databases): an
Alertmanager alert opens a P1 incident that pages the on-call by real e-mail (a local SMTP
server); the on-call acknowledges from the mail's signed link; a public status update reaches
/status; the incident is resolved, which (P1 requires one) opens a postmortem by the commander,
due 48h later; closing is refused until the postmortem is published; action items take the
matrix priority; the postmortem is edited, reviewed and published; the incident closes;
`warroom report --json` shows the scripted MTTA, MTTR and postmortem on time. The same incident
as a drill shows nothing on /status and is counted apart from production.
"""

from __future__ import annotations

import json
import re
from datetime import datetime, timedelta
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.notify.receivers import Mailbox
from tests.integration.review.drills.world import World, apply, world
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker

__all__ = ["world"]  # the fixture

SECRET = "walkthrough-intake-secret-0123"
PUBLIC = "Checkout is failing for some customers; a fix is under way."


def org() -> str:
    return f"""\
severities:
  - key: P1
    name: High
    acknowledge_within: 5m
    resolve_within: 1h
    postmortem: {{required: true, due_within: 48h}}
  - {{key: P3, name: Low}}
users:
  - email: ic@corp.test
    name: IC
    contact_methods: [{{name: mail, email: ic@corp.test}}]
    notification_rules: [{{contact: mail, after: 0}}]
  - {{email: rev@corp.test, name: Reviewer}}
escalation_policies:
  - {{key: shop, levels: [{{notify: [user:ic@corp.test]}}]}}
services:
  - {{key: checkout, name: Checkout, escalation_policy: shop}}
integrations:
  - {{key: prometheus, type: alertmanager, secret: {SECRET}}}
routes:
  - key: checkout
    matchers: ['service="checkout"']
    service: checkout
    severity: {{map: {{critical: P1, warning: P3}}, default: P3}}
status_page:
  title: Corp Status
  groups:
    - name: Shop
      components:
        - {{service: checkout}}
"""


def drain(worker: Worker) -> None:
    """Run every job due now (the clock does not move)."""
    for _ in range(50):
        if not worker.run_once():
            return


def alert(starts: datetime) -> dict[str, Any]:
    labels = {"alertname": "CheckoutErrors", "service": "checkout", "severity": "critical"}
    return {
        "version": "4", "status": "firing", "receiver": "warroom", "groupKey": "{}:{}",
        "groupLabels": {}, "commonLabels": labels, "commonAnnotations": {}, "externalURL": "",
        "alerts": [{"status": "firing", "labels": labels, "fingerprint": "f1",
                    "annotations": {"summary": "Checkout 5xx above 5%"},
                    "startsAt": starts.isoformat().replace("+00:00", "Z")}],
    }  # fmt: skip


def ack_link(box: Mailbox, ref: str) -> str:
    """The path of the Acknowledge link in the newest mail about `ref`."""
    for mail in reversed(box.messages):
        text = mail.get_payload(decode=True)
        body = text.decode() if isinstance(text, bytes) else str(mail)
        if ref in str(mail["Subject"]) or ref in body:
            found = re.search(r"https?://[^/\s]+(/p/[A-Za-z0-9._~-]+)", body)
            assert found, body
            return found.group(1)
    raise AssertionError(f"no mail about {ref}: {[m['Subject'] for m in box.messages]}")


def headers(make_token: Any, role: str, email: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(role, email=email)}"}


def _ok(answer: Any, status: int = 200) -> Any:
    assert answer.status_code == status, answer.text
    return answer.json()


def test_alert_to_published_postmortem_and_the_figures(
    db: Database, clock: FakeClock, world: World, cli: Any, make_token: Any
) -> None:
    apply(db, clock, org())
    client, worker = world.client, world.worker
    admin = headers(make_token, "admin", "boss@corp.test")
    reviewer = headers(make_token, "responder", "rev@corp.test")
    t0 = clock.now()
    sent = client.post(
        "/api/v1/intake/alertmanager",
        json=alert(t0),
        headers={"Authorization": f"Bearer {SECRET}"},
    )
    assert sent.status_code == 202, sent.text
    drain(worker)
    [incident] = _ok(client.get("/api/v1/incidents", headers=admin))["items"]
    number, ref = incident["number"], incident["ref"]
    assert (incident["severity"], incident["status"]) == ("P1", "triggered")
    drain(worker)

    # The on-call acknowledges from the e-mailed link, 4 minutes in.
    clock.set(t0 + timedelta(minutes=4))
    link = ack_link(world.box, ref)
    assert client.get(link).status_code == 200  # a preview does nothing
    assert client.post(link).status_code == 200
    shown = _ok(client.get(f"/api/v1/incidents/{number}", headers=admin))
    assert shown["status"] == "acknowledged"
    assert client.post(link).status_code == 410  # once only
    roles = {"role": "incident_commander", "user_email": "ic@corp.test"}
    _ok(client.post(f"/api/v1/incidents/{number}/roles", json=roles, headers=admin))

    clock.set(t0 + timedelta(minutes=10))
    publish = {"number": number, "name": "Checkout errors", "components": ["checkout"]}
    _ok(client.post("/api/v1/status/incidents", json=publish, headers=admin), 201)
    update = {"state": "identified", "internal": "bad deploy", "public": PUBLIC}
    _ok(client.post(f"/api/v1/incidents/{number}/updates", json=update, headers=admin), 201)
    drain(worker)
    assert PUBLIC in client.get("/status").text

    clock.set(t0 + timedelta(minutes=50))
    _ok(client.post(f"/api/v1/incidents/{number}/resolve", json={}, headers=admin))
    resolved_at = clock.now()
    drain(worker)
    pm = _ok(client.get(f"/api/v1/incidents/{number}/postmortem", headers=admin))
    assert pm["author"] == "ic@corp.test" and pm["state"] == "draft"
    assert datetime.fromisoformat(pm["due_at"]) == resolved_at + timedelta(hours=48)
    refused = client.post(f"/api/v1/incidents/{number}/close", json={}, headers=admin)
    assert refused.status_code == 409 and "postmortem" in refused.text

    clock.set(t0 + timedelta(hours=20))
    item = {"title": "Canary deploys", "owner": "ic@corp.test", "impact": "high", "effort": "low"}
    added = _ok(
        client.post(f"/api/v1/incidents/{number}/action-items", json=item, headers=admin), 201
    )
    assert added["priority"] == "P0"
    assert datetime.fromisoformat(added["due_at"]) == clock.now() + timedelta(days=7)

    base = f"/api/v1/incidents/{number}/postmortem"
    text = pm["markdown"] + "\n## Lessons\n\nDeploy with a canary.\n"
    saved = _ok(client.put(base, json={"markdown": text, "version": pm["version"]}, headers=admin))
    assert "Deploy with a canary." in saved["markdown"]
    _ok(client.post(f"{base}/submit", headers=admin))
    _ok(client.post(f"{base}/approve", json={}, headers=reviewer))
    published = _ok(client.post(f"{base}/publish", headers=admin))
    assert published["state"] == "published"
    closed = _ok(client.post(f"/api/v1/incidents/{number}/close", json={}, headers=admin))
    assert closed["status"] == "closed"

    clock.set(t0 + timedelta(days=1))
    figures = report(cli, t0)
    assert figures["incidents"]["total"] == 1
    times = figures["times"]["overall"]
    assert times["mtta"]["mean_s"] == 240 and times["mttr"]["mean_s"] == 3000
    sla = figures["sla"]["P1"]
    assert sla["acknowledged"]["met"] == 1 and sla["resolved"]["met"] == 1
    assert sla["postmortem"] == {"met": 1, "missed": 0, "ratio": 1.0}

    # The same as a drill: the participant is paged, acknowledges from the link, resolves.
    status_before = client.get("/status/api/v2/incidents.json").json()["incidents"]
    body = {"severity": "P1", "service": "checkout", "participants": ["user:ic@corp.test"]}
    drill = _ok(client.post("/api/v1/drills", json=body, headers=admin), 201)
    drain(worker)
    clock.advance(minutes=2)
    assert client.post(ack_link(world.box, drill["ref"])).status_code == 200
    clock.advance(minutes=8)
    _ok(client.post(f"/api/v1/incidents/{drill['number']}/resolve", json={}, headers=admin))
    drain(worker)
    assert client.get("/status/api/v2/incidents.json").json()["incidents"] == status_before
    page = client.get("/status").text
    assert "DRILL" not in page.upper() and drill["ref"] not in page
    after = report(cli, t0)
    assert after["incidents"] == figures["incidents"]
    assert after["times"]["overall"] == figures["times"]["overall"]
    assert after["sla"]["P1"] == figures["sla"]["P1"]
    assert after["drills"]["incidents"]["total"] == 1
    assert after["drills"]["times"]["overall"]["mtta"]["mean_s"] == 120
    # Days later the drill's own postmortem is overdue: production's figure stays on time.
    clock.advance(days=3)
    later = report(cli, t0)
    assert later["sla"]["P1"] == figures["sla"]["P1"]
    assert later["incidents"] == figures["incidents"]


def report(cli: Any, since: datetime) -> dict[str, Any]:
    result = cli("report", "--since", since.date().isoformat(), "--json")
    assert result.exit_code == 0, result.output
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def test_the_signed_in_page_shows_the_same_path(
    db: Database, clock: FakeClock, world: World, make_token: Any
) -> None:
    """The pages a person follows after the link: the incident, its postmortem and items."""
    apply(db, clock, org())
    client: TestClient = world.client
    sent = client.post(
        "/api/v1/intake/alertmanager",
        json=alert(clock.now()),
        headers={"Authorization": f"Bearer {SECRET}"},
    )
    assert sent.status_code == 202
    drain(world.worker)
    link = ack_link(world.box, "INC-1")
    done = client.post(link)
    assert done.status_code == 200 and 'href="/ui/incidents/1"' in done.text
    # Not signed in: the incident page asks for sign-in and comes back to it.
    answer = client.get("/ui/incidents/1", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/login?next=/ui/incidents/1"
