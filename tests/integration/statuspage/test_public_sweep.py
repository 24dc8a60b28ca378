"""Every surface an anonymous caller can reach shows nothing internal.

One organisation is planted with a distinctive string in every internal place (incident titles
and summaries, notes, hypotheses, tasks, internal status updates, responder names and e-mails,
alert labels and annotations, evidence, the timeline, a resolve note, a postmortem draft) and in
incidents that must never show at all (unpublished, private, a drill, one published and then
withdrawn); one published incident carries a public update with its own string. Each public
route, every method, is then requested with no credential: no internal string may appear in its
body or headers, and the published text must appear where the route lists incidents.

To cover a new public route, add a `Case` to CASES (test_every_public_route_is_swept fails
until you do).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import MakeToken
from tests.integration.statuspage.conftest import drain
from tests.integration.statuspage.page import CONFIG, apply
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.comms import service as comms
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.errors import Invalid
from warroom.evidence import service as evidence
from warroom.incidents import service as incidents
from warroom.review.drills import service as drills
from warroom.review.postmortems import service as postmortems
from warroom.settings import Settings
from warroom.statuspage import public, subscribers

# What was deliberately made public: it must show where incidents are listed.
PUBLIC_NAME = "Zqpubname Checkout is slow"
PUBLIC_MESSAGE = "Zqpubmessage We are looking into slow checkouts"
PUBLIC_UPDATE = "Zqpubupdate A fix is rolling out"
PUBLIC = (PUBLIC_NAME, PUBLIC_MESSAGE, PUBLIC_UPDATE)

# One string per internal place; none may show anywhere public (compared case-insensitively).
RESPONDER = "zqresponder-mail@corp.test"
INTERNAL = {
    "alert title": "zqalerttitle",
    "alert label key": "zqlabelkey",
    "alert label value": "zqlabelvalue",
    "alert annotation": "zqannotation",
    "alert annotation summary": "zqannsummary",
    "incident summary": "zqsummary",
    "incident tag": "zqtag",
    "incident impact": "zqimpact",
    "note": "zqnote",
    "hypothesis": "zqhypothesis",
    "task": "zqtask",
    "responder e-mail": RESPONDER,
    "responder name": "Zqrespname",
    "evidence": "zqevidence",
    "timeline": "zqtimeline",
    "internal update": "zqinternalupdate",
    "resolve note": "zqresolvenote",
    "postmortem draft": "zqpostmortem",
    "unpublished incident title": "zqunpubtitle",
    "unpublished incident summary": "zqunpubsummary",
    "unpublished incident public update": "zqunpubpublic",
    "private incident title": "zqprivatetitle",
    "private incident public update": "zqprivatepublic",
    "drill title": "zqdrilltitle",
    "drill internal update": "zqdrillinternal",
    "withdrawn incident public name": "zqwithdrawnname",
    "withdrawn incident message": "zqwithdrawnmessage",
    "withdrawn incident public update": "zqwithdrawnpublic",
    "resolved incident title": "zqresolvedtitle",
    "severity name": "Zqsevname",
    "severity definition": "zqsevdefinition",
    "team key": "zqteamkey",
    "team name": "Zqteamname",
    "service description": "zqservicedesc",
    "service tag": "zqservicetag",
    "service off the page: key": "zqhiddenkey",
    "service off the page: name": "Zqhiddenname",
    "service off the page: incident": "zqhiddentitle",
}

# page.CONFIG with internal detail in the catalog and a service the page does not list.
ORG = CONFIG.replace(
    """\
  - {key: SEV0, name: Critical}""",
    """\
  - {key: SEV0, name: Zqsevname, definition: zqsevdefinition}""",
).replace(
    """\
services:
  - {key: api, name: API}""",
    """\
teams:
  - {key: zqteamkey, name: Zqteamname}
