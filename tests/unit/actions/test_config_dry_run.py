"""A dry-run variant must differ from the real run.

A dry run needs no approval, counts against no limit and is never an active mitigation. With
`dry_run: {}` (or a variant argv equal to the real one and nothing appended) the "dry run"
rendered the real argv, so `--dry-run` ran the mitigation itself past the two-person rule.
Such a config is refused, as is a `dry_run` on an http action (whose dry run only shows
the request and would silently ignore it)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from warroom.actions.config import ActionConfig

BASE: dict[str, Any] = {
    "id": "halt",
    "title": "Halt trading",
    "kind": "command",
    "argv": ["kubectl", "halt", "{{ market }}"],
    "params": [{"name": "market"}],
    "reversible": False,
}


@pytest.mark.parametrize(
    "dry_run",
    [
        {},
        {"append": []},
        {"argv": ["kubectl", "halt", "{{ market }}"]},
        {"argv": ["kubectl", "halt", "{{ market }}"], "append": []},
    ],
)
def test_a_dry_run_that_is_the_real_run_is_refused(dry_run: dict[str, Any]) -> None:
    with pytest.raises(ValidationError, match="dry_run"):
        ActionConfig.model_validate({**BASE, "dry_run": dry_run})


def test_an_http_action_takes_no_dry_run_variant() -> None:
    http = {**BASE, "kind": "http", "argv": None, "http": {"url": "http://exchange.test/halt"}}
    with pytest.raises(ValidationError, match="dry_run"):
        ActionConfig.model_validate({**http, "dry_run": {"append": ["--dry-run"]}})
    assert ActionConfig.model_validate(http).dry_run is None


@pytest.mark.parametrize(
    "dry_run",
    [{"append": ["--dry-run=server"]}, {"argv": ["kubectl", "halt", "--check", "{{ market }}"]}],
)
def test_a_real_variant_is_accepted(dry_run: dict[str, Any]) -> None:
    assert ActionConfig.model_validate({**BASE, "dry_run": dry_run}).dry_run is not None
