"""Recompute the hash chains and name the first event that was edited, deleted or reordered."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit.chain import event_hash
from warroom.audit.models import ANCHOR_CHAIN, ChainHead, TimelineEvent

# A further check run with the chains, e.g. the evidence locker's: given the session and the
# incident id (None: everything), it answers (items checked, problems found).
Check = Callable[[Session, int | None], tuple[int, list[str]]]


@dataclass
class Problem:
    chain: int
    incident_number: int | None
    problem: str  # edited | deleted | reordered | wiped | unanchored
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
    # Per further check (by name): how many items it checked and what it found.
    checked: dict[str, int] = field(default_factory=dict)
    findings: dict[str, list[str]] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems and not any(self.findings.values())

    def as_dict(self) -> dict[str, Any]:
        doc: dict[str, Any] = {
            "ok": self.ok,
            "chains": self.chains,
            "events": self.events,
            "problems": [p.as_dict() for p in self.problems],
        }
        for name, count in self.checked.items():
            doc[f"{name}_items"] = count
            doc[f"{name}_problems"] = self.findings.get(name, [])
        return doc


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


def verify(
    session: Session,
    *,
    incident_id: int | None = None,
    numbers: Mapping[int, int] | None = None,
    checks: Mapping[str, Check] | None = None,
) -> Report:
    """Check every chain (or one incident's), the anchor register and the further checks;
    the first problem per chain. `numbers` maps incident ids to numbers for the messages."""
    from warroom.audit.anchors import check_anchors

    numbers = numbers or {}
    heads = _heads(session, incident_id)
    query = select(*COLUMNS).order_by(TimelineEvent.chain, TimelineEvent.seq)
    if incident_id is not None:
        query = query.where(TimelineEvent.chain == incident_id)
    rows = session.execute(query.execution_options(yield_per=5000))
    report = Report()
    firsts: dict[int, str] = {}
    # One pass over every event, in (chain, seq) order, one chain at a time.
    for chain, events in groupby(rows, key=lambda row: int(row.chain)):
        head_seq, head_hash = heads.get(chain, (0, ""))
        report.chains += 1
        problem, count, first = _check_chain(chain, numbers.get(chain), events, head_seq, head_hash)
        firsts[chain] = first
        report.events += count
        if problem is not None:
            report.problems.append(problem)
    for chain in sorted(set(heads) - set(firsts)):
        # A chain whose head says it has events, but none is left.
        head_seq, head_hash = heads[chain]
        report.chains += 1
        problem, _, _ = _check_chain(chain, numbers.get(chain), [], head_seq, head_hash)
        if problem is not None:
            report.problems.append(problem)
    report.problems += check_anchors(
        session, incident_id=incident_id, firsts=firsts, heads=set(heads), numbers=numbers
    )
    report.problems.sort(key=lambda p: p.chain)
    for name, check in (checks or {}).items():
        report.checked[name], report.findings[name] = check(session, incident_id)
    return report


def _heads(session: Session, incident_id: int | None) -> dict[int, tuple[int, str]]:
    query = select(ChainHead.chain, ChainHead.last_seq, ChainHead.last_hash).where(
        ChainHead.chain != ANCHOR_CHAIN
    )
    if incident_id is not None:
        query = query.where(ChainHead.chain == incident_id)
    return {int(row[0]): (int(row[1]), str(row[2])) for row in session.execute(query)}


def where_of(chain: int, number: int | None) -> str:
    """How a message names a chain: INC-n when its incident is known."""
    return f"INC-{number}" if number is not None else f"chain {chain}"


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
) -> tuple[Problem | None, int, str]:
    """(the first problem, events seen, the stored hash of event #1 or "")."""
    first: list[str] = []

    def watch(rows: Iterable[Any]) -> Iterator[Any]:
        for row in rows:
            if row.seq == 1 and not first:
                first.append(str(row.hash))
            yield row

    problem, count = _walk(chain, number, watch(rows), head_seq, head_hash)
    return problem, count, first[0] if first else ""


def _walk(
    chain: int, number: int | None, rows: Iterable[Any], head_seq: int, head_hash: str
) -> tuple[Problem | None, int]:
    where = where_of(chain, number)

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
