"""Runbook steps on the incident page render their inline Markdown, safely.

A step's text stays Markdown, and the page showed it as typed (`**Detection**`,
`` `kubectl get pods` ``, `[dashboard](https://...)`). It now shows bold, italics, code and
links; the runbook's HTML is text, a link goes only to http(s) or mailto (with
rel="noopener noreferrer"), and no image is loaded.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.paging.world import apply
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.incidents import service as incidents
from warroom.runbooks import service as runbooks

ORG = """\
severities:
  - {key: SEV2, name: Major}
runbooks:
  - key: pods
    markdown: |
      # Pods crash

      ## Steps
      - **Detection**: run `kubectl get pods -n <ns>` and read the _restarts_
      - Open the [dashboard](https://grafana.test/p?a=1&b=2) or mail [owners](mailto:o@ex.test)
      - Never <script>alert("step")</script> <b onmouseover="alert(1)">bold</b>
      - Click [here](javascript:alert(1)) or <javascript:alert(2)> or [there](JaVaScRiPt:alert(3))
      - Look at ![graph](https://img.example.test/x.png) and [the wiki](/wiki/pods)
"""


def _steps(page: str) -> list[str]:
    return re.findall(r'<span class="step-text">(.*?)</span>\n', page, re.S)


def _page(client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]) -> str:
    apply(db, clock, ORG)
    with db.session() as session:
        incident = incidents.open_incident(
            session, clock, title="Pods crash", severity="SEV2", actor="test"
        )
        number = int(incident.number)
        runbooks.attach(session, clock, number, "pods", "test")
    ui_login(client, "viewer")
    page = client.get(f"/ui/incidents/{number}")
    assert page.status_code == 200, page.text
    return page.text


def test_a_steps_bold_italics_code_and_links_render(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    steps = _steps(_page(client, db, clock, ui_login))
    assert steps[0] == (
        "1. <strong>Detection</strong>: run <code>kubectl get pods -n &lt;ns&gt;</code>"
        " and read the <em>restarts</em>"
    )
    assert steps[1] == (
        '2. Open the <a href="https://grafana.test/p?a=1&amp;b=2"'
        ' rel="noopener noreferrer">dashboard</a> or mail'
        ' <a href="mailto:o@ex.test" rel="noopener noreferrer">owners</a>'
    )
    assert "**" not in "".join(steps) and "`" not in "".join(steps)


def test_html_scripts_and_unsafe_links_in_a_step_never_reach_the_page(
    client: TestClient, db: Database, clock: FakeClock, ui_login: Callable[..., Any]
) -> None:
    page = _page(client, db, clock, ui_login)
    steps = _steps(page)
    # The runbook's HTML is shown as the text it is, escaped.
    assert html.unescape(steps[2]) == (
        '3. Never <script>alert("step")</script> <b onmouseover="alert(1)">bold</b>'
    )
    assert "<script>" not in steps[2]
    assert 'alert("step")' not in page and "<b onmouseover" not in page
    # No link is made to javascript: (the text stays as written, escaped), a relative link is
    # none either, and no image is loaded from the runbook.
    assert not re.search(r'href="\s*javascript', page, re.I)
    assert "<a " not in steps[3] and "<a " not in steps[4].replace(
        '<a href="https://img.example.test/x.png" rel="noopener noreferrer">graph</a>', ""
    )
    assert "<img" not in page and 'href="/wiki/pods"' not in page
    hrefs = re.findall(r'<a href="([^"]*)"', "".join(steps))
    assert all(h.startswith(("https://", "mailto:")) for h in hrefs), hrefs
