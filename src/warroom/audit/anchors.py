"""Checking the anchor register: its own chain, and every incident chain against its anchor.

An incident deleted whole (events, head, incident row) leaves its anchor naming a chain that
is gone; a chain rebuilt from its first event on no longer starts with the anchored hash; a
chain slipped in behind the register's back has no anchor. Deleting the anchor as well breaks
the register's own chain, unless the register is recomputed too: that is what the external
checkpoints (`warroom.audit.checkpoint`) catch.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit.chain import anchor_hash
from warroom.audit.heads import head_of
from warroom.audit.models import ANCHOR_CHAIN, GLOBAL_CHAIN, ChainAnchor
from warroom.audit.verify import Problem, where_of

REGISTER = "the anchor register"


def check_anchors(
    session: Session,
    *,
    incident_id: int | None,
    firsts: Mapping[int, str],
    heads: set[int],
    numbers: Mapping[int, int],
) -> list[Problem]:
    """Problems of the register (when checking everything) and of each chain's anchor."""
    query = select(ChainAnchor).order_by(ChainAnchor.seq)
    if incident_id is not None:
        query = query.where(ChainAnchor.chain == incident_id)
    anchors = list(session.scalars(query))
    problems: list[Problem] = []
    if incident_id is None:
        broken = _check_register(anchors, *head_of(session, ANCHOR_CHAIN))
        if broken is not None:
            problems.append(broken)
    anchored = set()
    for entry in anchors:
        anchored.add(entry.chain)
        problem = _check_anchored(entry, firsts, heads, numbers.get(entry.chain))
        if problem is not None:
            problems.append(problem)
    for chain in sorted(set(firsts) - anchored - {GLOBAL_CHAIN}):
        where = where_of(chain, numbers.get(chain))
        message = f"{where}: the chain is not in {REGISTER} (it was added behind its back)"
        problems.append(Problem(chain, numbers.get(chain), "unanchored", None, None, message))
    return problems


def _check_anchored(
    entry: ChainAnchor, firsts: Mapping[int, str], heads: set[int], number: int | None
) -> Problem | None:
    where = where_of(entry.chain, number)
    label = f"anchored as #{entry.seq} at {entry.anchored_at.isoformat()}"
    if entry.chain not in firsts and entry.chain not in heads:
        message = f"{where}: {label}, but its whole timeline is gone (the incident was wiped)"
        return Problem(entry.chain, number, "wiped", None, None, message)
    first = firsts.get(entry.chain)
    if first is not None and first != entry.first_hash:
        message = f"{where}: its first event is not the one {label} (the chain was rebuilt)"
        return Problem(entry.chain, number, "edited", 1, None, message)
    return None


def _check_register(anchors: list[Any], head_seq: int, head_hash: str) -> Problem | None:
    def problem(kind: str, seq: int | None, message: str) -> Problem:
        return Problem(ANCHOR_CHAIN, None, kind, seq, None, f"{REGISTER}: {message}")

    expected, prev_hash = 1, ""
    for entry in anchors:
        if entry.seq != expected:
            gap = f"#{expected}" if entry.seq == expected + 1 else f"#{expected}..#{entry.seq - 1}"
            return problem("deleted", entry.seq, f"anchor {gap} is missing before #{entry.seq}")
        digest = anchor_hash(
            seq=entry.seq,
            chain=entry.chain,
            first_hash=entry.first_hash,
            anchored_at=entry.anchored_at,
            prev_hash=entry.prev_hash,
        )
        if digest != entry.hash or entry.prev_hash != prev_hash:
            return problem("edited", entry.seq, f"anchor #{entry.seq} was edited")
        expected, prev_hash = expected + 1, entry.hash
    if head_seq > expected - 1:
        return problem("deleted", None, f"the last anchor #{head_seq} is missing")
    if head_seq < expected - 1 or head_hash != prev_hash:
        return problem("edited", None, "the last anchor does not match the register's head")
    return None
