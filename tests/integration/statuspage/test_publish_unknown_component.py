"""Publishing on a component the page does not have names the field and the page's components.

`warroom status publish 1 --name ... --component api` on examples/oracle (whose component is
api-gateway) answered only "unknown status page component 'api' (field: components)": at 3am
the responder had to find the page's component keys elsewhere. The 422 (naming `components`,
as before) now lists the page's components, as a maintenance window's refusal does."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.integration.statuspage.page import apply, open_incident
from warroom.clock import FakeClock
from warroom.db import Database


def test_an_unknown_component_is_refused_naming_it_and_the_known_ones(
    db: Database, clock: FakeClock, client: TestClient, responder_headers: dict[str, str]
) -> None:
    apply(db, clock)
    number = open_incident(db, clock)
    body = {"number": number, "name": "Slow API", "components": ["api", "apii"]}
    answer = client.post("/api/v1/status/incidents", json=body, headers=responder_headers)
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["field"] == "components"
    assert "'apii'" in error["message"] and "api, db, web" in error["message"]
    assert client.get("/status/api/v2/incidents.json").json()["incidents"] == []
