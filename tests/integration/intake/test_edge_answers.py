"""The edge of intake (issue 9): links only when http(s), every bad input a 4xx naming the
problem (never a 5xx, never a transient answer to a permanent error), nothing written."""

from __future__ import annotations

import copy
import json

import pytest
from fastapi.testclient import TestClient

from tests.integration.intake.conftest import (
    AM_FIRING,
    AM_SECRET,
    GENERIC_SECRET,
    OG_CREATE,
    PD_TRIGGER,
    Counts,
    alerts_in,
    og_headers,
)
from warroom.db import Database
from warroom.intake.schemas import LINKS_DROPPED, check_text

AMH = {"Authorization": f"Bearer {AM_SECRET}", "Content-Type": "application/json"}
GENH = {"Authorization": f"Bearer {GENERIC_SECRET}", "Content-Type": "application/json"}
AM = "/api/v1/intake/alertmanager"


def test_alertmanager_keeps_only_web_links(client: TestClient, configured: Database) -> None:
    body = copy.deepcopy(AM_FIRING)
    body["alerts"] = body["alerts"][:1]
    body["alerts"][0]["generatorURL"] = "javascript:alert(document.cookie)"
    body["alerts"][0]["annotations"]["runbook_url"] = " JavaScript:alert(1)"
    r = client.post(AM, json=body, headers=AMH)
    assert r.status_code == 202, r.text
    (alert,) = alerts_in(configured)
    assert alert.links == []
    assert alert.annotations[LINKS_DROPPED] == "Source, Runbook"
    assert "runbook_url" not in alert.annotations
    assert "javascript" not in json.dumps([alert.links, alert.annotations]).lower()


def test_pagerduty_links_keep_https_and_drop_the_rest(
    client: TestClient, configured: Database
) -> None:
    event = copy.deepcopy(PD_TRIGGER)
    event["links"] = [
        {"href": "javascript:alert(1)", "text": "Evil"},
        {"href": "data:text/html,<script>", "text": "Data"},
        {"href": "https://runbooks.example.com/disk", "text": "Runbook"},
    ]
    event["client_url"] = "vbscript:msgbox"
    assert client.post("/v2/enqueue", json=event).status_code == 202
    (alert,) = alerts_in(configured)
    hrefs = [link["href"] for link in alert.links]
    assert "https://runbooks.example.com/disk" in hrefs
    assert all(h.startswith(("http://", "https://")) for h in hrefs)
    assert alert.annotations[LINKS_DROPPED] == "Evil, Data, Checkmon"


def test_generic_refuses_a_javascript_link(
    client: TestClient, configured: Database, counts: Counts
) -> None:
    before = counts()
    body = {"title": "x", "links": [{"href": "javascript:alert(1)", "text": "x"}]}
    r = client.post("/api/v1/intake/generic", json=body, headers=GENH)
    assert r.status_code == 422 and r.json()["error"]["field"] == "links[0].href"
    assert counts() == before


LONE = b'"\\ud800"'


def _am_with(value: bytes) -> bytes:
    body = copy.deepcopy(AM_FIRING)
    body["alerts"][0]["annotations"]["summary"] = "@@"
    return json.dumps(body).encode().replace(b'"@@"', value)


def _surrogate_cases() -> list[tuple[str, dict[str, str], bytes, str]]:
    pd = json.dumps({**PD_TRIGGER, "payload": {**PD_TRIGGER["payload"], "summary": "@@"}})
    og = json.dumps({**OG_CREATE, "message": "@@"})
    gen = json.dumps({"title": "@@"})
    return [
        (AM, AMH, _am_with(LONE), "alerts[0].annotations.summary"),
        ("/v2/enqueue", {}, pd.encode().replace(b'"@@"', LONE), "payload.summary"),
        ("/v2/alerts", og_headers(), og.encode().replace(b'"@@"', LONE), "message"),
        ("/api/v1/intake/generic", GENH, gen.encode().replace(b'"@@"', LONE), "title"),
    ]


@pytest.mark.parametrize("case", range(4), ids=["alertmanager", "pagerduty", "opsgenie", "generic"])
def test_lone_surrogates_are_a_4xx_naming_the_field(
    client: TestClient, configured: Database, counts: Counts, case: int
) -> None:
    url, headers, body, where = _surrogate_cases()[case]
    before = counts()
    r = client.post(url, content=body, headers=headers)
    assert 400 <= r.status_code < 500, r.text
    assert where in r.text and "surrogate" in r.text
    assert counts() == before