services:
  - {key: api, name: API, description: zqservicedesc, team: zqteamkey, tags: [zqservicetag]}
  - {key: zqhiddenkey, name: Zqhiddenname, description: zqservicedesc}""",
)


@dataclass(frozen=True)
class Planted:
    published: int  # public id of the published, unresolved incident
    resolved: int  # public id of a published, resolved incident (postmortem draft)
    withdrawn: int  # public id a withdrawn (unpublished) incident had
    confirm: str  # a valid confirm token
    unsubscribe: str  # a valid unsubscribe token


@dataclass(frozen=True)
class Case:
    method: str
    route: str  # the router's path template (checked against public.router)
    url: str  # formatted with the Planted fields
    status: int = 200
    shows: bool = False  # lists the published incident and its public updates
    body: dict[str, Any] | None = None  # form fields posted
    json: dict[str, Any] | None = None


CASES = [
    Case("GET", "/status", "/status", shows=True),
    Case("GET", "/status", "/status?format=json", shows=True),  # no route has ?format= variants
    Case("GET", "/status/incidents/{status_id}", "/status/incidents/{published}", shows=True),
    Case("GET", "/status/incidents/{status_id}", "/status/incidents/{resolved}"),
    Case("GET", "/status/incidents/{status_id}", "/status/incidents/{withdrawn}", 404),
    Case("GET", "/status/history", "/status/history", shows=True),
    Case("GET", "/status/feed.atom", "/status/feed.atom", shows=True),
    Case("GET", "/status/api/v2/summary.json", "/status/api/v2/summary.json", shows=True),
    Case("GET", "/status/api/v2/status.json", "/status/api/v2/status.json"),
    Case("GET", "/status/api/v2/components.json", "/status/api/v2/components.json"),
    Case("GET", "/status/api/v2/incidents.json", "/status/api/v2/incidents.json", shows=True),
    Case(
        "GET",
        "/status/api/v2/incidents/unresolved.json",
        "/status/api/v2/incidents/unresolved.json",
        shows=True,
    ),
    Case(
        "GET",
        "/status/api/v2/scheduled-maintenances.json",
        "/status/api/v2/scheduled-maintenances.json",
    ),
    Case(
        "POST",
        "/status/subscribers",
        "/status/subscribers",
        202,
        body={"email": "reader@example.com", "components": "api"},
    ),
    Case(
        "POST",
        "/status/subscribers",
        "/status/subscribers",
        422,
        json={"email": "reader@example.com", "components": ["zqnosuch"]},
    ),
    Case("GET", "/status/subscribers/{action}/{token}", "/status/subscribers/confirm/{confirm}"),
    Case("POST", "/status/subscribers/{action}/{token}", "/status/subscribers/confirm/{confirm}"),
    Case(
        "GET",
        "/status/subscribers/{action}/{token}",
        "/status/subscribers/unsubscribe/{unsubscribe}",
    ),
    Case(
        "POST",
        "/status/subscribers/{action}/{token}",
        "/status/subscribers/unsubscribe/{unsubscribe}",
    ),
    Case("GET", "/status/subscribers/{action}/{token}", "/status/subscribers/confirm/x.y", 404),
    # The app's other surfaces without a credential.
    Case("GET", "/healthz", "/healthz"),
    Case("GET", "/login", "/login"),
    Case("GET", "/openapi.json", "/openapi.json"),
    Case("GET", "/docs", "/docs"),
    Case("GET", "/metrics", "/metrics", 401),
]


def _id(case: Case) -> str:
    return f"{case.method} {case.url}" + (" json" if case.json else "")


def _user(make_token: MakeToken) -> dict[str, str]:
    token = make_token("responder", email=RESPONDER, name=INTERNAL["responder name"])
    return {"Authorization": f"Bearer {token}"}


def _publish(client: TestClient, headers: dict[str, str], number: int, name: str,
             message: str) -> int:  # fmt: skip
    body = {"number": number, "name": name, "components": ["api"], "message": message}
    answer = client.post("/api/v1/status/incidents", json=body, headers=headers)
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _alert_incident(db: Database, clock: FakeClock, client: TestClient,
                    headers: dict[str, str]) -> int:  # fmt: skip
    """The published incident: opened from an alert, every internal field filled in."""
    s = INTERNAL
    alert = {"title": f"Checkout latency {s['alert title']}",
             "severity": "SEV1",
             "labels": {"service": "api", s["alert label key"]: s["alert label value"]},
             "annotations": {"description": s["alert annotation"],
                             "summary": s["alert annotation summary"]}}  # fmt: skip
    answer = client.post("/api/v1/intake/generic", json=alert, headers=headers)
    assert answer.status_code == 202, answer.text
    with db.session() as session:
        [incident] = incidents.list_incidents(session)[0]
        actor = RESPONDER
        incidents.update_details(session, clock, incident, actor=actor,
                                 summary=s["incident summary"], tags=[s["incident tag"]],
                                 impact={"scope": s["incident impact"]})  # fmt: skip
        incidents.add_note(session, clock, incident, text=s["note"], actor=actor)
        incidents.add_hypothesis(session, clock, incident, text=s["hypothesis"], actor=actor)
        incidents.add_task(session, clock, incident, text=s["task"], actor=actor)
        incidents.assign_role(session, clock, incident, role="incident_commander",
                              user_email=RESPONDER, actor=actor)  # fmt: skip
        evidence.add_evidence(session, clock, incident, kind="text", name=f"{s['evidence']}.log",
                              content=s["evidence"].encode(), actor=actor, max_bytes=10_000,
                              description=s["evidence"])  # fmt: skip
        timeline.record(session, clock, incident_id=incident.id, kind="test:sweep:planted",
                        actor=actor, payload={"text": s["timeline"]})  # fmt: skip
        return int(incident.number)


def _post(db: Database, clock: FakeClock, number: int, internal: str, public: str | None) -> None:
    clock.advance(minutes=1)
    with db.session() as session:
        comms.post_update(session, clock, number=number, state="identified", internal=internal,
                          public=public, smtp_url="mailto://localhost",
                          actor=RESPONDER)  # fmt: skip


def _plant(db: Database, clock: FakeClock, world: tuple[TestClient, Worker, Settings],
           make_token: MakeToken) -> Planted:  # fmt: skip
    client, worker, settings = world
    s = INTERNAL
    assert "zqhiddenkey" in ORG and "zqteamkey" in ORG and "Zqsevname" in ORG
    apply(db, clock, ORG)
    headers = _user(make_token)

    number = _alert_incident(db, clock, client, headers)
    published = _publish(client, headers, number, PUBLIC_NAME, PUBLIC_MESSAGE)
    _post(db, clock, number, s["internal update"], PUBLIC_UPDATE)

    with db.session() as session:  # public text on incidents that are not published
        unpub = incidents.open_incident(session, clock, actor=RESPONDER, title=s[
            "unpublished incident title"], summary=s["unpublished incident summary"],
            severity="SEV0", services=["api"]).number  # fmt: skip
        private = incidents.open_incident(session, clock, actor=RESPONDER, private=True,
                                          title=s["private incident title"], severity="SEV0",
                                          services=["db"]).number  # fmt: skip
        hidden = incidents.open_incident(session, clock, actor=RESPONDER, severity="SEV0",
                                         title=s["service off the page: incident"],
                                         services=["zqhiddenkey"]).number  # fmt: skip
    _post(db, clock, unpub, s["internal update"], s["unpublished incident public update"])
    _post(db, clock, hidden, s["internal update"], None)
    _post(db, clock, private, s["internal update"], s["private incident public update"])

    with db.session() as session:  # a drill can be neither published nor given public text
        drill = drills.start_drill(session, clock, settings, severity="SEV0", actor=RESPONDER,
                                   service="web", title=s["drill title"])  # fmt: skip
        drill_number = incidents.get_incident_by_id(session, drill.incident_id).number
    body = {"number": drill_number, "name": "Drill", "components": ["web"]}
    refused = client.post("/api/v1/status/incidents", json=body, headers=headers)
    assert refused.status_code == 422, refused.text
    with pytest.raises(Invalid), db.session() as session:
        comms.post_update(session, clock, number=drill_number, state="identified",
                          internal=s["drill internal update"], public="drill public",
                          smtp_url="mailto://localhost", actor=RESPONDER)  # fmt: skip
    _post(db, clock, drill_number, s["drill internal update"], None)

    with db.session() as session:  # published, then withdrawn
        gone = incidents.open_incident(session, clock, actor=RESPONDER, title="withdrawn",
                                       severity="SEV0", services=["web"]).number  # fmt: skip
    withdrawn = _publish(client, headers, gone, s["withdrawn incident public name"],
                         s["withdrawn incident message"])  # fmt: skip
    _post(db, clock, gone, s["internal update"], s["withdrawn incident public update"])
    answer = client.delete(f"/api/v1/status/incidents/{gone}", headers=headers)
    assert answer.status_code == 204, answer.text

    with db.session() as session:  # published, resolved, a postmortem draft being written
        done = incidents.open_incident(session, clock, actor=RESPONDER,
                                       title=s["resolved incident title"], severity="SEV3",
                                       services=["db"]).number  # fmt: skip
    resolved = _publish(client, headers, done, "Database was slow", "")
    with db.session() as session:
        incident = incidents.get_incident(session, done)
        incidents.resolve(session, clock, incident, actor=RESPONDER, note=s["resolve note"])
        pm = postmortems.create(session, clock, incident, actor=RESPONDER, due_within=None)
        postmortems.save(session, clock, incident, markdown=f"# Draft\n{s['postmortem draft']}",
                         version=pm.version, actor=RESPONDER)  # fmt: skip
    drain(worker, clock)

    secret = settings.secret_key
    with db.session() as session:
        subscriber = subscribers.subscribe_email(session, clock, settings, "sub@example.com", [])
        sub_id = subscriber.id
    expires = int(clock.now().timestamp()) + 3600
    return Planted(published=published, resolved=resolved, withdrawn=withdrawn,
                   confirm=subscribers.make_token(secret, "confirm", sub_id, expires),
                   unsubscribe=subscribers.make_token(secret, "unsubscribe", sub_id))  # fmt: skip


def _leaks(text: str) -> list[str]:
    low = text.lower()
    return [where for where, value in INTERNAL.items() if value.lower() in low]


def test_every_public_route_is_swept() -> None:
    """Each route of the public router is in CASES with each of its methods."""
    routes = {(m, r.path) for r in public.router.routes for m in getattr(r, "methods", ())}
    swept = {(c.method, c.route) for c in CASES}
    assert routes - {("HEAD", p) for _, p in routes} <= swept


def _check(client: TestClient, case: Case, planted: Planted) -> list[str]:
    """What is wrong with one public route's answer (nothing: an empty list)."""
    url = case.url.format(**planted.__dict__)
    answer = client.request(case.method, url, data=case.body, json=case.json)
    if answer.status_code != case.status:
        return [f"{_id(case)}: {answer.status_code} (expected {case.status}) {answer.text[:200]}"]
    headers = "\n".join(f"{k}: {v}" for k, v in answer.headers.multi_items())
    wrong = [f"{_id(case)} shows {where}" for where in _leaks(answer.text)]
    wrong += [f"{_id(case)} headers show {where}" for where in _leaks(headers)]
    if case.method == "GET":  # HEAD answers as GET does, without a body
        head = client.head(url)
        head_headers = "\n".join(f"{k}: {v}" for k, v in head.headers.multi_items())
        wrong += [f"HEAD {url} headers show {where}" for where in _leaks(head_headers)]
    if case.shows:
        wrong += [f"{_id(case)} lacks the published {t!r}" for t in PUBLIC if t not in answer.text]
    return wrong


