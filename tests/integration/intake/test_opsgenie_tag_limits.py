"""An Opsgenie alert past the documented tag limits (20 tags of 50 characters) is kept, not
refused: Grafana's Opsgenie contact point sends a tag per label (`instance:…:9100`), and a 422
lost the alert for good. Tags past the 20th are left out, longer ones cut, and the alert says
so (`tags_cut`). A tag that is not a string is still refused, naming it. Both databases."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.integration.intake.conftest import OG_CREATE, alerts_in, og_headers
from warroom.db import Database

LONG = "instance:node-exporter.eu-west-1.compute.internal:9100"  # 54 characters


def test_tags_past_the_limits_are_cut_and_the_alert_kept(
    client: TestClient, configured: Database
) -> None:
    tags = [f"label{n}:value" for n in range(22)]
    tags[3] = LONG
    body: dict[str, Any] = {**OG_CREATE, "tags": tags}
    answer = client.post("/v2/alerts", json=body, headers=og_headers())
    assert answer.status_code == 202, answer.text
    [alert] = alerts_in(configured)
    kept = alert.annotations["tags"]
    assert len(kept) == 20 and kept[3] == LONG[:50] and kept[:3] == tags[:3]
    assert alert.annotations["tags_cut"] == (
        "kept the first 20 of 22 tags; cut 1 tag(s) to 50 characters"
    )


def test_tags_within_the_limits_say_nothing_and_a_bad_tag_is_refused(
    client: TestClient, configured: Database
) -> None:
    answer = client.post("/v2/alerts", json=OG_CREATE, headers=og_headers())
    assert answer.status_code == 202, answer.text
    [alert] = alerts_in(configured)
    assert alert.annotations["tags"] == ["database", "prod"]
    assert "tags_cut" not in alert.annotations
    bad = {**OG_CREATE, "alias": "other", "tags": ["ok", 7]}
    refused = client.post("/v2/alerts", json=bad, headers=og_headers())
    assert refused.status_code == 422 and "tags[1]" in refused.text
    assert len(alerts_in(configured)) == 1
