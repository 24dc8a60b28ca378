"""Fixtures: a seeded catalog, a session, and isolation from other domains' subscribers."""

from tests.integration.incidents.fixtures import (  # noqa: F401
    all_domains,
    only_our_subscribers,
    seeded,
    session,
)
