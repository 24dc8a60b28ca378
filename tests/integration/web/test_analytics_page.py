"""/ui/analytics: the period picker, figures and pygal charts, on both databases."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.integration.review.analytics import scenario
from warroom.clock import FakeClock
from warroom.db import Database

Login = Callable[..., Any]


@pytest.fixture
def built(db: Database, clock: FakeClock) -> None:
    with db.session() as session:
        scenario.build(session, clock)
        session.commit()


def _charts(html: str) -> list[str]:
    found = re.findall(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)"', html)
    return [base64.b64decode(b).decode() for b in found]


def test_figures_and_charts_for_a_viewer(client: TestClient, ui_login: Login, built: None) -> None:
    ui_login(client, role="viewer")
    page = client.get("/ui/analytics", params={"since": "2026-03-01", "until": "2026-04-01"})
    assert page.status_code == 200, page.text
    html = page.text
    assert 'id="incidents-total">6<' in html
    assert 'id="mtta">16m 15s<' in html  # 975 s
    assert 'id="pages-outside">5<' in html
    assert 'id="items-overdue">1<' in html
    assert "1 drill, 1 page" in html
    charts = _charts(html)
    assert len(charts) == 3
    assert all(svg.startswith("<svg") and "<script" not in svg for svg in charts)
    assert "Incidents per day" in charts[0] and "SEV2" in charts[0]
    assert "alice" in charts[2]
    assert 'aria-current="page">Analytics' in html


def test_period_picker_narrows(client: TestClient, ui_login: Login, built: None) -> None:
    ui_login(client, role="viewer")
    html = client.get(
        "/ui/analytics",
        params={"since": "2026-03-01", "service": "database", "bucket": "week"},
    ).text
    assert 'id="incidents-total">3<' in html
    assert '<option value="database" selected>' in html
    assert '<option value="week" selected>' in html
    assert "Incidents per week" in _charts(html)[0]


def test_bad_period_is_shown_not_a_500(client: TestClient, ui_login: Login) -> None:
    ui_login(client, role="viewer")
    page = client.get("/ui/analytics", params={"since": "last month"})
    assert page.status_code == 422
    assert 'role="alert"' in page.text and "since:" in page.text
    assert 'name="since" list="since-presets" value="last month"' in page.text


def test_signed_out_goes_to_login(client: TestClient) -> None:
    answer = client.get("/ui/analytics", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")
