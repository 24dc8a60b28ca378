"""A repeat of an alert that a concurrent request resolves meanwhile (PostgreSQL): dedup bumps
the repeats and looks up the rest in one statement, whose look-up reads the snapshot from
before it waited for the row. The alert is then seen as it is after the wait, resolved: the
late re-send of a resolved alert is ignored, not counted on the resolved row."""

from __future__ import annotations

from sqlalchemy import select, update

from tests.integration.concurrency.world import Run, wait_blocked_or_done
from tests.integration.paging.test_statement_budget import PACK, alert, ingest
from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.intake import alertmanager, dedup
from warroom.intake.models import Alert


def test_a_repeat_of_an_alert_resolved_while_it_waits_is_ignored(
    pg_db: Database, clock: FakeClock
) -> None:
    doc, problems = config_service.load_files({"pack.yaml": PACK})
    assert not problems, problems.lines()
    with pg_db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
    ingest(pg_db, clock, "flap")
    repeat = alertmanager.parse(alert("flap"))

    def classify() -> dedup.Outcome:
        with pg_db.session() as session:
            out = dedup.classify(session, "am", repeat.alerts, clock.now())
            session.commit()
            return out

    with pg_db.session() as resolving:
        resolving.execute(
            update(Alert).where(Alert.fingerprint == "fp-flap").values(resolved_at=clock.now())
        )
        run = Run(classify)
        run.start()
        assert wait_blocked_or_done(pg_db, run)  # the repeat waits for the resolving row
        resolving.commit()
    out = run.outcome()
    assert (out.repeats, out.ignored, out.new) == (0, 1, [])
    with pg_db.session() as session:
        assert session.scalars(select(Alert.count)).all() == [1]
