"""A heartbeat's interval and grace are held to 520w (ten years) each: a longer one (a typo
such as 4000w) was taken by config check and then failed the apply on PostgreSQL with
'integer out of range ... is the database migrated?', and on SQLite a far longer one overflowed
the deadline. It is now a config problem naming the field; nothing is written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from warroom.clock import FakeClock
from warroom.config import service as config
from warroom.db import Database
from warroom.heartbeats.models import Heartbeat

ORG = """
severities:
  - {key: SEV2, name: Medium}
"""


def heartbeat(interval: str, grace: str) -> str:
    return f"""
heartbeats:
  - name: yearly
    interval: {interval}
    grace: {grace}
    severity: SEV2
"""


@pytest.mark.parametrize(
    ("interval", "grace", "field"),
    [("4000w", "1m", "interval"), ("500000w", "1m", "interval"), ("1d", "521w", "grace")],
)
def test_an_interval_or_grace_past_ten_years_is_a_problem_naming_it(
    db: Database, clock: FakeClock, interval: str, grace: str, field: str
) -> None:
    files = {"org.yaml": ORG, "heartbeats.yaml": heartbeat(interval, grace)}
    _doc, problems = config.load_files(files)
    lines = problems.lines()
    assert any(f"heartbeats[yearly].{field}" in line and "520w" in line for line in lines), lines
    with db.session() as session:
        assert session.scalar(select(func.count()).select_from(Heartbeat)) == 0


def test_ten_years_each_is_applied_and_watched(db: Database, clock: FakeClock) -> None:
    files = {"org.yaml": ORG, "heartbeats.yaml": heartbeat("520w", "520w")}
    doc, problems = config.load_files(files)
    assert not problems, problems.lines()
    with db.session() as session:
        config.apply_document(session, clock, doc, actor="test")
    with db.session() as session:
        row = session.scalar(select(Heartbeat).where(Heartbeat.name == "yearly"))
        assert row is not None
        assert row.interval_s == row.grace_s == 520 * 7 * 86400
