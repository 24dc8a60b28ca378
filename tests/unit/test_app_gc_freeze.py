"""A serving process keeps what start-up built out of the garbage collector's full passes."""

from __future__ import annotations

import gc
from pathlib import Path

from fastapi.testclient import TestClient

from warroom.app import create_app
from warroom.settings import Settings


def test_a_serving_app_freezes_its_start_up_objects(tmp_path: Path) -> None:
    gc.unfreeze()
    settings = Settings(
        database_url=f"sqlite:///{tmp_path}/w.db", secret_key="k", data_dir=tmp_path
    )
    try:
        with TestClient(create_app(settings)) as client:
            assert gc.get_freeze_count() > 0
            assert client.get("/healthz").status_code in (200, 503)
    finally:
        gc.unfreeze()
