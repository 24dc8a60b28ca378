"""Malformed inputs: every one answers 4xx naming the field, and nothing is written."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.intake.conftest import (
    AM_FIRING,
    AM_SECRET,
    GENERIC_SECRET,
    GRAFANA,
    GRAFANA_SECRET,
    OG_CREATE,
    PD_TRIGGER,
    Counts,
    og_headers,
)
from warroom.db import Database


def am(path: list[Any], value: Any) -> dict[str, Any]:
    """AM_FIRING with one value replaced (value=KeyError deletes it)."""
    body = copy.deepcopy(AM_FIRING)
    target: Any = body
    for part in path[:-1]:
        target = target[part]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return body


def with_(base: dict[str, Any], path: list[Any], value: Any) -> dict[str, Any]:
    body = copy.deepcopy(base)
    target: Any = body
    for part in path[:-1]:
        target = target[part]
    if value is KeyError:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return body


AMH = {"Authorization": f"Bearer {AM_SECRET}"}
GFH = {"Authorization": f"Bearer {GRAFANA_SECRET}"}
GENH = {"Authorization": f"Bearer {GENERIC_SECRET}"}
OGH = og_headers()
AMU, PDU, OGU, GENU = (
    "/api/v1/intake/alertmanager",
    "/v2/enqueue",
    "/v2/alerts",
    "/api/v1/intake/generic",
)

CASES: list[tuple[str, str, dict[str, str], Any, int, str]] = [
    # (name, url, headers, body, status, field the answer must name)
    ("am-empty-body", AMU, AMH, b"", 400, "body"),
    ("am-not-json", AMU, AMH, b"{not json", 400, "body"),
    ("am-array", AMU, AMH, [AM_FIRING], 400, "body"),
    ("am-no-version", AMU, AMH, am(["version"], KeyError), 422, "version"),
    ("am-version-5", AMU, AMH, am(["version"], "5"), 422, "version"),
    ("am-no-alerts", AMU, AMH, am(["alerts"], KeyError), 422, "alerts"),
    ("am-empty-alerts", AMU, AMH, am(["alerts"], []), 422, "alerts"),
    ("am-alerts-object", AMU, AMH, am(["alerts"], {"a": 1}), 422, "alerts"),
    ("am-alert-string", AMU, AMH, am(["alerts", 0], "x"), 422, "alerts[0]"),
    ("am-bad-status", AMU, AMH, am(["alerts", 0, "status"], "pending"), 422, "alerts[0].status"),
    ("am-no-labels", AMU, AMH, am(["alerts", 0, "labels"], KeyError), 422, "alerts[0].labels"),
    (
        "am-label-number",
        AMU,
        AMH,
        am(["alerts", 0, "labels", "job"], 3),
        422,
        "alerts[0].labels.job",
    ),
    ("am-empty-labels", AMU, AMH, am(["alerts", 0, "labels"], {}), 422, "alerts[0].labels"),
    (
        "am-no-startsAt",
        AMU,
        AMH,
        am(["alerts", 0, "startsAt"], KeyError),
        422,
        "alerts[0].startsAt",
    ),
    (
        "am-startsAt-text",
        AMU,
        AMH,
        am(["alerts", 0, "startsAt"], "yesterday"),
        422,
        "alerts[0].startsAt",
    ),
    (
        "am-startsAt-month-13",
        AMU,
        AMH,
        am(["alerts", 0, "startsAt"], "2026-13-01T00:00:00Z"),
        422,
        "alerts[0].startsAt",
    ),
    (
        "am-startsAt-no-zone",
        AMU,
        AMH,
        am(["alerts", 0, "startsAt"], "2026-11-22T09:14:05"),
        422,
        "alerts[0].startsAt",
    ),
    ("am-endsAt-number", AMU, AMH, am(["alerts", 0, "endsAt"], 17), 422, "alerts[0].endsAt"),
    (
        "am-annotations-list",
        AMU,
        AMH,
        am(["alerts", 0, "annotations"], ["x"]),
        422,
        "alerts[0].annotations",
    ),
    (
        "am-generatorURL-number",
        AMU,
        AMH,
        am(["alerts", 0, "generatorURL"], 5),
        422,
        "alerts[0].generatorURL",
    ),
    (
        "am-fingerprint-number",
        AMU,
        AMH,
        am(["alerts", 1, "fingerprint"], 5),
        422,
        "alerts[1].fingerprint",
    ),
    ("am-second-alert-bad", AMU, AMH, am(["alerts", 1, "status"], "gone"), 422, "alerts[1].status"),
    ("am-groupKey-number", AMU, AMH, am(["groupKey"], 1), 422, "groupKey"),
    ("am-commonLabels-list", AMU, AMH, am(["commonLabels"], []), 422, "commonLabels"),
    (
        "grafana-no-startsAt",
        AMU,
        GFH,
        with_(GRAFANA, ["alerts", 0, "startsAt"], KeyError),
        422,
        "alerts[0].startsAt",
    ),
    ("pd-not-object", PDU, {}, [PD_TRIGGER], 400, "body"),
    (
        "pd-no-routing-key",
        PDU,
        {},
        with_(PD_TRIGGER, ["routing_key"], KeyError),
        400,
        "routing_key",
    ),
    ("pd-no-action", PDU, {}, with_(PD_TRIGGER, ["event_action"], KeyError), 400, "event_action"),
    ("pd-bad-action", PDU, {}, with_(PD_TRIGGER, ["event_action"], "snooze"), 400, "event_action"),
    ("pd-trigger-no-payload", PDU, {}, with_(PD_TRIGGER, ["payload"], KeyError), 400, "payload"),
    (
        "pd-no-summary",
        PDU,
        {},
        with_(PD_TRIGGER, ["payload", "summary"], KeyError),
        400,
        "payload.summary",
    ),
    (
        "pd-no-source",
        PDU,
        {},
        with_(PD_TRIGGER, ["payload", "source"], KeyError),
        400,
        "payload.source",
    ),
    (
        "pd-summary-too-long",
        PDU,
        {},
        with_(PD_TRIGGER, ["payload", "summary"], "x" * 1025),
        400,
        "payload.summary",
    ),
    ("pd-dedup-too-long", PDU, {}, with_(PD_TRIGGER, ["dedup_key"], "k" * 256), 400, "dedup_key"),
    (
        "pd-resolve-no-dedup",
        PDU,
        {},
        {"routing_key": PD_TRIGGER["routing_key"], "event_action": "resolve"},
        400,
        "dedup_key",
    ),
    # An unreadable payload.timestamp is the time of receipt: test_pagerduty_wire.py.
    ("pd-links-object", PDU, {}, with_(PD_TRIGGER, ["links"], {"href": "x"}), 400, "links"),
    (
        "pd-details-string",
        PDU,
        {},
        with_(PD_TRIGGER, ["payload", "custom_details"], "x"),
        400,
        "payload.custom_details",
    ),
    ("og-not-json", OGU, OGH, b"<xml/>", 400, "body"),
    ("og-message-too-long", OGU, OGH, with_(OG_CREATE, ["message"], "m" * 131), 422, "message"),
    ("og-bad-priority", OGU, OGH, with_(OG_CREATE, ["priority"], "P9"), 422, "priority"),
    ("og-tags-string", OGU, OGH, with_(OG_CREATE, ["tags"], "db"), 422, "tags"),
    (
        "og-details-number",
        OGU,
        OGH,
        with_(OG_CREATE, ["details", "lag_seconds"], 420),
        422,
        "details.lag_seconds",
    ),
    ("og-alias-too-long", OGU, OGH, with_(OG_CREATE, ["alias"], "a" * 513), 422, "alias"),
    (
        "og-close-bad-identifier-type",
        "/v2/alerts/x/close?identifierType=name",
        OGH,
        {},
        422,
        "identifierType",
    ),
    ("gen-unknown-field", GENU, GENH, {"title": "x", "sevrity": "SEV1"}, 422, "sevrity"),
    ("gen-no-title", GENU, GENH, {"severity": "SEV3"}, 422, "title"),
    ("gen-bad-status", GENU, GENH, {"title": "x", "status": "open"}, 422, "status"),
    ("gen-labels-list", GENU, GENH, {"title": "x", "labels": ["a"]}, 422, "labels"),
    (
        "gen-link-not-url",
        GENU,
        GENH,
        {"title": "x", "links": [{"href": "file:///etc"}]},
        422,
        "links[0].href",
    ),
    (
        "gen-batch-second-bad",
        GENU,
        GENH,
        {"alerts": [{"title": "ok"}, {"title": 5}]},
        422,
        "alerts[1].title",
    ),
    ("gen-nul-character", GENU, GENH, {"title": "a\u0000b"}, 422, "body"),
    (
        "gen-deep-nesting",
        GENU,
        GENH,
        b'{"title": ' + b"[" * 100000 + b"]" * 100000 + b"}",
        400,
        "body",
    ),
    ("gen-empty-batch", GENU, GENH, {"alerts": []}, 422, "alerts"),
]


def _field_of(body: dict[str, Any]) -> str:
    if "error" in body:
        return str(body["error"].get("field"))
    if "errors" in body and isinstance(body["errors"], list):  # PagerDuty
        return " ".join(body["errors"])
    if "errors" in body:  # Opsgenie
        return " ".join(body["errors"])
    return str(body)


@pytest.mark.parametrize("name,url,headers,body,status,field", CASES, ids=[c[0] for c in CASES])
def test_malformed_input_is_refused_and_nothing_is_written(
    client: TestClient,
    configured: Database,
    counts: Counts,
    name: str,
    url: str,
    headers: dict[str, str],
    body: Any,
    status: int,
    field: str,
) -> None:
    before = counts()
    content = body if isinstance(body, bytes) else json.dumps(body).encode()
    r = client.post(url, content=content, headers={**headers, "Content-Type": "application/json"})
    assert r.status_code == status, r.text
    assert field in _field_of(r.json()), r.json()
    assert counts() == before


def test_at_least_25_kinds() -> None:
    assert len(CASES) >= 25


# The webhook and generic endpoints carry whole groups: their own, larger limit.
BATCH = "intake_max_body_bytes"


@pytest.mark.parametrize(
    "url,headers,setting",
    [
        (AMU, AMH, BATCH),
        (PDU, {}, "max_body_bytes"),
        (OGU, OGH, "max_body_bytes"),
        (GENU, GENH, BATCH),
    ],
)
def test_body_over_the_limit_is_413(
    client: TestClient,
    configured: Database,
    counts: Counts,
    url: str,
    headers: dict[str, str],
    setting: str,
) -> None:
    before = counts()
    limit = getattr(client.app.state.settings, setting)  # type: ignore[attr-defined]
    big = b'{"x": "' + b"a" * (limit + 10) + b'"}'
    r = client.post(url, content=big, headers={**headers, "Content-Type": "application/json"})
    assert r.status_code == 413
    assert counts() == before


def test_413_does_not_trust_content_length(client: TestClient, configured: Database) -> None:
    """A chunked body without Content-Length is still cut off at the limit."""
    limit = client.app.state.settings.intake_max_body_bytes  # type: ignore[attr-defined]

    def chunks() -> Any:
        for _ in range(limit // 4096 + 2):
            yield b"a" * 4096

    r = client.post(AMU, content=chunks(), headers=AMH)
    assert r.status_code == 413
