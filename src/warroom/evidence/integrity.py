"""Checking stored evidence against its hashes and against the timeline that recorded it.

The timeline (hash-chained) is the witness: every item was recorded by an
`evidence:item:added` event carrying its id and sha256, and every removal by an
`evidence:item:removed` event. So a row deleted, a tombstone cleared (a removed item revived),
a tombstone set in SQL, or bytes swapped together with their hash all contradict the chain;
so do a row's name, kind, size or adder changed (what the added event records), and a
tombstone's remover or reason (what the removed event records). An item's description,
command and content type are not on the timeline: changed in SQL, nothing here sees it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.evidence.models import EvidenceItem
from warroom.incidents.models import Incident

ADDED = "evidence:item:added"
REMOVED = "evidence:item:removed"


@dataclass
class Witness:
    """What the timeline says about one item."""

    chain: int
    added_seq: int
    name: str
    sha256: str | None
    kind: str | None = None
    size: int | None = None  # not in events written before it was recorded
    added_by: str | None = None
    removed_seq: int | None = None
    removed_by: str | None = None
    removed_reason: str | None = None


def _witnesses(session: Session, incident_id: int | None) -> dict[int, Witness]:
    found: dict[int, Witness] = {}
    for chain, seq, kind, actor, payload in timeline.recorded(
        session, kinds=[ADDED, REMOVED], incident_id=incident_id
    ):
        item_id = payload.get("id")
        if not isinstance(item_id, int):
            continue
        if kind == ADDED:
            size = payload.get("size")
            found[item_id] = Witness(
                chain,
                seq,
                str(payload.get("name")),
                payload.get("sha256"),
                kind=payload.get("kind"),
                size=size if isinstance(size, int) else None,
                added_by=actor,
            )
        elif item_id in found:
            found[item_id].removed_seq = seq
            found[item_id].removed_by = actor
            found[item_id].removed_reason = payload.get("reason")
    return found


def incident_numbers(session: Session, incident_id: int | None) -> dict[int, int]:
    """Incident id -> number (of one incident if given), for messages."""
    query = select(Incident.id, Incident.number)
    if incident_id is not None:
        query = query.where(Incident.id == incident_id)
    return {int(i): int(n) for i, n in session.execute(query)}


def check_items(session: Session, incident_id: int | None = None) -> tuple[int, list[str]]:
    """(items checked, problems): bytes or hashes that changed, and items whose row or
    tombstone contradicts the timeline's `evidence:item:added` / `:removed` events."""
    witnesses = _witnesses(session, incident_id)
    numbers = incident_numbers(session, incident_id)
    query = select(
        EvidenceItem.id,
        EvidenceItem.incident_id,
        EvidenceItem.name,
        EvidenceItem.sha256,
        EvidenceItem.content,
        EvidenceItem.removed_at,
        EvidenceItem.kind,
        EvidenceItem.size,
        EvidenceItem.added_by,
        EvidenceItem.removed_by,
        EvidenceItem.removed_reason,
    ).order_by(EvidenceItem.id)
    if incident_id is not None:
        query = query.where(EvidenceItem.incident_id == incident_id)
    problems: list[str] = []
    count = 0
    for row in session.execute(query.execution_options(yield_per=100)):
        count += 1
        item_id, owner, name, sha, content, removed_at = row[:6]
        label = f"INC-{numbers.get(owner, '?')}: evidence item {item_id} ({name})"
        seen = witnesses.pop(item_id, None)
        problem = _check_row(label, owner, sha, content, removed_at, seen)
        if problem is None and seen is not None:
            problem = _check_labels(label, row, seen)
        if problem:
            problems.append(problem)
    for item_id, seen in sorted(witnesses.items()):
        where = f"INC-{numbers[seen.chain]}" if seen.chain in numbers else f"chain {seen.chain}"
        problems.append(
            f"{where}: evidence item {item_id} ({seen.name}), recorded as added by event "
            f"#{seen.added_seq}, is missing (its row was deleted)"
        )
    return count, problems


def _check_row(
    label: str,
    owner: int,
    sha: str,
    content: bytes,
    removed_at: object,
    seen: Witness | None,
) -> str | None:
    actual = hashlib.sha256(content).hexdigest()
    # Removal erases the bytes: no bytes are what a removed item should have, whether its
    # tombstone is still there or was cleared (then the check below names it revived).
    removed = removed_at is not None or (seen is not None and seen.removed_seq is not None)
    erased = removed and not content
    if actual != sha and not erased:
        return f"{label}: content hashes to {actual}, the item says {sha}"
    if seen is None or seen.chain != owner:
        return f"{label}: no evidence:item:added event of its incident records it"
    if seen.sha256 != sha:
        return f"{label}: sha256 {sha} differs from the timeline's {seen.sha256}"
    if seen.removed_seq is not None and removed_at is None:
        return (
            f"{label}: removed by event #{seen.removed_seq} but its tombstone was cleared (revived)"
        )
    if seen.removed_seq is None and removed_at is not None:
        return f"{label}: marked removed, but no evidence:item:removed event records it"
    return None


def _check_labels(label: str, row: Any, seen: Witness) -> str | None:
    """The row's name, kind, size and adder (and a tombstone's remover and reason) against
    what the timeline's events recorded."""
    said = [
        ("name", row.name, seen.name),
        ("kind", row.kind, seen.kind),
        ("size", row.size, seen.size),
    ]
    for field, stored, recorded in said:
        if recorded is not None and stored != recorded:
            return f"{label}: {field} {stored!r} differs from the timeline's {recorded!r}"
    if seen.added_by is not None and row.added_by != seen.added_by:
        return (
            f"{label}: added by {row.added_by!r}, but event #{seen.added_seq} records "
            f"{seen.added_by!r}"
        )
    if seen.removed_seq is not None and row.removed_at is not None:
        if row.removed_by != seen.removed_by:
            return (
                f"{label}: removed by {row.removed_by!r}, but event #{seen.removed_seq} "
                f"records {seen.removed_by!r}"
            )
        if seen.removed_reason is not None and row.removed_reason != seen.removed_reason:
            return (
                f"{label}: removal reason {row.removed_reason!r} differs from event "
                f"#{seen.removed_seq}'s {seen.removed_reason!r}"
            )
    return None
