"""The authorization sweep, generated from the route table.

Every API route declares its minimum role through the `Viewer`, `Responder` or `Admin`
dependency; the few that authenticate by other means are listed in SELF_AUTHENTICATED with the
credential they take. A new route with neither fails `test_every_route_declares_a_minimum`.

For every route and every principal (anonymous, a bogus token, each role, narrower tokens of an
admin, a deactivated user's and a revoked token), the answer must be 401 without a valid
credential, 403 below the minimum role, and neither at or above it. Routes of one incident are
swept again on a private incident: non-members are answered as for a number no incident has
(404, or 403 below the route's role), members and admins get through, and
no GET route shows a non-member anything of the private incident.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from tests.conftest import BindApp
from tests.factories import make_incident, make_user, seed_catalog
from warroom import deps
from warroom.app import create_app
from warroom.auth import service as auth_service
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.intake.models import Alert
from warroom.notify import service as notify
from warroom.settings import Settings
from warroom.web import deps as web_deps

ROLE_OF_DEPENDENCY = {
    typing.get_args(annotated)[1].dependency: role
    for annotated, role in (
        (deps.Viewer, "viewer"),
        (deps.Responder, "responder"),
        (deps.Admin, "admin"),
    )
}
RANK = {"viewer": 0, "responder": 1, "admin": 2}
# Web UI pages take the session cookie only: to any API token they answer 303 to /login.
UI_DEPENDENCIES = {
    typing.get_args(annotated)[1].dependency
    for annotated in (web_deps.UiViewer, web_deps.UiResponder, web_deps.UiAdmin)
} | {typing.get_args(web_deps.CsrfForm)[1].dependency}


@dataclass(frozen=True)
class Declared:
    """A route that checks its own credential: `token_role` is the least role an API token
    needs there, or None when API tokens are no credential for it at all."""

    credential: str
    token_role: str | None = None
    public: bool = False


INTEGRATION = Declared("the integration's own secret (header, basic auth, HMAC or routing_key)")
CAPABILITY = Declared("a signed capability token in the path")
STATUS_PAGE = Declared("none: the public status page", public=True)
SELF_AUTHENTICATED: dict[tuple[str, str], Declared] = {
    ("GET", "/healthz"): Declared("none: a health check", public=True),
    ("POST", "/api/v1/intake/alertmanager"): INTEGRATION,
    ("PUT", "/api/v1/intake/alertmanager"): INTEGRATION,
    ("POST", "/api/v1/intake/generic"): Declared("a generic integration's secret", "responder"),
    ("POST", "/v2/enqueue"): INTEGRATION,
    ("POST", "/v2/change/enqueue"): INTEGRATION,
    ("POST", "/v2/alerts"): INTEGRATION,
    ("GET", "/v2/alerts/requests/{requestId}"): INTEGRATION,
    ("GET", "/v2/alerts/{identifier:path}"): INTEGRATION,
    ("POST", "/v2/alerts/{identifier:path}/close"): INTEGRATION,
    ("POST", "/v2/alerts/{identifier:path}/acknowledge"): INTEGRATION,
    ("POST", "/v2/alerts/{identifier:path}/notes"): INTEGRATION,
    ("PUT", "/v2/alerts/{identifier:path}/{part}"): INTEGRATION,
    ("POST", "/api/v1/heartbeats/{name}"): Declared("the heartbeat's ?key=", "responder"),
    ("GET", "/ical/schedules/{token}.ics"): CAPABILITY,
    ("GET", "/ical/users/{token}.ics"): CAPABILITY,
    ("GET", "/p/{token}"): CAPABILITY,
    ("POST", "/p/{token}"): CAPABILITY,
    ("GET", "/metrics"): Declared("WARROOM_METRICS_TOKEN", "viewer"),
    ("GET", "/status"): STATUS_PAGE,
    ("GET", "/status/history"): STATUS_PAGE,
    ("GET", "/status/feed.atom"): STATUS_PAGE,
    ("GET", "/status/api/v2/summary.json"): STATUS_PAGE,
    ("GET", "/status/api/v2/status.json"): STATUS_PAGE,
    ("GET", "/status/api/v2/components.json"): STATUS_PAGE,
    ("GET", "/status/api/v2/incidents.json"): STATUS_PAGE,
    ("GET", "/status/api/v2/incidents/unresolved.json"): STATUS_PAGE,
    ("GET", "/status/api/v2/scheduled-maintenances.json"): STATUS_PAGE,
    ("GET", "/status/incidents/{status_id}"): Declared("none: a published incident's public id"),
    ("POST", "/status/subscribers"): Declared("none: e-mail double opt-in", public=True),
    ("GET", "/status/subscribers/{action}/{token}"): CAPABILITY,
    ("POST", "/status/subscribers/{action}/{token}"): CAPABILITY,
    ("GET", "/"): Declared("none: the dashboard, or a redirect to /login", public=True),
    ("GET", "/ui"): Declared("none: a redirect to the dashboard at /", public=True),
    ("GET", "/ui/"): Declared("none: a redirect to the dashboard at /", public=True),
    ("GET", "/login"): Declared("none: the sign-in form", public=True),
    ("POST", "/login"): Declared("e-mail and password, in a form with a CSRF token"),
    ("POST", "/logout"): Declared("the session cookie, in a form with a CSRF token"),
    ("GET", "/invite/{token}"): CAPABILITY,
    ("POST", "/invite/{token}"): CAPABILITY,
    ("GET", "/docs"): Declared("none: the API's documentation page", public=True),
    ("GET", "/docs/assets/{name}"): Declared("none: the documentation page's assets (by name)"),
}
REFUSED = {401, 403, 404, 410}
# Routes whose minimum role acts only on the caller's own person; below admin, acting on someone
# else (the sweep's sample names another person) is refused with 403.
OWN_PERSON_BELOW_ADMIN = {("POST", "/api/v1/notifications/test")}
# Well-formed payloads for the routes that read their credential or their body first, so that
# only the credential stands between the caller and a stored alert.
_ALERT = {"status": "firing", "labels": {"alertname": "Sweep"}, "annotations": {}}
_PD = {"summary": "Sweep", "source": "sweep", "severity": "critical"}
BODIES: dict[str, object] = {
    "/api/v1/intake/alertmanager": {
        "version": "4", "status": "firing", "receiver": "warroom", "groupKey": "sweep",
        "groupLabels": {}, "commonLabels": {}, "commonAnnotations": {}, "externalURL": "",
        "alerts": [_ALERT | {"startsAt": "2026-01-01T00:00:00Z", "fingerprint": "abc"}],
    },
    "/api/v1/intake/generic": {"title": "Sweep", "severity": "SEV3"},
    "/v2/enqueue": {"routing_key": "R" * 32, "event_action": "trigger", "payload": _PD},
    "/v2/change/enqueue": {"routing_key": "R" * 32, "payload": {"summary": "Sweep"}},
    "/v2/alerts": {"message": "Sweep"},
    "/status/subscribers": {"email": "sweep@example.com"},
}  # fmt: skip


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    minimum: str | None  # from the route's dependencies
    declared: Declared | None
    ui: bool = False  # a web UI page (session cookie): API tokens are sent to /login


def _api_routes(app: FastAPI) -> Iterator[tuple[APIRoute, str, set[str]]]:
    """Every APIRoute with its full path, including those of included routers."""
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        if contexts is not None:  # FastAPI >= 0.16x keeps included routers as one entry
            for context in contexts():
                if isinstance(context.original_route, APIRoute):
                    yield context.original_route, context.path, set(context.methods)
        elif isinstance(route, APIRoute):
            yield route, route.path, set(route.methods or ())


def _minimum(route: APIRoute) -> str | None:
    found: list[str] = []
    stack = list(route.dependant.dependencies)
    while stack:
        dependency = stack.pop()
        if dependency.call in ROLE_OF_DEPENDENCY:
            found.append(ROLE_OF_DEPENDENCY[dependency.call])
        stack.extend(dependency.dependencies)
    return max(found, key=RANK.__getitem__) if found else None


def _is_ui(route: APIRoute) -> bool:
    stack = list(route.dependant.dependencies)
    while stack:
        dependency = stack.pop()
        if dependency.call in UI_DEPENDENCIES:
            return True
        stack.extend(dependency.dependencies)
    return False


def operations(app: FastAPI) -> list[Operation]:
    found = []
    for route, path, methods in _api_routes(app):
        for method in sorted(methods - {"HEAD", "OPTIONS"}):
            minimum = _minimum(route)
            declared = SELF_AUTHENTICATED.get((method, path))
            ui = declared is None and _is_ui(route)
            found.append(Operation(method, path, minimum, declared, ui))
    return found


def test_every_route_declares_a_minimum(tmp_path: object) -> None:
    app = create_app(Settings(database_url="sqlite://", secret_key="k"))
    ops = operations(app)
    assert len(ops) > 80
    undeclared = [
        f"{o.method} {o.path}" for o in ops if o.minimum is None and o.declared is None and not o.ui
    ]
    assert undeclared == [], "routes without Viewer/Responder/Admin and not in SELF_AUTHENTICATED"
    both = [f"{o.method} {o.path}" for o in ops if o.minimum is not None and o.declared]
    assert both == [], "routes in SELF_AUTHENTICATED that also depend on a role: remove them"
    known = {(o.method, o.path) for o in ops}
    stale = sorted(f"{m} {p}" for m, p in SELF_AUTHENTICATED if (m, p) not in known)
    assert stale == [], "SELF_AUTHENTICATED names routes that no longer exist"


# -- the world the sweep runs in -------------------------------------------------------------

SECRET_TITLE = "PRIVATECANARY acquisition of Globex"


@dataclass
class World:
    public_number: int
    private_number: int
    private_alert: int
    private_message: int
    headers: dict[str, dict[str, str]]  # principal -> headers
    roles: dict[str, str | None]  # principal -> effective role (None: no valid credential)


def _token(db: Database, clock: FakeClock, email: str, user_role: str, role: str) -> str:
    with db.session() as session:
        user = auth_service.ensure_user(session, clock, email=email, name="T", role=user_role)
        return auth_service.create_token(session, clock, user, name=role, role=role)[1]


def _principals(db: Database, clock: FakeClock) -> tuple[dict[str, str], dict[str, str | None]]:
    tokens = {
        "viewer": _token(db, clock, "viewer@example.com", "viewer", "viewer"),
        "responder": _token(db, clock, "responder@example.com", "responder", "responder"),
        "admin": _token(db, clock, "admin@example.com", "admin", "admin"),
        "admin-as-viewer": _token(db, clock, "boss@example.com", "admin", "viewer"),
        "admin-as-responder": _token(db, clock, "boss@example.com", "admin", "responder"),
        "deactivated-admin": _token(db, clock, "gone@example.com", "admin", "admin"),
        "revoked-admin": _token(db, clock, "admin@example.com", "admin", "admin"),
        "bogus": "wr_" + "x" * 43,
    }
    with db.session() as session:
        auth_service.get_user_by_email(session, "gone@example.com").active = False
        revoked = auth_service.authenticate(session, clock, tokens["revoked-admin"])
        assert revoked is not None
        auth_service.revoke_token(session, clock, revoked, revoked.token_id or 0)
    roles: dict[str, str | None] = {
        "anonymous": None,
        "bogus": None,
        "deactivated-admin": None,
        "revoked-admin": None,
        "viewer": "viewer",
        "responder": "responder",
        "admin": "admin",
        "admin-as-viewer": "viewer",
        "admin-as-responder": "responder",
    }
    return tokens, roles


def _build_world(db: Database, clock: FakeClock) -> World:
    tokens, roles = _principals(db, clock)
    tokens["member"] = _token(db, clock, "member@example.com", "viewer", "viewer")
    with db.session() as session:
        seed_catalog(session)
        public = make_incident(session, clock, title="Publishing halted")
        private = make_incident(session, clock, title=SECRET_TITLE, private=True,
                                actor="member@example.com")  # fmt: skip
        alert = Alert(
            integration="alertmanager", fingerprint="f1", status="firing",
            labels={"alertname": SECRET_TITLE}, annotations={}, summary=SECRET_TITLE,
            links=[], raw={}, first_seen_at=clock.now(), last_seen_at=clock.now(),
            incident_id=private.id, incident_number=private.number,
        )  # fmt: skip
        session.add(alert)
        make_user(session, clock, "paged@example.com")
        message = notify.queue_message(
            session, clock, url="json://127.0.0.1:9/hook", title=f"[SEV2] {SECRET_TITLE}",
            body=SECRET_TITLE, incident_id=private.id, user_id=None,
            idempotency_key="sweep:1", purpose="page",
        )  # fmt: skip
        session.flush()
        world = World(public.number, private.number, alert.id, message.id, {}, roles)
    world.headers = {"anonymous": {}} | {
        name: {"Authorization": f"Bearer {token}"} for name, token in tokens.items()
    }
    return world


TEXT_PARAMS = {"token", "name", "key", "role", "user_email", "identifier", "requestId", "part"}


def _fill(path: str, number: int, ids: dict[str, int]) -> str:
    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name == "number":
            return str(number)
        return "sweep" if name in TEXT_PARAMS else str(ids.get(name, 999_999))

    return re.sub(r"\{(\w+)\}", value, path)


def _sample(schema: dict[str, Any], doc: dict[str, Any], name: str = "") -> Any:
    """The smallest value a JSON schema accepts: required properties only."""
    if "$ref" in schema:
        return _sample(doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]], doc, name)
    options = [o for o in schema.get("anyOf", []) if o.get("type") != "null"]
    if options:
        return _sample(options[0], doc, name)
    if "enum" in schema:
        return schema["enum"][0]
    kind = schema.get("type", "string")
    if kind == "object":
        props = schema.get("properties", {})
        return {k: _sample(props[k], doc, k) for k in schema.get("required", [])}
    if kind == "array":
        return [_sample(schema.get("items", {}), doc, name)] if schema.get("minItems") else []
    simple = {"integer": 1, "number": 1, "boolean": False}
    if kind in simple:
        return simple[kind]
    return "sweep@example.com" if "email" in name else "sweep"


@dataclass(frozen=True)
class Request:
    url: str
    json: Any = None
    files: dict[str, Any] | None = None
    data: dict[str, Any] | None = None


def _request(op: Operation, url: str, doc: dict[str, Any]) -> Request:
    """A well-formed request for the operation, from its OpenAPI entry (or BODIES)."""
    entry = doc["paths"].get(op.path, {}).get(op.method.lower(), {})
    query = [p["name"] for p in entry.get("parameters", []) if p["in"] == "query" and p["required"]]
    if query:
        url += "?" + "&".join(f"{name}=sweep" for name in query)
    if op.path in BODIES and op.method in ("POST", "PUT"):
        return Request(url, json=BODIES[op.path])
    content = entry.get("requestBody", {}).get("content", {})
    if "multipart/form-data" in content:
        form = _sample(content["multipart/form-data"]["schema"], doc)
        files = {k: ("sweep.txt", b"sweep") for k, v in form.items() if v == "sweep"}
        return Request(url, files=files, data={k: v for k, v in form.items() if k not in files})
    if "application/json" in content:
        return Request(url, json=_sample(content["application/json"]["schema"], doc))
    return Request(url)


def _call(client: TestClient, op: Operation, url: str, headers: dict[str, str]) -> int:
    doc = client.app.openapi()  # type: ignore[attr-defined]
    req = _request(op, url, doc)
    body = {"json": req.json, "files": req.files, "data": req.data}
    answer = client.request(op.method, req.url, headers=headers, follow_redirects=not op.ui, **body)
    return answer.status_code


def _expected_problem(op: Operation, role: str | None, status: int) -> str | None:
    """What is wrong with answering `status` to a caller of `role`, or None."""
    if status >= 500:
        return f"answered {status}"
    if op.ui:
        return None if status == 303 else f"web UI page answered {status}, not 303 to /login"
    declared = op.declared
    if declared is not None and declared.public:
        # 429: a public form's rate limit (the sweep posts it once per principal), not a refusal
        return None if status < 400 or status == 429 else f"public route answered {status}"
    if declared is not None and (declared.token_role is None or role is None):
        return None if status in REFUSED else f"allowed ({status}) without its own credential"
    minimum = declared.token_role if declared is not None else op.minimum
    assert minimum is not None
    if role is None:
        return None if status == 401 else f"answered {status} instead of 401"
    if RANK[role] < RANK[minimum]:
        return None if status == 403 else f"answered {status} to {role}, below {minimum}"
    if (op.method, op.path) in OWN_PERSON_BELOW_ADMIN and RANK[role] < RANK["admin"]:
        return None if status == 403 else f"answered {status} to {role} acting on another person"
    return f"refused ({status}) a {role} at least {minimum}" if status in (401, 403) else None


@pytest.fixture
def sweep(
    bind_app: BindApp, db: Database, clock: FakeClock, tmp_path: object
) -> Iterator[tuple[TestClient, World]]:
    settings = Settings(database_url=db.url, secret_key="sweep-secret", data_dir=tmp_path)
    app = bind_app(settings, db, clock)
    world = _build_world(db, clock)
    with TestClient(app) as client:
        yield client, world


def test_every_route_enforces_its_minimum_role(sweep: tuple[TestClient, World]) -> None:
    client, world = sweep
    problems = []
    ops = operations(client.app)  # type: ignore[arg-type]
    # Safe ones first: a DELETE or POST that succeeds must not change what later calls see.
    ops.sort(key=lambda o: o.method != "GET")
    for op in ops:
        url = _fill(op.path, world.public_number, {})
        for principal, role in world.roles.items():
            status = _call(client, op, url, world.headers[principal])
            problem = _expected_problem(op, role, status)
            if problem:
                problems.append(f"{op.method} {op.path} as {principal}: {problem}")
    assert not problems, "\n".join(problems)


MISSING_NUMBER = 999_999


def test_private_incident_routes_refuse_non_members(sweep: tuple[TestClient, World]) -> None:
    client, world = sweep
    ops = [o for o in operations(client.app) if "{number}" in o.path and not o.ui]  # type: ignore[arg-type]
    assert len(ops) > 25
    problems = []
    for op in sorted(ops, key=lambda o: o.method != "GET"):
        url = _fill(op.path, world.private_number, {})
        missing = _fill(op.path, MISSING_NUMBER, {})
        for principal in ("viewer", "responder", "admin-as-responder"):
            status = _call(client, op, url, world.headers[principal])
            # Refused exactly as a number no incident has: a 403 would say that it exists.
            as_missing = _call(client, op, missing, world.headers[principal])
            if status not in (403, 404) or status != as_missing:
                problems.append(
                    f"{op.method} {op.path} as non-member {principal}: {status}"
                    f" (a missing incident: {as_missing})"
                )
        # Members (the creator, a viewer) read it; admins do anything their role allows.
        insiders = ("member", "admin") if op.minimum == "viewer" else ("admin",)
        for principal in insiders:
            status = _call(client, op, url, world.headers[principal])
            if status in (401, 403) or status >= 500:
                problems.append(f"{op.method} {op.path} as {principal}: {status}")
    assert not problems, "\n".join(problems)


def test_non_members_see_no_trace_of_a_private_incident(
    sweep: tuple[TestClient, World],
) -> None:
    client, world = sweep
    ids = {"alert_id": world.private_alert, "message_id": world.private_message}
    leaks = []
    for op in operations(client.app):  # type: ignore[arg-type]
        if op.method != "GET":
            continue
        url = _fill(op.path, world.private_number, ids)
        for principal in ("viewer", "responder", "admin-as-viewer"):
            answer = client.get(url, headers=world.headers[principal])
            if "PRIVATECANARY" in answer.text or answer.status_code >= 500:
                leaks.append(f"GET {op.path} as {principal}: {answer.status_code}")
    assert not leaks, "\n".join(leaks)
    # The same routes do show it to a member and to an admin: the sweep can see a leak.
    for principal in ("member", "admin"):
        for url in ("/api/v1/notifications", "/api/v1/alerts",
                    f"/api/v1/notifications/{world.private_message}",
                    f"/api/v1/alerts/{world.private_alert}", "/api/v1/incidents"):  # fmt: skip
            answer = client.get(url, headers=world.headers[principal])
            assert "PRIVATECANARY" in answer.text, (principal, url)
    hidden = client.get(
        f"/api/v1/notifications/{world.private_message}", headers=world.headers["viewer"]
    )
    assert hidden.status_code == 404
    assert hidden.json()["error"]["field"] == "message_id"
