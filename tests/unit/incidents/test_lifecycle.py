"""The state machine as a table: every (status, action) pair is allowed or refused."""

from __future__ import annotations

import pytest

from warroom.errors import Conflict
from warroom.incidents import lifecycle

ALLOWED = {
    ("triggered", "ack"): "acknowledged",
    ("triggered", "mitigate"): "mitigated",
    ("triggered", "resolve"): "resolved",
    ("acknowledged", "mitigate"): "mitigated",
    ("acknowledged", "resolve"): "resolved",
    ("mitigated", "resolve"): "resolved",
    ("resolved", "close"): "closed",
    ("resolved", "reopen"): "acknowledged",
}
ACTIONS = ("ack", "mitigate", "resolve", "close", "reopen")
PAIRS = [(s, a) for s in lifecycle.STATUSES for a in ACTIONS]


@pytest.mark.parametrize(("status", "action"), PAIRS)
def test_every_transition(status: str, action: str) -> None:
    if (status, action) in ALLOWED:
        assert lifecycle.check(status, action).target == ALLOWED[(status, action)]
        assert action in lifecycle.allowed_actions(status)
    else:
        with pytest.raises(Conflict) as caught:
            lifecycle.check(status, action, "INC-7")
        allowed = [a for a in ACTIONS if (status, a) in ALLOWED]
        assert caught.value.details["allowed"] == allowed
        assert f"cannot {action} INC-7: it is {status}" in caught.value.message
        assert action not in lifecycle.allowed_actions(status)


def test_closed_is_final() -> None:
    assert lifecycle.allowed_actions("closed") == []
    with pytest.raises(Conflict, match="closed is final"):
        lifecycle.check("closed", "reopen")
