"""Signed checkpoints of every chain head, kept outside the database.

A chain kept only inside the database cannot show that its tail was deleted together with its
head, or that it was recomputed whole: the database agrees with itself. A checkpoint written
elsewhere (a file on another disk, a webhook, a mailbox) pins each chain's last sequence and
hash at a moment; comparing it later shows a chain shorter than it was, or a different event
at a pinned position. The document is signed (HMAC-SHA256, key derived from the secret key),
so a checkpoint written by someone else is refused.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.audit.chain import canonical
from warroom.audit.heads import all_heads
from warroom.audit.models import ANCHOR_CHAIN, GLOBAL_CHAIN, ChainAnchor, TimelineEvent
from warroom.audit.verify import Problem
from warroom.clock import Clock

FORMAT = "warroom-audit-checkpoint/1"
ALGORITHM = "hmac-sha256"
# Problems of the checkpoint itself (not of one chain) are reported on this chain number.
CHECKPOINT = -2


def _key(secret: str) -> bytes:
    # A key of its own, so a checkpoint signature is never a valid link or ping signature.
    return hmac.new(secret.encode(), b"warroom audit checkpoint", hashlib.sha256).digest()


def sign(doc: dict[str, Any], secret: str) -> str:
    """The signature of a checkpoint document (every field but the signature)."""
    body = {k: v for k, v in doc.items() if k != "signature"}
    return hmac.new(_key(secret), canonical(body), hashlib.sha256).hexdigest()


def build(session: Session, clock: Clock, secret: str) -> dict[str, Any]:
    """A signed checkpoint of every chain head as of now."""
    doc: dict[str, Any] = {
        "format": FORMAT,
        "written_at": clock.now().isoformat(),
        "algorithm": ALGORITHM,
        "heads": [{"chain": c, "seq": s, "hash": h} for c, s, h in all_heads(session)],
    }
    doc["signature"] = sign(doc, secret)
    return doc


def load(path: Path) -> list[dict[str, Any]]:
    """The checkpoints in a file: one JSON document, or one per line (the file sink's form).

    Raises ValueError naming the file when it holds none."""
    text = path.read_text(encoding="utf-8")
    try:
        docs = [json.loads(text)]
    except ValueError:
        docs = []
        for number, line in enumerate(text.splitlines(), 1):
            if line.strip():
                try:
                    docs.append(json.loads(line))
                except ValueError:
                    raise ValueError(f"{path}:{number}: not a JSON checkpoint") from None
    found = [d for d in docs if isinstance(d, dict) and d.get("format") == FORMAT]
    if not found:
        raise ValueError(f"{path}: no warroom audit checkpoint in it")
    return found


def compare(
    session: Session, doc: dict[str, Any], secret: str, numbers: dict[int, int] | None = None
) -> list[Problem]:
    """What changed since the checkpoint: chains cut short or recomputed; a bad signature."""
    when = doc.get("written_at")
    signature = str(doc.get("signature", ""))
    if doc.get("algorithm") != ALGORITHM or not hmac.compare_digest(signature, sign(doc, secret)):
        message = f"the checkpoint of {when} is not signed with this installation's key (forged)"
        return [Problem(CHECKPOINT, None, "forged", None, None, message)]
    current = {c: s for c, s, _ in all_heads(session)}
    problems = []
    for head in doc.get("heads", []):
        chain, seq, digest = int(head["chain"]), int(head["seq"]), str(head["hash"])
        number = (numbers or {}).get(chain)
        where = _where(chain, number)
        now_seq = current.get(chain, 0)
        if now_seq < seq:
            message = (
                f"{where}: the checkpoint of {when} pins #{seq}, but the chain ends at "
                f"#{now_seq} (its tail was deleted)"
            )
            problems.append(Problem(chain, number, "deleted", seq, None, message))
        elif seq and _hash_at(session, chain, seq) != digest:
            message = (
                f"{where}: #{seq} is not the event the checkpoint of {when} pinned "
                "(the chain was recomputed)"
            )
            problems.append(Problem(chain, number, "edited", seq, None, message))
    return problems


def _where(chain: int, number: int | None) -> str:
    if chain == ANCHOR_CHAIN:
        return "the anchor register"
    if chain == GLOBAL_CHAIN:
        return "the global timeline"
    return f"INC-{number}" if number is not None else f"chain {chain}"


def _hash_at(session: Session, chain: int, seq: int) -> str | None:
    if chain == ANCHOR_CHAIN:
        return session.scalar(select(ChainAnchor.hash).where(ChainAnchor.seq == seq))
    return session.scalar(
        select(TimelineEvent.hash).where(TimelineEvent.chain == chain, TimelineEvent.seq == seq)
    )