def test_a_valid_surrogate_pair_is_accepted(client: TestClient, configured: Database) -> None:
    r = client.post(AM, content=_am_with(b'"fire \\ud83d\\udd25"'), headers=AMH)
    assert r.status_code == 202, r.text
    assert alerts_in(configured)[0].annotations["summary"] == "fire \U0001f525"


def test_literal_backslash_u0000_text_is_not_a_nul(
    client: TestClient, configured: Database
) -> None:
    r = client.post(AM, content=_am_with(b'"path C:\\\\u0000 literal"'), headers=AMH)
    assert r.status_code == 202, r.text
    assert alerts_in(configured)[0].annotations["summary"] == "path C:\\u0000 literal"
    r = client.post(AM, content=_am_with(b'"real \\u0000 nul"'), headers=AMH)
    assert r.status_code == 422 and r.json()["error"]["field"] == "body"


@pytest.mark.parametrize(
    ("raw", "refused"),
    [
        (b'"\\u0000"', True),
        (b'"\\\\u0000"', False),
        (b'"\\\\\\u0000"', True),
        (b'"\\\\\\\\u0000"', False),
        (b'"\\udfff"', True),
        (b'"\\\\udfff"', False),
    ],
)
def test_check_text_counts_backslashes(raw: bytes, refused: bool) -> None:
    try:
        check_text(raw, json.loads(raw))
    except Exception:
        assert refused
    else:
        assert not refused


def test_a_huge_opsgenie_id_is_a_permanent_answer(
    client: TestClient, configured: Database, counts: Counts
) -> None:
    before = counts()
    for path in (f"/v2/alerts/{2**70}/close", f"/v2/alerts/{2**64}/acknowledge"):
        r = client.post(path, json={}, headers=og_headers())
        assert r.status_code < 500, r.text
    r = client.get(f"/v2/alerts/{2**70}", headers=og_headers())
    assert r.status_code == 404 and "does not exist" in r.json()["message"]
    r = client.get("/v2/alerts/\u00b2\u00b3", headers=og_headers())
    assert r.status_code == 404
    assert counts() == before


def test_non_ascii_heartbeat_key_is_refused(client: TestClient, configured: Database) -> None:
    r = client.post("/api/v1/heartbeats/nightly-backup?key=cl\u00e9")
    assert r.status_code == 401 and "key" in r.json()["error"]["message"]


@pytest.mark.parametrize(
    "path",
    [
        f"/api/v1/alerts/{2**63}",
        f"/api/v1/alerts?before_id={2**64}",
        f"/api/v1/silences/{2**63}/expire",
    ],
)
def test_ids_past_bigint_are_a_422(
    client: TestClient, configured: Database, admin_headers: dict[str, str], path: str
) -> None:
    method = client.post if path.endswith("expire") else client.get
    r = method(path, headers=admin_headers)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["field"] in ("alert_id", "before_id", "silence_id")


def test_unknown_well_formed_genie_key_is_could_not_authenticate(
    client: TestClient, configured: Database
) -> None:
    headers = {"Authorization": "GenieKey 00000000-1111-2222-3333-444444444444"}
    r = client.post("/v2/alerts", json=OG_CREATE, headers=headers)
    assert r.status_code == 401 and r.json()["message"] == "Could not authenticate"


def test_an_opsgenie_path_no_route_takes_answers_in_opsgenie_shape(
    client: TestClient, configured: Database
) -> None:
    """A line break in an alert's identifier (`/v2/alerts/%0Ax/notes`) matches no route; the
    404 is still the Opsgenie answer its OpenAPI document and the SDKs expect."""
    for method, path in (
        ("POST", "/v2/alerts/%0Aabc/notes"),
        ("POST", "/v2/alerts/a%0Ab/close"),
        ("GET", "/v2/alerts/%0A"),
    ):
        r = client.request(method, path, headers=og_headers(), json={})
        assert r.status_code == 404, (path, r.text)
        body = r.json()
        assert body["message"] and body["requestId"] and "took" in body, (path, body)
        assert "error" not in body
