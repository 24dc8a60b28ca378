"""Front matter matchers against an incident's alert labels."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from warroom.runbooks.markdown import parse
from warroom.runbooks.service import _matches


def _incident() -> Any:
    return SimpleNamespace(services=[], severity="SEV2")


def test_a_matcher_on_a_label_the_alert_lacks_matches_nothing() -> None:
    """`matchers: {env: "None"}` attached to every alert without an env label (the missing
    label compared as the text "None")."""
    doc = parse('---\ntitle: T\nmatchers: {env: "None"}\n---\n- a\n')
    assert not _matches(doc, _incident(), [{"alertname": "Down"}])
    assert _matches(doc, _incident(), [{"alertname": "Down", "env": "None"}])
    prod = parse("---\ntitle: T\nmatchers: {env: prod}\n---\n- a\n")
    assert _matches(prod, _incident(), [{"env": "staging"}, {"env": "prod"}])
    assert not _matches(prod, _incident(), [])
