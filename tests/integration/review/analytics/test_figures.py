"""The analytics figures against the hand-computed values of the scenario, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event

from tests.integration.review.analytics import scenario
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.errors import Invalid
from warroom.review.analytics import service
from warroom.review.analytics.periods import window
from warroom.review.analytics.queries import Filters
from warroom.review.analytics.schemas import AnalyticsReport


def _report(db: Database, clock: FakeClock, **kwargs: Any) -> AnalyticsReport:
    filters = Filters(severity=kwargs.pop("severity", None), service=kwargs.pop("service", None))
    with db.session() as session:
        span = window(clock, **{"since": "2026-03-01", **kwargs})
        return service.report(session, clock, span, filters)


@pytest.fixture
def built(db: Database, clock: FakeClock) -> dict[str, Any]:
    with db.session() as session:
        made = scenario.build(session, clock)
        session.commit()
        return {k: v.number for k, v in made.items()}


def test_response_times_mean_and_median(db: Database, clock: FakeClock, built: Any) -> None:
    report = _report(db, clock)
    overall = report.times.overall
    # Acked: A 600, B 1200, C 300, D 1800 (E, F never acked; G a drill; H before the window).
    assert (overall.mtta.count, overall.mtta.mean_s, overall.mtta.median_s) == (4, 975, 900)
    # Mitigated (or resolved): A 1800, B 18000, C 900, D 7200, F 3600.
    assert (overall.mttm.count, overall.mttm.mean_s, overall.mttm.median_s) == (5, 6300, 3600)
    # Resolved: A 3600, B 18000, D 7200, F 3600.
    assert (overall.mttr.count, overall.mttr.mean_s, overall.mttr.median_s) == (4, 8100, 5400)
    sev1 = report.times.by_severity["SEV1"].mtta
    assert (sev1.count, sev1.mean_s, sev1.median_s) == (3, 700, 600)  # odd count
    sev2 = report.times.by_severity["SEV2"]
    assert (sev2.mtta.count, sev2.mtta.median_s) == (1, 1800)
    assert (sev2.mttr.count, sev2.mttr.mean_s, sev2.mttr.median_s) == (2, 5400, 5400)
    database = report.times.by_service["database"].mtta
    assert (database.count, database.mean_s, database.median_s) == (3, 1100, 1200)
    assert report.times.by_service["api-gateway"].mtta.median_s == 900
    assert report.times.by_service["submitter"].mtta.count == 0
    assert report.times.by_service["submitter"].mttr.mean_s == 3600
    assert report.times.by_period["2026-03-03"].mtta.mean_s == 750
    assert list(report.times.by_period) == ["2026-03-02", "2026-03-03", "2026-03-04", "2026-03-05"]


def test_sla_compliance(db: Database, clock: FakeClock, built: Any) -> None:
    sla = _report(db, clock).sla
    # SEV1 ack 900: A met, B late, C met. Resolve 14400: A met, B late, C open too long.
    assert sla["SEV1"].acknowledged.model_dump() == {"met": 2, "missed": 1, "ratio": 0.6667}
    assert (sla["SEV1"].resolved.met, sla["SEV1"].resolved.missed) == (1, 2)
    # SEV2 ack 14400: D met, E never acknowledged and open for weeks; F resolved in an hour
    # without an ack is not counted. Resolve 86400: D, F met, E open too long.
    assert (sla["SEV2"].acknowledged.met, sla["SEV2"].acknowledged.missed) == (1, 1)
    assert (sla["SEV2"].resolved.met, sla["SEV2"].resolved.missed) == (2, 1)
    # Cadence: A on time, B late twice, D on time.
    assert (sla["SEV1"].updates.met, sla["SEV1"].updates.missed) == (1, 1)
    assert (sla["SEV2"].updates.met, sla["SEV2"].updates.missed) == (1, 0)
    assert sla["all"].acknowledged.model_dump() == {"met": 3, "missed": 2, "ratio": 0.6}
    assert sla["all"].resolved.ratio == 0.5
    # Postmortems: A on time, B late, D unpublished past due; F not due yet (not counted).
    assert (sla["SEV1"].postmortem.met, sla["SEV1"].postmortem.missed) == (1, 1)
    assert sla["all"].postmortem.model_dump() == {"met": 1, "missed": 2, "ratio": 0.3333}


def test_action_items_open_and_overdue(db: Database, clock: FakeClock, built: Any) -> None:
    assert _report(db, clock).action_items.model_dump() == {"open": 2, "overdue": 1}


def test_ack_target_not_yet_run_out_is_pending(db: Database, clock: FakeClock) -> None:
    with db.session() as session:
        scenario._incident(session, clock, scenario._at(10, 9), "SEV2", [], {})
        session.commit()
    clock.advance(hours=1)  # the SEV2 ack target is 4 h
    report = _report(db, clock)
    assert report.sla["SEV2"].acknowledged.model_dump() == {"met": 0, "missed": 0, "ratio": None}
    clock.advance(hours=4)
    assert _report(db, clock).sla["SEV2"].acknowledged.missed == 1


def test_counts_and_drills_apart(db: Database, clock: FakeClock, built: Any) -> None:
    report = _report(db, clock)
    assert report.incidents.total == 6
    assert report.incidents.by_severity == {"SEV1": 3, "SEV2": 3}
    assert report.incidents.by_service == {"api-gateway": 2, "database": 3, "submitter": 2}
    over_time = [(p.period, p.key, p.count) for p in report.incidents.severity_over_time]
    assert over_time == [
        ("2026-03-02", "SEV1", 1),
        ("2026-03-03", "SEV1", 2),
        ("2026-03-04", "SEV2", 1),
        ("2026-03-05", "SEV2", 2),
    ]
    drills = report.drills
    assert drills.incidents.total == 1 and drills.incidents.by_severity == {"SEV1": 1}
    assert drills.times.overall.mtta.mean_s == 120
    assert drills.times.overall.mttr.median_s == 600
    assert drills.sla["SEV1"].acknowledged.met == 1
    assert drills.pages == 1


def test_week_and_month_buckets(db: Database, clock: FakeClock, built: Any) -> None:
    weeks = _report(db, clock, bucket="week")
    assert [(p.period, p.key, p.count) for p in weeks.incidents.severity_over_time] == [
        ("2026-03-02", "SEV1", 3),
        ("2026-03-02", "SEV2", 3),
    ]
    months = _report(db, clock, since="2026-02-01", bucket="month")
    assert months.incidents.by_severity == {"SEV1": 4, "SEV2": 3}
    assert sorted(months.times.by_period) == ["2026-02-01", "2026-03-01"]
    assert months.times.by_period["2026-02-01"].mtta.mean_s == 60


def test_oncall_load_outside_working_hours_across_dst(
    db: Database, clock: FakeClock, built: Any
) -> None:
    load = _report(db, clock).oncall
    people = {p.email: (p.pages, p.outside_hours) for p in load.people}
    assert people == {
        "alice@example.com": (5, 3),
        "bob@example.com": (2, 1),
        "dev@example.com": (2, 1),
    }
    assert (load.pages, load.outside_hours) == (9, 5)
    assert load.working_hours == "09:00-18:00"


def test_filters_narrow_every_figure(db: Database, clock: FakeClock, built: Any) -> None:
    report = _report(db, clock, service="database")
    assert report.incidents.total == 3
    assert report.times.overall.mtta.mean_s == 1100
    assert {p.email: p.pages for p in report.oncall.people} == {
        "alice@example.com": 3,
        "bob@example.com": 2,
    }
    # The action items are A's (api-gateway, SEV1): counted for its service and severity only.
    assert report.action_items.model_dump() == {"open": 0, "overdue": 0}
    gateway = _report(db, clock, service="api-gateway", severity="SEV1")
    assert gateway.action_items.model_dump() == {"open": 2, "overdue": 1}
    sev2 = _report(db, clock, severity="SEV2")
    assert sev2.incidents.by_severity == {"SEV2": 3}
    assert sev2.oncall.pages == 0
    assert sev2.action_items.model_dump() == {"open": 0, "overdue": 0}


def test_a_report_is_a_fixed_number_of_queries(db: Database, clock: FakeClock, built: Any) -> None:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        _report(db, clock)
        few = len(statements)
        with db.session() as session:
            for hour in range(12):
                scenario._incident(session, clock, scenario._at(20, hour), "SEV1", ["database"], {})
            session.commit()
        statements.clear()
        _report(db, clock)
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(statements) == few
    assert few <= 7, statements


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"since": "yesterday"}, "since"),
        ({"since": "30d", "until": "soon"}, "until"),
        ({"since": "2026-03-10", "until": "2026-03-01"}, "until"),
        ({"since": "30d", "bucket": "fortnight"}, "bucket"),
    ],
)
def test_bad_windows_name_the_field(clock: FakeClock, kwargs: Any, field: str) -> None:
    with pytest.raises(Invalid) as caught:
        window(clock, **kwargs)
    assert caught.value.field == field


def test_working_hours_from_config(db: Database, clock: FakeClock, built: Any) -> None:
    from warroom.config import service as config_service

    text = 'analytics:\n  working_hours: "08:00-18:30"\n  working_days: [mon, tue, sat]\n'
    doc, problems = config_service.load_files({"analytics.yaml": text})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")
        session.commit()
    load = _report(db, clock).oncall
    # alice: Mon 08:30 CET and Sat 11:00 are inside now, Mon 18:15 CEST too; bob's 08:59 UTC
    # and dev's 08:59 IST as well: nothing is outside.
    assert (load.pages, load.outside_hours, load.working_hours) == (9, 0, "08:00-18:30")
    assert load.working_days == ["mon", "tue", "sat"]


def test_bad_working_hours_are_a_config_problem() -> None:
    from warroom.config import service as config_service

    text = 'analytics:\n  working_hours: "18:00-09:00"\n  working_days: [monday]\n'
    _, problems = config_service.load_files({"analytics.yaml": text})
    lines = "\n".join(problems.lines())
    assert "analytics.yaml:2" in lines and "working_hours" in lines
    assert "analytics.yaml:3" in lines and "unknown day 'monday'" in lines
