"""Adding, listing, reading and removing evidence; every read of content is recorded."""

from __future__ import annotations

import hashlib
import re
import tempfile
from typing import IO
from urllib.parse import urlparse

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from warroom.audit import service as timeline
from warroom.clock import Clock
from warroom.errors import Conflict, Forbidden, Invalid, NotFound, PayloadTooLarge
from warroom.evidence.bundle import build_zip, safe_name
from warroom.evidence.models import KINDS, EvidenceItem
from warroom.incidents.models import Incident

TEXT = "text/plain; charset=utf-8"
OCTETS = "application/octet-stream"
# A media type as RFC 9110 writes one (type/subtype, then `; name=value` parameters), short
# enough for its column: what an uploader declared is served back as the download's
# Content-Type, so anything else ("html", "text/html, text/plain") is kept as mere bytes.
_TOKEN = r"[A-Za-z0-9!#$%&'*+.^_`|~-]+"
_MEDIA_TYPE = re.compile(
    rf"{_TOKEN}/{_TOKEN}(?:[ \t]*;[ \t]*{_TOKEN}=(?:{_TOKEN}|\"[ !#-\[\]-~]*\"))*"
)
MAX_CONTENT_TYPE = 200


def media_type(declared: str | None) -> str:
    """The Content-Type an uploaded file is kept and served with: what was declared if it is
    a media type that fits, else application/octet-stream."""
    value = (declared or "").strip()
    if len(value) > MAX_CONTENT_TYPE or _MEDIA_TYPE.fullmatch(value) is None:
        return OCTETS
    return value


# What a download may be served as: types no browser runs or styles a page with. Anything else
# (text/html, text/javascript, image/svg+xml, text/css, ...) goes out as bytes: with nosniff,
# a `<script src>` or stylesheet link to an item (script-src 'self' trusts warroom's origin)
# is then refused, whatever its uploader declared.
INERT_TYPES = frozenset(
    {
        "text/plain",
        "text/csv",
        "application/json",
        "application/pdf",
        "application/zip",
        "application/gzip",
        "application/x-tar",
        "application/vnd.tcpdump.pcap",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        OCTETS,
    }
)


def served_type(item: EvidenceItem) -> str:
    """The Content-Type an item's download is sent with (application/octet-stream unless its
    type is one no browser runs)."""
    essence = item.content_type.split(";", 1)[0].strip().lower()
    return item.content_type if essence in INERT_TYPES else OCTETS


# An uploaded file is someone's bytes with someone's Content-Type, served from warroom's
# origin: no browser may sniff it into a page, and a page opened anyway runs in a sandbox
# with nothing of warroom's. The API's downloads and the web UI's send these same headers.
INERT = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
}


def download_headers(item: EvidenceItem) -> dict[str, str]:
    """The headers an item's download goes out with, over the API as in the web UI: an
    attachment named after it, its sha256, and INERT."""
    return {
        "Content-Disposition": f'attachment; filename="{item.id}-{safe_name(item.name)}"',
        "X-Evidence-SHA256": item.sha256,
        **INERT,
    }


MAX_DESCRIPTION = 5000
# C0 controls, DEL and C1: a name is a one-line label the CLI prints to a terminal, where an
# ESC would recolour or retitle it and a newline would forge a row of the table.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _check(kind: str, name: str, content: bytes, max_bytes: int, description: str) -> None:
    if len(description) > MAX_DESCRIPTION:  # as the JSON route says; the form routes too
        raise Invalid(
            f"description must be at most {MAX_DESCRIPTION} characters", field="description"
        )
    if kind not in KINDS:
        raise Invalid(f"unknown evidence kind {kind!r}; one of {', '.join(KINDS)}", field="kind")
    if not name.strip() or len(name) > 300:
        raise Invalid("name must be 1 to 300 characters", field="name")
    control = _CONTROL.search(name)
    if control is not None:
        raise Invalid(
            f"name holds a control character (U+{ord(control.group()):04X}) at position "
            f"{control.start() + 1}: give a one-line name of printable characters",
            field="name",
        )
    if len(content) > max_bytes:
        raise PayloadTooLarge(
            f"evidence is {len(content)} bytes; the limit is {max_bytes}", field="content"
        )
    if kind == "link":
        url = urlparse(content.decode("utf-8", "replace"))
        if url.scheme not in ("http", "https") or not url.netloc:
            raise Invalid("a link must be an http(s) URL", field="content")
    if kind in ("text", "command") and not content.strip():
        raise Invalid(f"{kind} evidence needs content", field="content")
    if kind == "file" and not content:  # a copy that failed, a wrong path: not evidence
        raise Invalid(
            f"{name.strip()} is empty (0 bytes): there is nothing to keep; check the file "
            "and upload it again",
            field="file",
        )


