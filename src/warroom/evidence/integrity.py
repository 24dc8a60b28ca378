"""Checking stored evidence against its hashes and against the timeline that recorded it."""

from __future__ import annotations

import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit.models import TimelineEvent
from warroom.evidence.models import EvidenceItem
from warroom.incidents.models import Incident


def check_items(session: Session, *, incident_id: int | None = None) -> tuple[int, list[str]]:
    """(items checked, problems): bytes that no longer match their sha256, or a sha256 that no
    longer matches the one recorded in the item's `evidence:item:added` event."""
    recorded_query = select(TimelineEvent.payload).where(
        TimelineEvent.kind == "evidence:item:added"
    )
    items_query = (
        select(
            EvidenceItem.id,
            EvidenceItem.name,
            EvidenceItem.sha256,
            EvidenceItem.content,
            Incident.number,
        )
        .join(Incident, Incident.id == EvidenceItem.incident_id)
        .order_by(EvidenceItem.id)
    )
    if incident_id is not None:
        recorded_query = recorded_query.where(TimelineEvent.chain == incident_id)
        items_query = items_query.where(EvidenceItem.incident_id == incident_id)
    recorded = {p.get("id"): p.get("sha256") for p in session.scalars(recorded_query)}
    problems: list[str] = []
    count = 0
    for item_id, name, sha, content, number in session.execute(
        items_query.execution_options(yield_per=100)
    ):
        count += 1
        label = f"INC-{number}: evidence item {item_id} ({name})"
        actual = hashlib.sha256(content).hexdigest()
        if actual != sha:
            problems.append(f"{label}: content hashes to {actual}, the item says {sha}")
        elif recorded.get(item_id) != sha:
            problems.append(
                f"{label}: sha256 {sha} differs from the timeline's {recorded.get(item_id)}"
            )
    return count, problems
