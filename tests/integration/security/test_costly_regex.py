"""A regex typed by a caller (the alert list's label filter, a viewer's; a silence's matcher, a
responder's) that can backtrack for ever is refused, 422 naming the field. Before, one viewer's
GET /api/v1/alerts?label=service=~"(.*.*.*.*.*.*.*.*.*.*)*z" held the Python interpreter: on a
real warroom serve even /healthz went unanswered for more than 30 s (the regex engine never
lets go), and a silence with such a matcher would be matched against every alert that arrives.
Regexes written in the config are the admin's and are not checked."""

from __future__ import annotations

from fastapi.testclient import TestClient

H = dict[str, str]
COSTLY = ('service=~"(.*.*)*z"', 'service=~"(a|aa)+"', 'service=~".*a.*b.*c.*d"')


def test_a_costly_regex_is_refused_where_callers_type_one(
    client: TestClient, viewer_headers: H, responder_headers: H
) -> None:
    for matcher in COSTLY:
        listed = client.get("/api/v1/alerts", params={"label": matcher}, headers=viewer_headers)
        assert listed.status_code == 422, (matcher, listed.text)
        assert listed.json()["error"]["field"] == "label"
        assert "could take for ever" in listed.json()["error"]["message"]
        body = {"matchers": [matcher], "duration": "1h", "comment": "deploy"}
        silenced = client.post("/api/v1/silences", json=body, headers=responder_headers)
        assert silenced.status_code == 422, (matcher, silenced.text)
        assert silenced.json()["error"]["field"] == "matchers[0]"
    # Ordinary regexes are taken as before.
    ordinary = 'service=~"web-.*|api-[a-z]+"'
    listed = client.get("/api/v1/alerts", params={"label": ordinary}, headers=viewer_headers)
    assert listed.status_code == 200, listed.text
    body = {"matchers": [ordinary], "duration": "1h", "comment": "deploy"}
    assert client.post("/api/v1/silences", json=body, headers=responder_headers).status_code == 201
