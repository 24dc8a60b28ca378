"""The export zip: items plus manifest.json with their sha256; and checking such a zip.

This module needs no database, so `warroom evidence verify ZIP` runs anywhere.
"""

from __future__ import annotations

import hashlib
import json
import re
import zipfile
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from warroom.evidence.models import EvidenceItem

FORMAT = "warroom-evidence/1"
MANIFEST = "manifest.json"
WRITE_SLICE = 64 * 1024


def safe_name(name: str) -> str:
    """A name safe for a zip path or a Content-Disposition header."""
    return re.sub(r"[^A-Za-z0-9._-]+", "_", name).strip("._")[:80] or "item"


def build_zip(
    out: IO[bytes],
    number: int,
    title: str,
    items: list[EvidenceItem],
    read: Callable[[EvidenceItem], bytes],
    now: datetime,
    actor: str,
) -> str:
    """Write the zip to `out` (seekable), reading each live item's bytes with `read` as it goes,
    so no more than one item's are held at once; returns the sha256 of its manifest."""
    entries: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in items:
            meta = {
                "id": item.id,
                "kind": item.kind,
                "name": item.name,
                "sha256": item.sha256,
                "size": item.size,
                "added_by": item.added_by,
                "added_at": item.added_at.isoformat(),
            }
            if item.removed_at is not None:
                meta.update(removed_at=item.removed_at.isoformat(), removed_by=item.removed_by)
                removed.append(meta)
                continue
            path = f"items/{item.id:05d}-{safe_name(item.name)}"
            meta.update(
                path=path,
                content_type=item.content_type,
                command=item.command,
                description=item.description,
            )
            _write(archive, path, read(item))
            entries.append(meta)
        manifest = {
            "format": FORMAT,
            "incident": {"number": number, "ref": f"INC-{number}", "title": title},
            "exported_at": now.isoformat(),
            "exported_by": actor,
            "items": entries,
            "removed": removed,
        }
        raw = json.dumps(manifest, indent=2, sort_keys=True).encode()
        archive.writestr(MANIFEST, raw)
    return hashlib.sha256(raw).hexdigest()


def _write(archive: zipfile.ZipFile, path: str, data: bytes) -> None:
    """One entry, compressed a slice at a time: the compressed copy is never whole either."""
    view = memoryview(data)
    with archive.open(path, "w") as entry:
        for start in range(0, len(view), WRITE_SLICE):
            entry.write(view[start : start + WRITE_SLICE])


def verify_zip(path: Path) -> tuple[int, list[str]]:
    """(items checked, problems); each problem names the bad item."""
    try:
        archive = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return 0, [f"{path}: not a readable zip ({exc})"]
    with archive:
        names = set(archive.namelist())
        if MANIFEST not in names:
            return 0, [f"{path}: no {MANIFEST}"]
        try:
            manifest = json.loads(archive.read(MANIFEST))
            items = manifest["items"]
        except (ValueError, KeyError, TypeError) as exc:
            return 0, [f"{MANIFEST} is not a warroom evidence manifest ({exc})"]
        if not isinstance(items, list):
            return 0, [f"{MANIFEST}: items is not a list"]
        problems: list[str] = []
        listed = set()
        for index, entry in enumerate(items):
            if not isinstance(entry, dict):
                problems.append(
                    f"{MANIFEST}: items[{index}] is not an item (an object with id, path, sha256)"
                )
                continue
            label = f"item {entry.get('id')} ({entry.get('name')})"
            where = str(entry.get("path", ""))
            listed.add(where)
            if where not in names:
                problems.append(f"{label}: {where or 'its file'} is missing")
                continue
            data = archive.read(where)
            digest = hashlib.sha256(data).hexdigest()
            if digest != entry.get("sha256"):
                problems.append(
                    f"{label}: sha256 is {digest}, the manifest says {entry.get('sha256')}"
                )
            elif len(data) != entry.get("size"):
                problems.append(
                    f"{label}: size is {len(data)}, the manifest says {entry.get('size')}"
                )
        for extra in sorted(names - listed - {MANIFEST}):
            if not extra.endswith("/"):
                problems.append(f"{extra}: not listed in the manifest")
        return len(items), problems


def manifest_identity(path: Path) -> tuple[int | None, str | None]:
    """(the incident number the manifest names, the sha256 of its bytes): what to look for
    among the `evidence:export:downloaded` events that recorded each export's manifest_sha256.
    (None, None) when the zip or its manifest cannot be read (verify_zip names why)."""
    try:
        with zipfile.ZipFile(path) as archive:
            raw = archive.read(MANIFEST)
    except (OSError, KeyError, zipfile.BadZipFile):
        return None, None
    try:
        number = json.loads(raw)["incident"]["number"]
    except (ValueError, KeyError, TypeError):
        number = None
    known = number if isinstance(number, int) and not isinstance(number, bool) else None
    return known, hashlib.sha256(raw).hexdigest()
