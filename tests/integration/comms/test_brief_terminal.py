"""`warroom brief N` never sends a terminal control from an incident's texts to the terminal.

The brief quotes the incident's title (an alert's, as the monitoring tool sent it), its
hypotheses, tasks and updates. On a real warroom serve an incident titled
'evil ESC]0;pwned BEL title' (accepted by the API) made `warroom brief 4` retitle the terminal,
and an alert titled with ESC[2J would clear it. The CLI now writes each control character but
tab and newline as \\xNN; the rest of the text is printed as it is."""

from __future__ import annotations

from typing import Any

from tests.integration.comms.org import apply, org
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents


def test_the_brief_shows_control_characters_instead_of_sending_them(
    db: Database, clock: FakeClock, cli: Any
) -> None:
    apply(db, clock, org("127.0.0.1:9"))
    with db.session() as session:
        incident = incidents.open_incident(
            session, clock, actor="t", severity="P2",
            title="evil \x1b]0;pwned\x07 title \u00e9\u4e2d",
        )  # fmt: skip
        incidents.add_hypothesis(session, clock, incident, text="disk\x1b[2J full", actor="t")
        number = incident.number
        session.commit()
    result = cli("brief", str(number))
    assert result.exit_code == 0, result.output
    assert "\x1b" not in result.output and "\x07" not in result.output
    assert f"# INC-{number}: evil \\x1b]0;pwned\\x07 title \u00e9\u4e2d\n" in result.output
    assert "disk\\x1b[2J full" in result.output
    assert "\n\n## Summary\n" in result.output
