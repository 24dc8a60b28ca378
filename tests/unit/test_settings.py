"""Process settings: the secret key a single-host install needs without any setup."""

from __future__ import annotations

import stat
from pathlib import Path

from warroom.settings import Settings, ensure_secret_key


def test_secret_key_is_created_once_privately_and_kept(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", secret_key="")
    first = ensure_secret_key(settings)
    assert len(first) >= 40
    path = tmp_path / "var" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_secret_key(Settings(data_dir=tmp_path / "var", secret_key="")) == first


def test_a_configured_secret_key_wins_and_writes_nothing(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var", secret_key="from-the-environment")
    assert ensure_secret_key(settings) == "from-the-environment"
    assert not (tmp_path / "var").exists()
