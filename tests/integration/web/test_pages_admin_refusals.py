"""A refused token or invite form on /ui/admin lost its choices: the token form's "For"
went back to the admin themself and its role to "the person's role", so an admin who fixed
the name and sent it again minted a token for themself, not for the person they had chosen;
the invite form forgot the role and "also e-mail". The choices are now kept, and the field a
refusal names has the focus and is described by the reason (the forms are at the foot of the
page, below the lists)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import select

from warroom.auth.models import ApiToken

PAGE = "/ui/admin"


def _tag(page: str, element_id: str) -> str:
    found = re.search(rf'<(?:input|select)[^>]*id="{element_id}"[^>]*>', page)
    assert found, element_id
    return found.group(0)


def _selected(page: str, select_id: str) -> str:
    block = re.search(rf'<select[^>]*id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert block, select_id
    chosen = re.findall(r'<option value="([^"]*)" selected>', block.group(1))
    return chosen[0] if chosen else ""


def test_a_refused_token_keeps_the_person_and_role_chosen(
    client: TestClient,
    db: Any,
    ui_login: Callable[..., Any],
    make_ui_user: Callable[..., Any],
    csrf: Callable[[TestClient, str], str],
) -> None:
    other = make_ui_user("responder", "deploy-bot@example.com")
    ui_login(client, "admin")
    data = {
        "csrf_token": csrf(client, PAGE),
        "name": "x" * 201,
        "user_email": other.email,
        "role": "viewer",
    }
    answer = client.post(f"{PAGE}/tokens", data=data)
    assert answer.status_code == 422
    assert _selected(answer.text, "tok-user") == other.email
    assert _selected(answer.text, "tok-role") == "viewer"
    name = _tag(answer.text, "tok-name")
    assert "autofocus" in name and 'aria-describedby="token-error"' in name
    with db.session() as session:
        assert session.scalars(select(ApiToken)).all() == []


def test_a_refused_invite_keeps_the_role_and_send_chosen(
    client: TestClient,
    ui_login: Callable[..., Any],
    csrf: Callable[[TestClient, str], str],
) -> None:
    ui_login(client, "admin")
    token = csrf(client, PAGE)
    data = {"csrf_token": token, "email": "not an address", "role": "responder", "send": "1"}
    answer = client.post(f"{PAGE}/invites", data=data)
    assert answer.status_code == 422
    assert _selected(answer.text, "inv-role") == "responder"
    assert "checked" in _tag(answer.text, "inv-send")
    email = _tag(answer.text, "inv-email")
    assert "autofocus" in email and 'aria-describedby="invite-error"' in email
    assert 'value="not an address"' in email
