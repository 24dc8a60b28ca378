"""The incident list's filters: a severity or service the config does not know (an old
bookmark, a typo in a link someone pasted) answered "No open incidents match." under a filter
form showing "Any", so a responder read that nothing was open while incidents were."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from tests.integration.web.incident_world import (  # noqa: F401
    Login,
    World,
    world_fixture,
)


def test_an_unknown_severity_or_service_is_refused_naming_it(
    world: World, client: TestClient, ui_login: Login
) -> None:
    number = world.open(title="Checkout down", severity="SEV1", services=["checkout"])
    ui_login(client, role="viewer")

    page = client.get("/ui/incidents", params={"severity": "P1"})
    assert page.status_code == 422
    text = html.unescape(page.text)
    assert "unknown severity 'P1'; one of SEV1, SEV2" in text
    assert re.search(r'<p class="error" role="alert" id="filter-error">', page.text)
    assert "No open incidents match" not in text
    assert 'aria-invalid="true"' in page.text.split('id="f-severity"')[1].split(">")[0]

    page = client.get("/ui/incidents", params={"service": "chekout"})
    assert page.status_code == 422
    text = html.unescape(page.text)
    assert "unknown service 'chekout'; one of checkout, search" in text
    assert "No open incidents match" not in text

    # Known ones still filter as before.
    shown = client.get("/ui/incidents", params={"severity": "SEV1", "service": "checkout"})
    assert shown.status_code == 200
    assert re.findall(r'href="/ui/incidents/(\d+)"', shown.text) == [str(number)]