def test_an_anonymous_caller_sees_nothing_internal(
    db: Database, clock: FakeClock, world: tuple[TestClient, Worker, Settings],
    make_token: MakeToken,
) -> None:  # fmt: skip
    """Every case of CASES in turn, on one planted world (one set-up per database); every
    route that is wrong is named."""
    client = world[0]
    planted = _plant(db, clock, world, make_token)
    client.headers.pop("Authorization", None)
    client.cookies.clear()
    wrong = [problem for case in CASES for problem in _check(client, case, planted)]
    assert not wrong, "\n".join(wrong)


def test_public_update_ids_count_nothing_internal(
    db: Database, clock: FakeClock, client: TestClient, admin_headers: dict[str, str]
) -> None:
    """Two published incidents with the same public history show the same update ids (but for
    their own public id), however many internal updates were posted elsewhere in between: ids
    from the comms domain's global sequence told how busy the unpublished incidents were."""
    apply(db, clock)
    with db.session() as session:
        quiet, busy, other = (incidents.open_incident(
            session, clock, actor=RESPONDER, title=f"incident {n}", severity="SEV1",
            services=["api"], private=n == 3).number for n in (1, 2, 3))  # fmt: skip
    public_ids = []
    for number in (quiet, busy):
        public_ids.append(_publish(client, admin_headers, number, f"Slow {number}", ""))
        _post(db, clock, number, "internal", "We are looking into it")
        for _ in range(3 if number == busy else 0):
            _post(db, clock, other, INTERNAL["internal update"], None)
        _post(db, clock, number, "internal", "Fixed")
    listed = client.get("/status/api/v2/incidents.json").json()["incidents"]
    ids = {item["id"]: [u["id"] for u in item["incident_updates"]] for item in listed}
    shapes = {key: [i.removeprefix(key) for i in value] for key, value in ids.items()}
    assert shapes[str(public_ids[0])] == shapes[str(public_ids[1])], ids
    assert len({i for value in ids.values() for i in value}) == 4, ids  # unique page-wide
