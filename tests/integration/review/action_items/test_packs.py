"""The atlas pack's action item matrix is its reference document's "Prevention Task
Prioritization" table, applied through the real config sections."""

from __future__ import annotations

from pathlib import Path

from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.review.action_items.config import options

ATLAS = Path(__file__).resolve().parents[4] / "examples" / "atlas"
# | Impact | Effort | Priority | Timeline |
TABLE = {
    ("high", "low"): ("P0", "this week"),
    ("high", "high"): ("P1", "this month"),
    ("low", "low"): ("P2", "this quarter"),
    ("low", "high"): ("P3", "backlog"),
}


def test_atlas_matrix_is_its_documents_table(db: Database, clock: FakeClock) -> None:
    doc, problems = config_service.load_directory(ATLAS)
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
    with db.session() as session:
        matrix = options(session).matrix
        found = {key: (matrix.cell(*key).priority, matrix.cell(*key).horizon) for key in TABLE}
        assert found == TABLE
