"""The incident state machine.

    triggered ─▶ acknowledged ─▶ mitigated ─▶ resolved ─▶ closed
        │              │                          │
        └──────────────┴─▶ (mitigated, resolved)  └─▶ reopen ─▶ acknowledged

Skipping ahead is allowed: an incident may be mitigated or resolved straight from
`triggered` (an alert that clears by itself, a fix that lands before anyone acked), as in the
tools people already use; the skipped timestamps stay empty, so MTTA counts only real acks.
Reopening is allowed from `resolved` only and puts the incident back to `acknowledged`: the
person who reopens it is working it. A closed incident is final.
"""

from __future__ import annotations

from dataclasses import dataclass

from warroom.errors import Conflict

STATUSES = ("triggered", "acknowledged", "mitigated", "resolved", "closed")
OPEN_STATUSES = ("triggered", "acknowledged", "mitigated")


@dataclass(frozen=True)
class Transition:
    action: str
    target: str
    sources: tuple[str, ...]
    event: str  # the action part of incident:status:<event>


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        Transition("ack", "acknowledged", ("triggered",), "acknowledged"),
        Transition("mitigate", "mitigated", ("triggered", "acknowledged"), "mitigated"),
        Transition("resolve", "resolved", ("triggered", "acknowledged", "mitigated"), "resolved"),
        Transition("close", "closed", ("resolved",), "closed"),
        Transition("reopen", "acknowledged", ("resolved",), "reopened"),
    )
}

# Not a responder's action (so never offered in allowed_actions): an alert that fires again
# soon after a manual resolve puts the incident back to triggered, as nobody works it yet.
REFIRE = Transition("refire", "triggered", ("resolved",), "reopened")


def allowed_actions(status: str) -> list[str]:
    """The actions that may be taken from status, in lifecycle order."""
    return [t.action for t in TRANSITIONS.values() if status in t.sources]


def check(status: str, action: str, ref: str = "the incident") -> Transition:
    """The transition for action from status, or Conflict naming the allowed ones."""
    transition = REFIRE if action == REFIRE.action else TRANSITIONS[action]
    if status not in transition.sources:
        allowed = allowed_actions(status)
        listed = ", ".join(allowed) if allowed else "none (closed is final)"
        raise Conflict(
            f"cannot {action} {ref}: it is {status}; allowed from {status}: {listed}",
            field="status",
            details={"allowed": allowed, "status": status},
        )
    return transition
