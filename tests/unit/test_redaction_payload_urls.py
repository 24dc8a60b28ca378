"""scrub_payload cleans URLs inside a payload whichever credentials they carry."""

from __future__ import annotations

from warroom.redaction import MASK, scrub_payload


def test_urls_lose_user_info_and_query_secrets_and_keep_everything_else() -> None:
    raw = {
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
        "link": "https://bob:hunter2@grafana.example/d/1",
        "both": "https://bob:hunter2@ci.example/job?x=1&token=abc123",
        "text": "see https://example.com/a/b for details",
        "routing_key": "R0123456789",
        "labels": {"ApiKey": "k", "instance": "10.0.0.1:9100"},
    }
    assert scrub_payload(raw) == {
        "generatorURL": "http://prometheus:9090/graph?g0.expr=up",
        "link": f"https://bob:{MASK}@grafana.example/d/1",
        "both": f"https://bob:{MASK}@ci.example/job?x=1&token={MASK}",
        "text": "see https://example.com/a/b for details",
        "labels": {"instance": "10.0.0.1:9100"},
    }
