"""The services page (issue 13): each service with its escalation policy, the runbooks config
names for it, and its open incidents (private ones only for their members and admins)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.paging.world import ORG, apply
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents

ORG_WITH_RUNBOOK = (
    ORG.replace(
        "    escalation_policy: atlas\n",
        "    escalation_policy: atlas\n    runbooks: [api-down]\n"
        "  - key: billing\n    name: Billing\n",
    )
    + 'runbooks:\n  - key: api-down\n    markdown: "# API is down\\n\\n- Check the load balancer"\n'
)


def open_incident(db: Database, clock: FakeClock, title: str, **fields: Any) -> int:
    with db.session() as session:
        incident = incidents.open_incident(
            session, clock, actor="lead@atlas.test", title=title, severity="P0", **fields
        )
        return int(incident.number)


def row_of(html: str, key: str) -> str:
    found = re.search(rf'<tr id="service-{key}"[^>]*>(.*?)</tr>', html, re.S)
    assert found, f"no row for {key}"
    return found.group(1)


def test_services_show_policy_runbooks_and_open_incidents(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    apply(db, clock, ORG_WITH_RUNBOOK)
    shown = open_incident(db, clock, "API 500s", services=["api"])
    hidden = open_incident(db, clock, "Secret breach", services=["api"], private=True)
    done = open_incident(db, clock, "Old outage", services=["api"])
    with db.session() as session:
        incidents.resolve(
            session, clock, incidents.get_incident(session, done), actor="lead@atlas.test"
        )
    ui_login(client, "viewer")
    page = client.get("/ui/services")
    assert page.status_code == 200
    api = row_of(page.text, "api")
    assert "(atlas, 2 levels)" in api
    assert "API is down" in api and "api-down" in api
    assert f'href="/ui/incidents/{shown}"' in api and "API 500s" in api
    assert "Secret breach" not in page.text and f"INC-{hidden}" not in page.text
    assert "Old outage" not in page.text
    billing = row_of(page.text, "billing")
    assert billing.count("none") == 3  # no policy, no runbook, no open incident
    assert "nobody is paged" in billing  # no severity policy, no default: says so

    # With a default policy, a service without its own says which one pages it.
    apply(
        db,
        clock,
        ORG_WITH_RUNBOOK.replace("  - key: atlas\n", "  - key: atlas\n    default: true\n"),
    )
    text = re.sub(r"<[^>]+>", " ", row_of(client.get("/ui/services").text, "billing"))
    billing = re.sub(r"\s+", " ", text)
    assert "none of its own: atlas" in billing and "(the default)" in billing
    assert "nobody is paged" not in billing

    client.cookies.clear()
    ui_login(client, "admin")
    assert "Secret breach" in row_of(client.get("/ui/services").text, "api")


def test_services_page_needs_a_signed_in_person(client: TestClient) -> None:
    answer = client.get("/ui/services", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")
