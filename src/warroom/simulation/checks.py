"""A scenario is checked before anything plays: each problem names the option at fault."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy.orm import Session

from warroom.config.types import format_duration
from warroom.errors import Invalid, NotFound
from warroom.simulation.schemas import Scenario

MAX_HOURS = 24 * 14


def check_times(scenario: Scenario) -> None:
    """The window is positive and bounded; responder actions come in lifecycle order."""
    if not 0 < scenario.hours <= MAX_HOURS:
        raise Invalid(f"hours must be more than 0 and at most {MAX_HOURS}", field="hours")
    if scenario.severity is None and not scenario.labels:
        raise Invalid("give a severity or alert labels to open the incident", field="severity")
    ordered: list[tuple[str, timedelta]] = [
        (name, after)
        for name, after in (
            ("ack_after", scenario.ack_after),
            ("mitigate_after", scenario.mitigate_after),
            ("resolve_after", scenario.resolve_after),
        )
        if after is not None
    ]
    for name, after in ordered:
        if after < timedelta(0):
            raise Invalid(f"{name} cannot be negative", field=name)
    for (first, a), (then, b) in itertools.pairwise(ordered):
        if b < a:
            raise Invalid(
                f"{format_duration(b)} comes before {first} ({format_duration(a)})", field=then
            )


def check_scenario(session: Session, scenario: Scenario) -> None:
    """Severity, service, integration and the acknowledging person exist in the config."""
    from warroom.auth import service as auth
    from warroom.catalog import service as catalog

    if scenario.severity is not None and not scenario.labels:
        catalog.require_severity(session, scenario.severity, field="severity")
    if scenario.service is not None:
        catalog.require_services(session, [scenario.service], field="service")
    if scenario.integration is not None:
        _check_integration(session, scenario.integration)
    if scenario.ack_by is not None:
        try:
            auth.get_user_by_email(session, scenario.ack_by)
        except NotFound:
            raise Invalid(f"no user {scenario.ack_by!r} in the config", field="ack_by") from None


def _check_integration(session: Session, key: str) -> None:
    from warroom.intake import state

    known = set(state.current(session).by_key)
    if key not in known:
        listed = ", ".join(sorted(known)) or "none declared"
        raise Invalid(f"no integration {key!r} (integrations: {listed})", field="integration")
