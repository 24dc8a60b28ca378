"""A page to a viewer carries no Acknowledge or Resolve link.

A viewer may be paged to be told (examples/oracle's CTO at the last level), but may not
acknowledge or resolve: their page's links answered 410 "is a viewer" when clicked, at 3am.
The page now leaves out what its reader cannot do, and keeps the incident's page and screen."""

from __future__ import annotations

from tests.factories import make_incident, make_user
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.paging.pager import compose
from warroom.settings import Settings


def test_a_viewer_is_paged_without_acting_links_a_responder_with(
    db: Database, clock: FakeClock, settings: Settings
) -> None:
    settings.secret_key = "links-secret"
    with db.session() as session:
        incident = make_incident(session, clock)
        viewer = make_user(session, clock, "cto@example.com", role="viewer")
        responder = make_user(session, clock, "oncall@example.com")
        _, told = compose(settings, clock, incident, viewer, "Escalated to you")
        _, paged = compose(settings, clock, incident, responder, "Escalated to you")
    for line in ("Acknowledge: ", "Resolve: ", "CLI: warroom incident ack"):
        assert line not in told, told
        assert line in paged, paged
    for line in ("Open: ", f"Show: warroom incident show {incident.ref}"):
        assert line in told and line in paged
