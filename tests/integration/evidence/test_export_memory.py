"""An export of an incident with many large items holds one item's bytes at a time and at most
the configured spool of the zip in memory; the zip is as before (verifies against its
manifest). Both databases; memory measured with tracemalloc, deterministic for this code."""

from __future__ import annotations

import random
import tracemalloc
from pathlib import Path

import pytest

from warroom.clock import FakeClock
from warroom.db import Database
from warroom.evidence import service
from warroom.evidence.bundle import verify_zip
from warroom.incidents import service as incidents

MIB = 1_048_576
ITEMS = 6


def test_a_large_export_is_spooled_not_held_in_memory(
    seeded: Database, clock: FakeClock, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "EXPORT_SPOOL_BYTES", 64 * 1024, raising=False)
    noise = random.Random(7)
    with seeded.session() as session:
        incident = incidents.open_incident(
            session, clock, title="Ledger drift", severity="SEV1", actor="test"
        )
        for n in range(ITEMS):  # random bytes: the zip cannot shrink them
            service.add_evidence(
                session,
                clock,
                incident,
                kind="file",
                name=f"dump-{n}.bin",
                content=noise.randbytes(MIB),
                actor="user:a@example.com",
                max_bytes=2 * MIB,
            )
        session.commit()
        number = incident.number
    with seeded.session() as session:
        incident = incidents.get_incident(session, number)
        tracemalloc.start()
        try:
            got = service.export(session, clock, incident, actor="user:b@example.com")
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        session.commit()
    # Before, every item's bytes, the zip and a copy of it were in memory at once.
    assert peak < 3 * MIB, f"peak {peak / MIB:.1f} MiB while exporting {ITEMS} MiB"
    path = tmp_path / "export.zip"
    with got:
        path.write_bytes(got.read())
    assert verify_zip(path) == (ITEMS, [])
