"""The incident pages render what the services hold: the list (filters, newest first, pages),
every section of one incident, the live timeline fragment, evidence downloads, and the same
access rules as the API for private incidents."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient
from sqlalchemy import update

from tests.integration.web.incident_world import (  # noqa: F401
    Login,
    World,
    post,
    world_fixture,
)
from warroom.actions import service as actions
from warroom.audit import service as timeline
from warroom.comms import service as comms
from warroom.evidence import service as evidence
from warroom.incidents import service as incidents
from warroom.notify.models import Message
from warroom.runbooks import checklist
from warroom.runbooks import service as runbooks


def script(world: World) -> int:
    """A SEV1 incident on checkout with something in every section of its page."""
    number = world.open(severity="SEV1", services=["checkout"], title="Checkout fails")
    world.work()  # level 1 pages the on-call person: push rejected, mail delivered
    with world.db.session() as session:
        clock = world.clock
        incident = incidents.get_incident(session, number)
        incidents.assign_role(
            session,
            clock,
            incident,
            role="incident_commander",
            user_email="lead@shop.test",
            actor="lead@shop.test",
        )
        incidents.add_note(
            session, clock, incident, text="Error rate at 40%", actor="lead@shop.test"
        )
        incidents.add_hypothesis(
            session, clock, incident, text="Bad deploy 1.4", actor="x@shop.test"
        )
        incidents.add_task(session, clock, incident, text="Roll back 1.4", actor="x@shop.test")
        runbooks.attach(session, clock, number, "checkout-errors", "lead@shop.test")
        checklist.set_state(
            session, clock, number, "checkout-errors", 1, "done", actor="lead@shop.test"
        )
        actions.request_run(
            session,
            clock,
            incident,
            action="pause-market",
            params={"market": "EU"},
            actor="lead@shop.test",
            switch=True,
        )
        evidence.add_evidence(
            session,
            clock,
            incident,
            kind="file",
            name="errors.log",
            content=b"500 500 500",
            actor="lead@shop.test",
            max_bytes=1000,
        )
        comms.post_update(
            session,
            clock,
            number=number,
            state="investigating",
            internal="Looking at the deploy",
            public="Some payments fail",
            smtp_url="mailto://localhost",
            actor="lead@shop.test",
        )
    return number


def test_every_section_renders_from_the_services(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = script(world)
    ui_login(client, role="viewer")
    page = client.get(f"/ui/incidents/{number}")
    assert page.status_code == 200
    html = page.text
    assert f"INC-{number}" in html and "Checkout fails" in html
    # status and severity
    assert "triggered" in html and "SEV1" in html
    # roles
    assert "incident commander" in html and "lead@shop.test" in html
    # the timeline, wired to the live stream
    assert "Error rate at 40%" in html
    assert f'data-live="/ui/events?incident={number}&amp;after=' in html
    assert "incident:note:added" in html
    # runbook checklist with its progress
    assert "Checkout errors" in html and "Check the error rate" in html and "1/2 done" in html
    # the action run waiting for a second person, with who requested it
    assert "pause-market" in html or "Pause a market" in html
    assert "awaiting approval" in html and "needs a second person" in html
    # hypotheses, tasks, evidence with its download link
    assert "Bad deploy 1.4" in html and "Roll back 1.4" in html
    assert re.search(rf'href="/ui/incidents/{number}/evidence/\d+" download>errors.log', html)
    # the way on to the post-incident review
    assert f'href="/ui/postmortems/{number}"' in html
    assert f'href="/ui/incidents/{number}/action-items"' in html
    # status updates and the brief
    assert "Looking at the deploy" in html and "Some payments fail" in html
    assert "## Roles" in html and "incident commander: lead@shop.test" in html
    # the paging picture: who, delivered or failed with the provider's answer, what is next
    assert "oncall@shop.test" in html
    assert "failed" in html and "fake: rejected" in html and "delivered" in html
    assert "escalation to level 2" in html and "page while unresolved" in html


def test_a_delivery_shows_the_last_line_of_the_providers_answer(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open(severity="SEV1", services=["checkout"])
    world.work()
    answer = 'INFO - Notifying 1 service(s).\nWARNING - Sending email to "x@shop.test" failed.'
    with world.db.session() as session:
        session.execute(update(Message).values(provider_answer=answer))
    ui_login(client)
    html = client.get(f"/ui/incidents/{number}").text
    cells = re.findall(r'<td title="([^"]*)">([^<]*)</td>', html)
    # The answer's last line, its address masked (a recipient may be a status-page subscriber).
    assert cells and all(shown == "WARNING - Sending email to &#34;***@shop.test&#34; failed."
                         for _, shown in cells)  # fmt: skip
    assert all(title.startswith("INFO - Notifying 1 service(s).") for title, _ in cells)


def test_viewer_sees_no_controls_and_responder_does(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open()
    ui_login(client, role="viewer")
    html = client.get(f"/ui/incidents/{number}").text
    assert f'action="/ui/incidents/{number}/' not in html
    assert "needs the responder role" in html

    other = TestClient(client.app)
    ui_login(other, role="responder")
    html = other.get(f"/ui/incidents/{number}").text
    for path in (
        "status/ack",
        "severity",
        "roles",
        "notes",
        "hypotheses",
        "tasks",
        "evidence",
        "updates",
    ):
        assert f'action="/ui/incidents/{number}/{path}' in html, path
    assert "/status/reopen" not in html  # only what the lifecycle allows from triggered


def test_list_filters_newest_first_and_pages(
    world: World, client: TestClient, ui_login: Login
) -> None:
    first = world.open(title="Old search outage", services=["search"])
    numbers = [world.open(title=f"Filler {i}") for i in range(51)]
    sev1 = world.open(title="Checkout down", severity="SEV1", services=["checkout"])
    with world.db.session() as session:
        incident = incidents.get_incident(session, first)
        incidents.resolve(session, world.clock, incident, actor="x@shop.test")
    ui_login(client, role="viewer")

    html = client.get("/ui/incidents").text
    refs = re.findall(r'href="/ui/incidents/(\d+)"', html)
    assert refs[0] == str(sev1) and refs[1] == str(numbers[-1])  # newest first
    assert len(refs) == 50 and str(first) not in refs
    older = re.search(r'rel="next" href="([^"]+)"', html)
    assert older
    second = client.get(older.group(1).replace("&amp;", "&")).text
    assert re.findall(r'href="/ui/incidents/(\d+)"', second) == [str(n) for n in numbers[1::-1]]

    resolved_too = client.get("/ui/incidents?state=all&service=search").text
    assert re.findall(r'href="/ui/incidents/(\d+)"', resolved_too) == [str(first)]
    assert "Old search outage" not in client.get("/ui/incidents?service=search").text
    only_sev1 = client.get("/ui/incidents?severity=SEV1").text
    assert re.findall(r'href="/ui/incidents/(\d+)"', only_sev1) == [str(sev1)]
    bad = client.get("/ui/incidents?cursor=nonsense")
    assert bad.status_code == 422 and "cursor is not valid" in bad.text


def test_private_incident_follows_the_api_rules(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open(title="Secret breach", private=True)
    with world.db.session() as session:
        item = evidence.add_evidence(
            session,
            world.clock,
            incidents.get_incident(session, number),
            kind="text",
            name="notes.txt",
            content=b"who did it",
            actor="oncall@shop.test",
            max_bytes=1000,
        )
        item_id = item.id
    outsider = ui_login(client, role="responder")
    assert "Secret breach" not in client.get("/ui/incidents").text
    page = client.get(f"/ui/incidents/{number}")
    assert page.status_code == 404 and f"no incident INC-{number}" in page.text
    assert "Secret breach" not in page.text
    download = client.get(f"/ui/incidents/{number}/evidence/{item_id}")
    assert download.status_code == 404 and "who did it" not in download.text
    fragment = client.get(f"/ui/incidents/{number}/timeline")
    assert fragment.status_code == 404 and "incident:incident:opened" not in fragment.text

    with world.db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.assign_role(
            session,
            world.clock,
            incident,
            role="scribe",
            user_email=outsider.email,
            actor="oncall@shop.test",
        )
    assert "Secret breach" in client.get(f"/ui/incidents/{number}").text
    assert "Secret breach" in client.get("/ui/incidents").text
    got = client.get(f"/ui/incidents/{number}/evidence/{item_id}")
    assert got.status_code == 200 and got.content == b"who did it"
    with world.db.session() as session:
        kinds = [e.kind for e in timeline.last_events(session, incident_id=item.incident_id)]
    assert kinds[-1] == "evidence:item:downloaded"


def test_timeline_fragment_brings_only_newer_events(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open()
    ui_login(client, role="viewer")
    html = client.get(f"/ui/incidents/{number}").text
    last = int(re.search(r'data-last-seq="(\d+)"', html).group(1))  # type: ignore[union-attr]
    assert client.get(f"/ui/incidents/{number}/timeline?after={last}").text.strip() == ""
    with world.db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.add_note(session, world.clock, incident, text="first", actor="a@shop.test")
        incidents.add_note(session, world.clock, incident, text="second", actor="a@shop.test")
    fragment = client.get(f"/ui/incidents/{number}/timeline?after={last}").text
    seqs = [int(s) for s in re.findall(r'data-seq="(\d+)"', fragment)]
    assert seqs == [last + 2, last + 1]  # newest first, nothing already shown
    assert fragment.index("second") < fragment.index("first")


def test_signed_in_only(world: World, client: TestClient) -> None:
    number = world.open()
    answer = client.get(f"/ui/incidents/{number}", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")
    assert f"/ui/incidents/{number}" in answer.headers["location"].replace("%2F", "/")


def test_the_timeline_reads_as_the_cli_does_with_texts_whole(
    world: World, client: TestClient, ui_login: Login
) -> None:
    """The web page and `warroom timeline` share their sentences (warroom.audit.sentences);
    the page keeps a long note whole where a terminal column would cut it."""
    number = world.open()
    note = "Connection pool exhausted after the 14:05 deploy; rolling back api to 1.3 now"
    with world.db.session() as session:
        incident = incidents.get_incident(session, number)
        event = incidents.add_note(session, world.clock, incident, text=note, actor="a@shop.test")
        timeline.star_event(
            session, world.clock, incident_id=incident.id, seq=event.seq, starred=True,
            actor="a@shop.test",
        )  # fmt: skip
    ui_login(client, role="viewer")
    html = client.get(f"/ui/incidents/{number}").text
    what = re.findall(r'<span class="what">(.*?)</span>', html, re.DOTALL)
    assert f"note: {note}" in what
    assert f"event #{event.seq} starred" in what


def test_a_drill_says_so_above_everything_else(
    world: World, client: TestClient, ui_login: Login
) -> None:
    """A drill's page differed from a real incident's by a small grey "drill" badge (and its
    title, which can be changed): at 3am, whether to wake the CTO depends on it."""
    drill = world.open(title="Failover exercise", severity="SEV1", drill=True)
    real = world.open(title="Checkout fails", severity="SEV1")
    ui_login(client, role="viewer")
    page = client.get(f"/ui/incidents/{drill}").text
    banner = re.search(r'<p class="drill-banner" id="drill-banner">(.*?)</p>', page, re.S)
    assert banner and "not a real incident" in banner.group(1)
    assert page.index("drill-banner") < page.index('id="status"')
    assert "drill-banner" not in client.get(f"/ui/incidents/{real}").text


def test_every_release_button_names_its_role(
    world: World, client: TestClient, ui_login: Login
) -> None:
    """The Release button of a role beyond the three main ones was named "Release  from
    lead@shop.test" for screen readers (the template read a variable of another loop)."""
    number = world.open()
    with world.db.session() as session:
        incident = incidents.get_incident(session, number)
        incidents.assign_role(
            session, world.clock, incident, role="operations_lead",
            user_email="lead@shop.test", actor="lead@shop.test",
        )  # fmt: skip
    ui_login(client)
    page = client.get(f"/ui/incidents/{number}").text
    assert 'aria-label="Release operations lead from lead@shop.test"' in page
    assert 'aria-label="Release  from' not in page


def test_an_incident_without_a_commander_offers_to_take_command_at_the_top(
    world: World, client: TestClient, ui_login: Login
) -> None:
    """`warroom incident show` says "take command: ..." when nobody commands; the page's only
    way was a small "Take" in the roles table, screens below. It is in the status section."""
    number = world.open(severity="SEV1")
    me = ui_login(client)
    page = client.get(f"/ui/incidents/{number}").text
    status = re.search(r'<section id="status".*?</section>', page, re.S)
    assert status and 'id="take-command"' in status.group(0)
    assert "Nobody is incident commander." in status.group(0)
    answer = post(client, number, "/roles", {"role": "incident_commander"})
    assert answer.status_code == 303 and answer.headers["location"].endswith("#roles")
    after = client.get(f"/ui/incidents/{number}").text
    assert 'id="take-command"' not in after and f"{me.email}" in after
    ui_login(client, role="viewer")
    other = world.open(severity="SEV1")
    assert 'id="take-command"' not in client.get(f"/ui/incidents/{other}").text
