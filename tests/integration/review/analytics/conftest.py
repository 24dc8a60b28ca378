"""The analytics tests name their periods in UTC: `warroom report` reads a date or time
without an offset in the reader's zone (WARROOM_TZ), so they read it as a reader in UTC."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def reader_in_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WARROOM_TZ", "UTC")
