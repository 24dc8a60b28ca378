"""The status page's subscribe form offers the page's components: a reader may ask to hear only
about those they use (the endpoint took `components` already; the form offered none, so a
person subscribing from the page always got every incident). None ticked: everything."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.integration.statuspage.page import apply
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.statuspage.models import Subscriber


def _subscribed(db: Database, email: str) -> list[str]:
    with db.session() as session:
        found = session.scalars(select(Subscriber).where(Subscriber.target == email)).one()
        return list(found.components or [])


def test_the_form_offers_the_components_and_keeps_the_choice(
    db: Database, clock: FakeClock, client: TestClient
) -> None:
    apply(db, clock)
    page = client.get("/status").text
    for key, name in (("api", "Public API"), ("web", "Website"), ("db", "Database")):
        assert f'<input type="checkbox" name="components" value="{key}"> {name}' in page
    browser = {"Accept": "text/html"}
    chosen = {"email": "ops@example.com", "components": ["api", "db"]}
    answer = client.post("/status/subscribers", data=chosen, headers=browser)
    assert answer.status_code == 202, answer.text
    assert _subscribed(db, "ops@example.com") == ["api", "db"]
    everything = {"email": "all@example.com"}
    assert client.post("/status/subscribers", data=everything, headers=browser).status_code == 202
    assert _subscribed(db, "all@example.com") == []
    # A component the page does not have is refused, naming it, and nothing is stored.
    odd = {"email": "x@example.com", "components": ["apii"]}
    refused = client.post("/status/subscribers", data=odd, headers=browser)
    assert refused.status_code == 422 and "apii" in refused.text
    with db.session() as session:
        assert (
            session.scalars(select(Subscriber).where(Subscriber.target == "x@example.com")).all()
            == []
        )
