"""A browser that posts the page's subscribe form and is refused gets a page, not JSON.

On a real warroom serve, typing `bob@` (or `bob@mail`, which the form's type=email lets
through) into the /status form answered a raw `{"error": {...}}` to the visitor, and so did
the per-client and hourly limits. A form post from a browser (it accepts text/html) now gets
the same status (422, 429 with Retry-After) as a page of the status page saying what is wrong;
JSON posts and clients that do not ask for HTML get the JSON error as before."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.integration.statuspage.page import apply
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.statuspage import subscribers

BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


def test_a_refused_form_post_from_a_browser_is_a_page(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    apply(db, clock)
    answer = client.post("/status/subscribers", data={"email": "bob@mail"}, headers=BROWSER)
    assert answer.status_code == 422
    assert answer.headers["content-type"].startswith("text/html")
    assert "A valid e-mail address is needed. Nothing was stored" in answer.text
    assert "Example Status" in answer.text
    unknown = {"email": "bob@example.com", "components": ["apii"]}
    answer = client.post("/status/subscribers", data=unknown, headers=BROWSER)
    assert answer.status_code == 422 and "&#39;apii&#39;" in answer.text
    # The API's clients still get the JSON error.
    answer = client.post("/status/subscribers", data={"email": "bob@mail"})
    assert answer.json()["error"]["field"] == "email"
    answer = client.post("/status/subscribers", json={"email": "bob@mail"}, headers=BROWSER)
    assert answer.json()["error"]["field"] == "email"


def test_the_limits_answer_a_browser_with_a_page_and_retry_after(
    db: Database, clock: FakeClock, client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    apply(db, clock)
    monkeypatch.setattr(subscribers, "CONFIRM_MAILS_PER_HOUR", 1)
    first = {"email": "one@example.com"}
    assert client.post("/status/subscribers", data=first, headers=BROWSER).status_code == 202
    answer = client.post("/status/subscribers", data={"email": "two@example.com"}, headers=BROWSER)
    assert answer.status_code == 429 and int(answer.headers["retry-after"]) > 0
    assert "Too many subscriptions wait for confirmation" in answer.text
    for n in range(3):
        client.post("/status/subscribers", data={"email": f"x{n}@example.com"}, headers=BROWSER)
    answer = client.post("/status/subscribers", data=first, headers=BROWSER)
    assert answer.status_code == 429 and int(answer.headers["retry-after"]) > 0
    assert "Too many subscribe requests; retry later. Nothing was stored" in answer.text


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_bad_link_followed_in_a_browser_is_a_page(
    db: Database, clock: FakeClock, client: TestClient, method: str
) -> None:
    # A confirm link opened from a mail after a week answered {"error": ...} in the browser.
    apply(db, clock)
    expired = subscribers.make_token("test-secret", "confirm", 1, expires=1)
    for token, words in ((expired, "This link has expired; subscribe again."),
                         ("forged.token", "This link is not valid.")):  # fmt: skip
        path = f"/status/subscribers/confirm/{token}"
        answer = client.request(method, path, headers=BROWSER)
        assert answer.status_code == 404
        assert answer.headers["content-type"].startswith("text/html")
        assert words in answer.text
        assert client.request(method, path).json()["error"]["field"] == "token"
    answer = client.request(method, "/status/subscribers/resubscribe/x", headers=BROWSER)
    assert answer.status_code == 404 and "No such page." in answer.text
