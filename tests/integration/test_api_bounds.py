"""Every id in a path or query is bounded, and JSON text no database can store is refused:
a 422 naming the parameter or field, never a 5xx, nothing written (issue 9).

The cases are generated from the OpenAPI document, so a route added later is covered too."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.integration.intake.conftest import GENIE_KEY, apply_config
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents.models import Incident
from warroom.openapi import MAX_BIG_ID, MAX_ID

TOO_BIG = [2**63, 2**64 + 7, MAX_ID + 1]
# An incident number in a path (INC-42, inc-42 or 42) is documented as a string of this shape.
NUMBER_PATTERN = r"^(?:[Ii][Nn][Cc]-)?[1-9][0-9]{0,8}$"


def incident_number(param: dict[str, Any]) -> bool:
    return bool(param["in"] == "path" and param["name"] == "number")


def integer_parameters(app: FastAPI) -> list[tuple[str, str, str, str]]:
    """(method, path, where, name) of every integer path or query parameter of the API, and of
    every incident number in a path."""
    found = []
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            for param in operation.get("parameters", []):
                schema = param["schema"]
                types = [schema.get("type")] + [s.get("type") for s in schema.get("anyOf", [])]
                if ("integer" in types and param["name"] != "limit") or incident_number(param):
                    found.append((method.upper(), path, param["in"], param["name"]))
    return found


def fill(path: str) -> str:
    """The path with every parameter set to a harmless value."""
    return re.sub(r"\{[^}]+\}", "1", path)


def test_every_integer_parameter_is_bounded_in_the_document(app: FastAPI) -> None:
    params = integer_parameters(app)
    assert len(params) > 40
    for method, path, _where, name in params:
        op = app.openapi()["paths"][path][method.lower()]
        param = next(p for p in op["parameters"] if p["name"] == name)
        schema = param["schema"]
        if incident_number(param):
            assert schema == {**schema, "type": "string", "pattern": NUMBER_PATTERN}, (path, name)
            continue
        bounded = [schema, *schema.get("anyOf", [])]
        integer = next(s for s in bounded if s.get("type") == "integer")
        assert integer.get("minimum") == 1, (method, path, name)
        assert integer.get("maximum", MAX_BIG_ID + 1) <= MAX_BIG_ID, (method, path, name)


@pytest.mark.parametrize("value", TOO_BIG)
def test_ids_past_the_column_answer_422_naming_the_parameter(
    client: TestClient, admin_headers: dict[str, str], db: Database, value: int
) -> None:
    app: Any = client.app
    for method, path, where, name in integer_parameters(app):
        op = app.openapi()["paths"][path][method.lower()]
        limit = next(p["schema"] for p in op["parameters"] if p["name"] == name)
        if "pattern" in limit:  # an incident number: INC-n, n at most MAX_ID
            maximum = MAX_ID
        else:
            maximum = (
                limit.get("maximum") or next(s for s in limit["anyOf"] if "maximum" in s)["maximum"]
            )
        if value <= maximum:
            continue
        if where == "path":
            url, params = path.replace("{" + name + "}", str(value)), {}
            url = fill(url)
        else:
            url, params = fill(path), {name: str(value)}
        answer = client.request(method, url, params=params, headers=admin_headers)
        assert answer.status_code == 422, (method, url, name, answer.text)
        assert answer.json()["error"]["field"] == name, (method, url, answer.text)


def test_job_ids_may_use_the_whole_bigint_range(
    client: TestClient, admin_headers: dict[str, str]
) -> None:
    answer = client.get(f"/api/v1/engine/jobs/{MAX_BIG_ID}", headers=admin_headers)
    assert answer.status_code == 404, answer.text
    assert client.get(f"/api/v1/engine/jobs/{2**63}", headers=admin_headers).status_code == 422


def incidents_in(db: Database) -> int:
    with db.session() as session:
        return session.scalar(select(func.count()).select_from(Incident)) or 0


RAW = '{"title": "checkout %s down", "severity": "SEV2", "tags": ["x"]}'


@pytest.mark.parametrize(
    ("escape", "field"),
    [("\\ud800", "title"), ("\\udfff", "title"), ("\\ud83d", "title"), ("\\u0000", "title")],
)
def test_unstorable_text_in_json_bodies_is_a_422_naming_the_field(
    client: TestClient, admin_headers: dict[str, str], db: Database, escape: str, field: str
) -> None:
    headers = {**admin_headers, "Content-Type": "application/json"}
    answer = client.post("/api/v1/incidents", content=RAW % escape, headers=headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field
    assert incidents_in(db) == 0


def test_lone_surrogates_are_named_deep_inside_a_body(
    client: TestClient, admin_headers: dict[str, str], db: Database
) -> None:
    headers = {**admin_headers, "Content-Type": "application/json"}
    body = '{"title": "t", "severity": "SEV2", "tags": ["ok", "bad \\udc00"]}'
    answer = client.post("/api/v1/incidents", content=body, headers=headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == "tags[1]"
    body = '{"title": "t", "severity": "SEV2", "impact": {"scope": "\\ud800"}}'
    answer = client.post("/api/v1/incidents", content=body, headers=headers)
    assert answer.json()["error"]["field"] == "impact.scope"
    assert incidents_in(db) == 0


def test_paired_surrogates_and_escaped_text_still_pass(
    client: TestClient, admin_headers: dict[str, str], db: Database, clock: FakeClock
) -> None:
    apply_config(db, clock)
    headers = {**admin_headers, "Content-Type": "application/json"}
    # An emoji as a surrogate pair, and the literal text backslash-u-d-8-0-0.
    body = '{"title": "checkout \\ud83d\\ude00 and \\\\ud800 \\\\u0000", "severity": "SEV2"}'
    answer = client.post("/api/v1/incidents", content=body, headers=headers)
    assert answer.status_code == 201, answer.text
    assert answer.json()["title"] == "checkout \U0001f600 and \\ud800 \\u0000"
    assert incidents_in(db) == 1


def test_every_api_operation_documents_its_error_answers(app: FastAPI) -> None:
    for path, operations in app.openapi()["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in operations.items():
            listed = set(operation["responses"])
            assert {"401", "413", "422", "503"} <= listed, (method, path, sorted(listed))


@pytest.mark.parametrize(
    ("url", "field"),
    [
        ("/api/v1/alerts?fingerprint=%00", "fingerprint"),
        ("/api/v1/alerts?limit=5&service=a%00b", "service"),
        ("/api/v1/incidents?severity=SEV1&severity=%00", "severity"),
        ("/api/v1/engine/jobs?kind=paging.%00", "kind"),
        ("/api/v1/heartbeats/db%00backup", "path"),
        ("/api/v1/schedules/primary%00", "path"),
    ],
)
def test_nul_in_a_query_or_path_is_a_422_naming_it(
    client: TestClient, admin_headers: dict[str, str], url: str, field: str
) -> None:
    answer = client.get(url, headers=admin_headers)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["field"] == field
    # The same URL without the NUL is answered by the route itself (an unknown key in a
    # filter is the route's own 422).
    clean = client.get(url.replace("%00", ""), headers=admin_headers)
    assert clean.status_code in (200, 404) or "unknown" in clean.json()["error"]["message"]


def test_opsgenie_ids_past_the_column_are_a_404_in_opsgenies_shape(
    client: TestClient, db: Database, clock: FakeClock
) -> None:
    from warroom.intake.api_opsgenie import request_id

    apply_config(db, clock)
    headers = {"Authorization": f"GenieKey {GENIE_KEY}"}
    for huge in (MAX_ID + 1, 2**40, MAX_BIG_ID):
        got = client.get(f"/v2/alerts/{huge}", headers=headers)
        assert got.status_code == 404, got.text
        assert "does not exist" in got.json()["message"]
        status = client.get(f"/v2/alerts/requests/{request_id('Close', huge)}", headers=headers)
        assert status.status_code == 404, status.text
        noted = client.post(f"/v2/alerts/{huge}/notes", json={"note": "n"}, headers=headers)
        assert noted.status_code == 404, noted.text
    assert incidents_in(db) == 0
