"""What a notification target, a delivery's answer and an http action's headers look like when
shown: a URL by scheme and host only, an e-mail address by its domain, every header masked."""

from __future__ import annotations

import pytest

from warroom.redaction import (
    MASK,
    mask_answer,
    mask_change,
    mask_document,
    mask_url,
    secret_values,
)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("json://hooks.corp.test/T0ALICE/B0ALICE/XOXSECRETPATH", "json://hooks.corp.test/…"),
        ("json://user:pw@hooks.corp.test:8080/p?method=POST", "json://hooks.corp.test:8080/…"),
        ("ntfy://ntfy.sh/secret-topic", "ntfy://ntfy.sh/…"),
        ("https://user:pw@hooks.slack.com/services/T0/B0/XYZ?x=1", "https://hooks.slack.com/…"),
        ("mailto://warroom:pw@smtp.corp.test?from=w@corp.test&to=jane@gmail.test",
         "mailto://smtp.corp.test/…"),
        ("mailto://jane.customer:pw@gmail.com", "mailto://gmail.com/…"),
        ("slack://T1JJ3T3L2/A1BRTD4JD/TIiajkdnlazkcOXrIdevi7FQ", "slack://T...2/…"),
        ("bogus://x/secret", "bogus://…"),
        ("not a url", "?://…"),
    ],
)  # fmt: skip
def test_a_target_shows_its_scheme_and_host_only(url: str, shown: str) -> None:
    assert mask_url(url) == shown


def test_an_answer_names_no_url_path_and_no_recipient() -> None:
    answer = (
        "INFO - Sent Email to jane.customer@gmail.test\n"
        "WARNING - POST json://hooks.corp.test/T0/B0/XOXSECRET failed\n"
        "HTTP 400: unknown hook https://hooks.corp.test/services/T0/XOXSECRET, token=abc123xyz"
    )
    shown = mask_answer(answer)
    assert "XOXSECRET" not in shown and "jane.customer" not in shown and "abc123xyz" not in shown
    assert "Sent Email to ***@gmail.test" in shown
    assert "json://hooks.corp.test/… failed" in shown
    assert mask_answer(shown) == shown  # shown twice (stored, then listed): the same
    assert (
        mask_answer("HTTP 500 Internal Server Error: down")
        == "HTTP 500 Internal Server Error: down"
    )


def test_every_header_of_an_http_action_is_masked_whatever_its_name() -> None:
    headers = {"DD-API-KEY": "ddSECRET1", "X-Team": "tSECRET2", "Authorization": "Bearer aSECRET3"}
    action = {
        "id": "pause",
        "kind": "http",
        "http": {"url": "https://api.test/v1", "headers": headers},
    }
    masked = mask_document({"actions": [action]})["actions"][0]
    assert masked["http"]["headers"] == dict.fromkeys(headers, MASK)
    assert masked["id"] == "pause"
    assert secret_values({"actions": [action]}) >= {"ddSECRET1", "tSECRET2", "Bearer aSECRET3"}


@pytest.mark.parametrize("name", ["api-key", "X-Api-Key", "DD-API-KEY", "api_key", "apikey"])
def test_a_hyphenated_api_key_is_a_secret_field(name: str) -> None:
    assert mask_document({name: "v4lue"}) == {name: MASK}
    assert MASK in mask_answer(f"{name}=v4lue") and "v4lue" not in mask_answer(f"{name}=v4lue")


def test_an_http_actions_body_template_shows_no_literal_secret() -> None:
    body = (
        '{"routing_key": "R0UTE-1", "token": "t0k-2", "password": 12345,'
        ' "note": "{{ note }}", "api_key": "{{ params.api_key }}", "n": 3}'
    )
    action = {"id": "tell", "kind": "http", "http": {"url": "https://e.test/v2", "body": body}}
    shown = mask_document({"actions": [action]})["actions"][0]["http"]["body"]
    assert shown == (
        '{"routing_key": "***", "token": "***", "password": ***,'
        ' "note": "{{ note }}", "api_key": "{{ params.api_key }}", "n": 3}'
    )
    assert secret_values({"actions": [action]}) >= {"R0UTE-1", "t0k-2", "12345"}
    form = "channel=ops&secret='a b'&signature=s1g&text={{ incident.ref }}"
    assert mask_document({"body": form}) == {
        "body": "channel=ops&secret='***'&signature=***&text={{ incident.ref }}"
    }
    # In a plan too, URLs inside the body as well
    assert mask_change('{"token": "t0k-2", "cb": "https://u:pw@h.test/x"}', "body") == (
        '{"token": "***", "cb": "https://h.test/…"}'
    )
    assert mask_document({"description": '"token": "t0k-2"'})["description"] == (
        '"token": "t0k-2"'  # only an action's body is read as a body
    )
