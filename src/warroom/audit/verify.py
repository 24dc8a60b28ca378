"""Recompute the hash chains and name the first event that was edited, deleted or reordered."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit.chain import event_hash
from warroom.audit.models import GLOBAL_CHAIN, ChainHead, TimelineEvent
from warroom.evidence.integrity import check_items
from warroom.incidents.models import Incident


@dataclass
class Problem:
    chain: int
    incident_number: int | None
    problem: str  # edited | deleted | reordered
    seq: int | None
    event_id: int | None
    message: str

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Report:
    chains: int = 0
    events: int = 0
    problems: list[Problem] = field(default_factory=list)
    evidence_items: int = 0
    evidence_problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and not self.evidence_problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "chains": self.chains,
            "events": self.events,
            "problems": [p.as_dict() for p in self.problems],
            "evidence_items": self.evidence_items,
            "evidence_problems": self.evidence_problems,
        }


COLUMNS = (
    TimelineEvent.id,
    TimelineEvent.chain,
    TimelineEvent.seq,
    TimelineEvent.incident_id,
    TimelineEvent.kind,
    TimelineEvent.actor,
    TimelineEvent.occurred_at,
    TimelineEvent.payload,
    TimelineEvent.prev_hash,
    TimelineEvent.hash,
)


def verify(session: Session, *, incident_id: int | None = None) -> Report:
    """Check every chain (or one incident's) and the evidence; the first problem per chain."""
    heads = _heads(session, incident_id)
    query = select(*COLUMNS).order_by(TimelineEvent.chain, TimelineEvent.seq)
    if incident_id is not None:
        query = query.where(TimelineEvent.chain == incident_id)
    rows = session.execute(query.execution_options(yield_per=5000))
    report = Report()
    seen: set[int] = set()
    # One pass over every event, in (chain, seq) order, one chain at a time.
    for chain, events in groupby(rows, key=lambda row: int(row.chain)):
        seen.add(chain)
        number, head_seq, head_hash = heads.get(chain, (None, 0, ""))
        report.chains += 1
        problem, count = _check_chain(chain, number, events, head_seq, head_hash)
        report.events += count
        if problem is not None:
            report.problems.append(problem)
    for chain in sorted(set(heads) - seen):
        # A chain whose head says it has events, but none is left.
        number, head_seq, head_hash = heads[chain]
        report.chains += 1
        problem, _ = _check_chain(chain, number, [], head_seq, head_hash)
        if problem is not None:
            report.problems.append(problem)
    report.problems.sort(key=lambda p: p.chain)
    report.evidence_items, report.evidence_problems = check_items(session, incident_id=incident_id)
    return report


def _heads(session: Session, incident_id: int | None) -> dict[int, tuple[int | None, int, str]]:
    query = select(Incident.id, Incident.number, Incident.last_event_seq, Incident.last_event_hash)
    if incident_id is not None:
        query = query.where(Incident.id == incident_id)
    heads: dict[int, tuple[int | None, int, str]] = {
        row[0]: (row[1], row[2], row[3]) for row in session.execute(query)
    }
    if incident_id is None:
        found = session.get(ChainHead, GLOBAL_CHAIN)
        if found is not None:
            heads[GLOBAL_CHAIN] = (None, found.last_seq, found.last_hash)
    return heads


def _lookahead(rows: Iterable[Any]) -> Iterator[tuple[Any, Any | None]]:
    previous = None
    for row in rows:
        if previous is not None:
            yield previous, row
        previous = row
    if previous is not None:
        yield previous, None


def _check_chain(
    chain: int, number: int | None, rows: Iterable[Any], head_seq: int, head_hash: str
) -> tuple[Problem | None, int]:
    where = f"INC-{number}" if number is not None else f"chain {chain}"

    def problem(kind: str, row: Any | None, message: str) -> Problem:
        seq = row.seq if row is not None else None
        event_id = row.id if row is not None else None
        return Problem(chain, number, kind, seq, event_id, f"{where}: {message}")

    expected, prev_hash, prev_row, count = 1, "", None, 0
    for row, following in _lookahead(rows):
        count += 1
        label = f"event {row.id} (#{row.seq}, {row.kind})"
        if following is not None and following.id < row.id:
            return problem("reordered", row, f"{label} is out of order"), count
        if row.seq != expected:
            gap = f"#{expected}" if row.seq == expected + 1 else f"#{expected}..#{row.seq - 1}"
            return problem("deleted", row, f"event {gap} is missing before {label}"), count
        if _recompute(row) != row.hash:
            return problem("edited", row, f"{label} was edited"), count
        if row.prev_hash != prev_hash:
            target = prev_row if prev_row is not None else row
            return problem("edited", target, f"the event before {label} was replaced"), count
        expected, prev_hash, prev_row = expected + 1, row.hash, row
    if head_seq != expected - 1:
        if head_seq > expected - 1:
            gap = f"#{expected}" if head_seq == expected else f"#{expected}..#{head_seq}"
            return problem("deleted", None, f"the last event {gap} is missing"), count
        return problem("edited", prev_row, "events were appended behind the chain's back"), count
    if head_hash != prev_hash:
        return problem("edited", prev_row, "the last event does not match the chain head"), count
    return None, count


def _recompute(row: Any) -> str:
    return event_hash(
        chain=row.chain,
        seq=row.seq,
        incident_id=row.incident_id,
        kind=row.kind,
        actor=row.actor,
        occurred_at=row.occurred_at,
        payload=row.payload,
        prev_hash=row.prev_hash,
    )
