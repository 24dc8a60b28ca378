"""An action's timeout has an upper bound.

Runs are executed one at a time on a worker's serial thread: while a hanging command waits
for its timeout, every later run on every incident (an undo too) waits behind it. Any
duration was accepted (`timeout: 365d`), so one hanging command could hold back every
mitigation for a year. A timeout is now at most 1h."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from warroom.actions.config import ActionConfig

BASE: dict[str, Any] = {
    "id": "rollout",
    "title": "Roll out",
    "kind": "command",
    "argv": ["kubectl", "rollout", "status", "deploy/api"],
    "reversible": False,
}


@pytest.mark.parametrize("timeout", ["61m", "2h", "365d"])
def test_a_timeout_past_an_hour_is_refused(timeout: str) -> None:
    with pytest.raises(ValidationError, match="timeout"):
        ActionConfig.model_validate({**BASE, "timeout": timeout})


@pytest.mark.parametrize("timeout", ["1s", "30s", "1h"])
def test_a_timeout_up_to_an_hour_is_accepted(timeout: str) -> None:
    assert ActionConfig.model_validate({**BASE, "timeout": timeout}).timeout
