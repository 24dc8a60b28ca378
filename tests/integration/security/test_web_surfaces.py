"""The web UI's edges (issue 13), generated from the route table where possible: every form POST
(under /ui/, /logout, /login, /invite/) refuses a missing or forged CSRF token with 403 and
writes nothing; invites and API tokens made from the pages never give more than an admin asked
for; evidence uploaded through a page keeps to the size limit and comes back as a download that
a browser will not run.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from tests.conftest import BindApp
from tests.factories import seed_catalog
from tests.integration.web.conftest import csrf, csrf_of, make_ui_user, ui_login
from warroom import models  # noqa: F401  (every table in the metadata)
from warroom.clock import FakeClock
from warroom.db import Base, Database
from warroom.evidence import service as evidence
from warroom.incidents import service as incidents
from warroom.settings import Settings
from warroom.web import deps as web_deps

__all__ = ["csrf", "make_ui_user", "ui_login"]  # fixtures

CSRF_DEPENDENCY = typing.get_args(web_deps.CsrfForm)[1].dependency
FORM_PREFIXES = ("/ui/", "/logout", "/login", "/invite/")


def _calls(dependant: Any) -> Iterator[Any]:
    yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def form_posts(app: FastAPI) -> list[tuple[str, APIRoute]]:
    """(path, route) of every state-changing route a browser form reaches."""
    found = []
    for route in app.routes:
        contexts = getattr(route, "effective_route_contexts", None)
        pairs = (
            [(c.path, c.original_route, set(c.methods)) for c in contexts()]
            if contexts is not None
            else [(getattr(route, "path", ""), route, set(getattr(route, "methods", ())))]
        )
        for path, original, methods in pairs:
            if not isinstance(original, APIRoute) or not path.startswith(FORM_PREFIXES):
                continue
            if methods - {"GET", "HEAD", "OPTIONS"}:
                found.append((path, original))
    return found


def _fill(path: str, number: int) -> str:
    """A URL for the route whose path parameters all parse (so the CSRF check is reached)."""
    sample = {"number": str(number), "step": "submit" if "postmortems" in path else "1"}
    sample |= {"action": "acknowledge", "kind": "md", "key": "checkout"}
    return re.sub(r"\{(\w+)\}", lambda m: sample.get(m.group(1), "1"), path)


def _row_counts(db: Database) -> dict[str, int]:
    with db.session() as session:
        return {
            table.name: int(session.scalar(select(func.count()).select_from(table)) or 0)
            for table in Base.metadata.sorted_tables
        }


def test_every_form_post_checks_csrf(client: TestClient) -> None:
    posts = form_posts(client.app)  # type: ignore[arg-type]
    assert len(posts) > 30
    unchecked = [p for p, r in posts if CSRF_DEPENDENCY not in set(_calls(r.dependant))]
    assert unchecked == [], "form POST routes without CsrfForm"


def test_form_posts_refuse_a_missing_or_forged_token_and_write_nothing(
    db: Database, clock: FakeClock, client: TestClient, ui_login: Callable[..., Any]
) -> None:
    with db.session() as session:
        seed_catalog(session)
        number = incidents.open_incident(
            session, clock, actor="admin@example.com", title="CSRF sweep", severity="SEV1"
        ).number
    ui_login(client, "admin")
    real = csrf_of(client.get("/ui/incidents").text)
    forged = real[:-4] + ("AAAA" if not real.endswith("AAAA") else "BBBB")
    before = _row_counts(db)
    problems = []
    for path, route in form_posts(client.app):  # type: ignore[arg-type]
        url = _fill(path, number)
        for method in sorted((route.methods or set()) - {"HEAD", "OPTIONS"}):
            for data in ({"note": "x"}, {"csrf_token": forged, "note": "x"}):
                answer = client.request(method, url, data=data, follow_redirects=False)
                if answer.status_code != 403:
                    problems.append(f"{method} {url} {sorted(data)}: {answer.status_code}")
    assert problems == [], "\n".join(problems)
    after = _row_counts(db)
    changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
    assert changed == {}
    # Still signed in, and the real token still works: the sweep refused by CSRF alone.
    answer = client.post(
        f"/ui/incidents/{number}/notes",
        data={"csrf_token": real, "text": "after the sweep"},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert _row_counts(db) != after


def test_form_bodies_are_bounded_before_they_are_read(
    client: TestClient, ui_login: Callable[..., Any]
) -> None:
    """An anonymous sign-in form, or a signed-in form beyond the evidence limit, is refused
    before its body is read (413): a multipart body would otherwise be spooled to disk whole."""
    settings = client.app.state.settings  # type: ignore[attr-defined]
    token = csrf_of(client.get("/login").text)
    big = b"x" * (settings.max_body_bytes + 1)
    answer = client.post(
        "/login", data={"csrf_token": token}, files={"f": ("a.bin", big)}, follow_redirects=False
    )
    assert answer.status_code == 413
    ui_login(client, "responder")
    page_token = csrf_of(client.get("/ui/incidents").text)
    huge = b"x" * (settings.max_body_bytes + settings.evidence_max_bytes + 1)
    answer = client.post(
        "/ui/incidents/1/evidence",
        data={"csrf_token": page_token},
        files={"file": ("a.bin", huge)},
        follow_redirects=False,
    )
    assert answer.status_code == 413
    # Ordinary forms are untouched.
    assert client.post("/logout", data={"csrf_token": page_token}).status_code == 200


def test_a_session_cookie_opens_no_review_api(
    client: TestClient, ui_login: Callable[..., Any]
) -> None:
    """The JSON API takes no cookie (so needs no CSRF token): a signed-in browser gets 401."""
    ui_login(client, "admin")
    assert client.get("/ui/postmortems").status_code == 200
    for method, url, body in (
        ("GET", "/api/v1/postmortems", None),
        ("GET", "/api/v1/action-items", None),
        ("GET", "/api/v1/analytics", None),
        ("POST", "/api/v1/drills", {"severity": "SEV1"}),
        ("POST", "/api/v1/users/invite", {"email": "x@example.com", "role": "admin"}),
    ):
        answer = client.request(method, url, json=body)
        assert answer.status_code == 401, (method, url, answer.status_code)


def test_only_admins_invite_and_an_invite_never_raises_a_role(
    client: TestClient,
    make_token: Callable[..., str],
    make_ui_user: Callable[..., Any],
    ui_login: Callable[..., Any],
) -> None:
    responder = {"Authorization": f"Bearer {make_token('responder')}"}
    admin = {"Authorization": f"Bearer {make_token('admin')}"}
    body = {"email": "new@example.com", "role": "admin"}
    assert client.post("/api/v1/users/invite", json=body, headers=responder).status_code == 403
    ui_login(client, "responder")
    token = csrf_of(client.get("/ui/incidents").text)
    page = client.post(
        "/ui/admin/invites", data={"csrf_token": token, **body}, follow_redirects=False
    )
    assert page.status_code == 403
    users = client.get("/api/v1/users", headers=admin).json()
    assert "new@example.com" not in str(users)
    # An invite without a role makes a viewer; the set-password form cannot ask for more.
    made = client.post("/api/v1/users/invite", json={"email": "new@example.com"}, headers=admin)
    assert made.status_code == 201 and made.json()["role"] == "viewer"
    link = made.json()["link"]
    invite_path = link[link.index("/invite/") :]
    with TestClient(client.app) as browser:
        form_token = csrf_of(browser.get(invite_path).text)
        accepted = browser.post(
            invite_path,
            data={
                "csrf_token": form_token,
                "password": "a long enough password",
                "confirm": "a long enough password",
                "role": "admin",
            },
            follow_redirects=False,
        )
        assert accepted.status_code == 303
        assert browser.get("/ui/admin", follow_redirects=False).status_code == 403
    # An admin who asks can invite an admin.
    asked = client.post(
        "/api/v1/users/invite", json={"email": "boss@example.com", "role": "admin"}, headers=admin
    )
    assert asked.status_code == 201 and asked.json()["role"] == "admin"


def test_the_admin_page_mints_no_token_wider_than_its_person(
    client: TestClient, make_ui_user: Callable[..., Any], ui_login: Callable[..., Any]
) -> None:
    viewer = make_ui_user("viewer")
    ui_login(client, "admin")
    token = csrf_of(client.get("/ui/admin").text)
    refused = client.post(
        "/ui/admin/tokens",
        data={"csrf_token": token, "name": "wide", "role": "admin", "user_email": viewer.email},
        follow_redirects=False,
    )
    assert refused.status_code in (403, 422) and "role" in refused.text
    assert "wr_" not in refused.text  # no secret shown
    minted = client.post(
        "/ui/admin/tokens",
        data={"csrf_token": token, "name": "narrow", "role": "", "user_email": viewer.email},
        follow_redirects=False,
    )
    assert minted.status_code == 200
    secret = re.search(r"wr_[A-Za-z0-9_-]{20,}", minted.text)
    assert secret, "the minted secret is shown once"
    headers = {"Authorization": f"Bearer {secret.group(0)}"}
    assert client.get("/api/v1/incidents", headers=headers).status_code == 200
    invite = {"email": "x@example.com"}
    assert client.post("/api/v1/users/invite", json=invite, headers=headers).status_code == 403
    opened = client.post(
        "/api/v1/incidents", json={"title": "x", "severity": "SEV1"}, headers=headers
    )
    assert opened.status_code == 403


def test_evidence_uploads_keep_to_the_limit_and_download_safely(
    bind_app: BindApp, db: Database, clock: FakeClock, tmp_path: Any, ui_login: Callable[..., Any]
) -> None:
    settings = Settings(
        database_url=db.url, secret_key="test-secret", data_dir=tmp_path, evidence_max_bytes=100
    )
    app = bind_app(settings, db, clock)
    with db.session() as session:
        seed_catalog(session)
        number = incidents.open_incident(
            session, clock, actor="t@example.com", title="Uploads", severity="SEV1"
        ).number
    with TestClient(app) as client:
        ui_login(client, "responder")
        token = csrf_of(client.get(f"/ui/incidents/{number}").text)
        url = f"/ui/incidents/{number}/evidence"
        big = client.post(
            url,
            data={"csrf_token": token},
            files={"file": ("big.log", b"x" * 101, "text/plain")},
            follow_redirects=False,
        )
        assert big.status_code in (303, 413)
        page = client.get(f"/ui/incidents/{number}").text
        assert "larger than the limit of 100 bytes" in page
        evil = b"<script>alert(1)</script>"
        sent = client.post(
            url,
            data={"csrf_token": token},
            files={"file": ('../../etc/pass"wd\r\n.html', evil, "text/html")},
            follow_redirects=False,
        )
        assert sent.status_code == 303
        with db.session() as session:
            incident = incidents.get_incident(session, number)
            items = evidence.list_evidence(session, incident)
        assert [i.size for i in items] == [len(evil)]  # the big one was not kept
        download = client.get(f"/ui/incidents/{number}/evidence/{items[0].id}")
        assert download.status_code == 200 and download.content == evil
        disposition = download.headers["content-disposition"]
        assert disposition.startswith("attachment;")
        name = disposition.split("filename=", 1)[1].strip('"')
        assert "/" not in name and ".." not in name and '"' not in name and "\r" not in name
        assert download.headers["x-content-type-options"] == "nosniff"


def test_an_e_mailed_invite_link_is_read_only_by_its_invitee_and_admins(
    bind_app: BindApp, db: Database, clock: FakeClock, tmp_path: Any, make_token: Callable[..., str]
) -> None:
    """The outbox shows a message's text to responders; an invite's link is a credential (it
    sets the invitee's password), so only the invitee and admins may read it there."""
    settings = Settings(
        database_url=db.url,
        secret_key="test-secret",
        data_dir=tmp_path,
        smtp_url="mailto://127.0.0.1:9?from=warroom@example.com",
    )
    app = bind_app(settings, db, clock)
    admin = {"Authorization": f"Bearer {make_token('admin')}"}
    responder = {"Authorization": f"Bearer {make_token('responder')}"}
    with TestClient(app) as client:
        body = {"email": "new-admin@example.com", "role": "admin", "send": True}
        made = client.post("/api/v1/users/invite", json=body, headers=admin)
        assert made.status_code == 201, made.text
        token = made.json()["link"].rsplit("/", 1)[1]
        [message] = client.get("/api/v1/notifications", headers=responder).json()
        url = f"/api/v1/notifications/{message['id']}/text"
        assert token in client.get(url, headers=admin).json()["body"]
        shown = client.get(url, headers=responder)
        assert shown.status_code in (200, 404)
        assert token not in shown.text
        assert client.get(f"/invite/{token}").status_code == 200  # the link still works