def add_evidence(
    session: Session,
    clock: Clock,
    incident: Incident,
    *,
    kind: str,
    name: str,
    content: bytes,
    actor: str,
    max_bytes: int,
    description: str = "",
    content_type: str | None = None,
    command: str | None = None,
) -> EvidenceItem:
    """Store one item with its sha256 and size; records evidence:item:added."""
    _check(kind, name, content, max_bytes, description)
    if kind == "command" and not (command or "").strip():
        raise Invalid("command output needs the command that produced it", field="command")
    item = EvidenceItem(
        incident_id=incident.id,
        kind=kind,
        name=name.strip(),
        description=description,
        content_type=media_type(content_type) if kind == "file" else TEXT,
        command=command if kind == "command" else None,
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        added_by=actor,
        added_at=clock.now(),
    )
    session.add(item)
    session.flush()
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="evidence:item:added",
        actor=actor,
        payload={
            "id": item.id,
            "kind": kind,
            "name": item.name,
            "sha256": item.sha256,
            "size": item.size,
        },
    )
    return item


def list_evidence(session: Session, incident: Incident) -> list[EvidenceItem]:
    """Every item of an incident, removed ones included (as tombstones), oldest first."""
    return list(
        session.scalars(
            select(EvidenceItem)
            .where(EvidenceItem.incident_id == incident.id)
            .order_by(EvidenceItem.id)
        )
    )


def get_item(session: Session, incident: Incident, item_id: int) -> EvidenceItem:
    """One item's metadata, or NotFound."""
    item = session.get(EvidenceItem, item_id)
    if item is None or item.incident_id != incident.id:
        raise NotFound(f"no evidence item {item_id} on {incident.ref}", field="item_id")
    return item


def download(
    session: Session, clock: Clock, incident: Incident, item_id: int, *, actor: str
) -> tuple[EvidenceItem, bytes]:
    """An item and its bytes; records evidence:item:downloaded."""
    item = get_item(session, incident, item_id)
    if item.removed_at is not None:
        raise NotFound(f"evidence item {item_id} was removed", field="item_id")
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="evidence:item:downloaded",
        actor=actor,
        payload={"id": item.id, "name": item.name, "sha256": item.sha256},
    )
    return item, item.content


def remove(
    session: Session,
    clock: Clock,
    incident: Incident,
    item_id: int,
    *,
    actor: str,
    reason: str,
    is_admin: bool = False,
) -> EvidenceItem:
    """Tombstone an item (its adder or an admin): its bytes are erased, the row stays with
    the name, size and sha256 of what was there (a secret pasted by mistake must go)."""
    item = get_item(session, incident, item_id)
    if not is_admin and item.added_by != actor:
        raise Forbidden("only the person who added evidence, or an admin, may remove it")
    if item.removed_at is not None:
        raise Conflict(f"evidence item {item_id} is already removed", field="item_id")
    if not reason.strip():
        raise Invalid("removing evidence needs a reason", field="reason")
    _zero_freed_pages(session)
    item.removed_at, item.removed_by, item.removed_reason = clock.now(), actor, reason.strip()
    item.content = b""
    session.flush()
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="evidence:item:removed",
        actor=actor,
        payload={"id": item.id, "name": item.name, "reason": item.removed_reason},
    )
    return item


def _zero_freed_pages(session: Session) -> None:
    """SQLite keeps what a change deletes in the file's freed pages, unless built to zero
    them (Debian's is): secure_delete has this connection zero them. Set before the item's
    row is first written, since SQLite rewrites a whole row, bytes and all, on any change.
    (PostgreSQL reuses a dead row's space after VACUUM; docs/incidents.md says so.)"""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete = ON"))


# An export is written to a temporary file that stays in memory up to this size and moves to
# disk past it; the items' bytes are read from the database one at a time.
EXPORT_SPOOL_BYTES = 8 * 1_048_576


def export(session: Session, clock: Clock, incident: Incident, *, actor: str) -> IO[bytes]:
    """A zip of the live items and a manifest of their hashes, in a temporary file rewound to
    its start (the caller closes it); records the download. However many items, memory holds
    one item's bytes and at most EXPORT_SPOOL_BYTES of the zip."""
    items = list(
        session.scalars(
            select(EvidenceItem)
            .where(EvidenceItem.incident_id == incident.id)
            .order_by(EvidenceItem.id)
        )
    )

    def read(item: EvidenceItem) -> bytes:
        # The column alone: loaded into the item, its bytes would stay with the session.
        return bytes(
            session.scalar(select(EvidenceItem.content).where(EvidenceItem.id == item.id)) or b""
        )

    out = tempfile.SpooledTemporaryFile(max_size=EXPORT_SPOOL_BYTES)  # noqa: SIM115 (the caller closes it)
    try:
        manifest_sha = build_zip(
            out, incident.number, incident.title, items, read, clock.now(), actor
        )
    except BaseException:
        out.close()
        raise
    out.seek(0)
    timeline.record(
        session,
        clock,
        incident_id=incident.id,
        kind="evidence:export:downloaded",
        actor=actor,
        payload={
            "items": [i.id for i in items if i.removed_at is None],
            "manifest_sha256": manifest_sha,
        },
    )
    return out
