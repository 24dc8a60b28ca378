"""Each example pack requires postmortems as its reference document does: a resolved incident
of each required severity gets one, due as the document says, with the pack's sections."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.review.postmortems import render
from warroom.review.postmortems import service as postmortems

EXAMPLES = Path(__file__).resolve().parents[4] / "examples"
ATLAS = [  # 004_61eb39e2ba419efa.txt, "Incident Report Template" (+ detection and response)
    "Summary",
    "Impact",
    "Detection and Response",
    "Timeline (UTC)",
    "Root Cause",
    "Resolution",
    "Lessons Learned",
    "Action Items",
    "Appendix",
]
ORACLE = [  # 000_b3c9b32ab165c1d5.txt, "Postmortem must include"
    "Incident summary",
    "Customer impact",
    "Detection and response timeline",
    "Root cause analysis",
    "What worked / what didn't",
    "Prevention plan",
]
BUILT_IN = [  # 002_01e152e679e932ca.txt has no template: the built-in blameless one
    "Summary",
    "Impact",
    "Detection and response",
    "Timeline (UTC)",
    "Mitigations and actions",
    "Hypotheses",
    "Root cause",
    "Contributing factors",
    "Five whys",
    "Why it was not caught earlier",
    "What went well",
    "What could be improved",
    "Surprises",
    "Action items",
]
# pack: (service, {severity: hours due, or None when no postmortem is required}, sections)
PACKS = {
    "atlas": ("proof-validation", {"P0": 48, "P1": 48, "P2": None, "P3": None}, ATLAS),
    "oracle": ("submitter", {"SEV0": 24, "SEV1": 48, "SEV2": 72, "SEV3": None}, ORACLE),
    "exchange": ("matching-engine", {"P0": 48, "P1": 48, "P2": None, "P3": None}, BUILT_IN),
}


@pytest.mark.parametrize("pack", sorted(PACKS))
def test_pack_postmortems_as_its_document_says(pack: str, db: Database, clock: FakeClock) -> None:
    service, due_hours, sections = PACKS[pack]
    clock.set(datetime(2026, 3, 10, 14, 0, tzinfo=UTC))
    doc, problems = config_service.load_directory(EXAMPLES / pack)
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
    for severity, hours in due_hours.items():
        with db.session() as session:
            incident = incidents.open_incident(
                session, clock, actor="test", title=f"{severity} test", severity=severity,
                services=[service],
            )  # fmt: skip
            clock.advance(minutes=30)
            incidents.resolve(session, clock, incident, actor="test")
            pm = postmortems.get_for_incident(session, incident.id)
            if hours is None:
                assert pm is None, severity
                continue
            assert pm is not None and pm.due_at is not None and incident.resolved_at is not None
            assert pm.due_at - incident.resolved_at == timedelta(hours=hours), severity
            text = postmortems.markdown_of(session, incident, pm)
            assert render.sections(text) == sections, severity
            assert "_To fill in._" in text and "blame" in text.lower()
