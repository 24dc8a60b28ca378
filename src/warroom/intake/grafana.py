"""Grafana-managed alerting webhook contact point, payload version "1" (wire-formats §3)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from warroom.errors import Invalid
from warroom.intake.alertmanager import parse_alerts
from warroom.intake.schemas import Batch
from warroom.redaction import scrub_value

SIGNATURE_HEADER = "x-grafana-alerting-signature"


def is_grafana(body: dict[str, Any]) -> bool:
    """Grafana says version "1" (and carries orgId and state); Alertmanager says "4"."""
    return body.get("version") == "1"


def parse(body: dict[str, Any]) -> Batch:
    """Validate and normalise a Grafana webhook body (the default payload, not a template)."""
    if body.get("version") != "1":
        raise Invalid('version must be "1" for a Grafana payload', field="version")
    group_key = body.get("groupKey")
    if group_key is not None and not isinstance(group_key, str):
        raise Invalid("groupKey must be a string", field="groupKey")
    if group_key:  # only shown (a truncated webhook's timeline entry): may name a secret label
        group_key = scrub_value(group_key)
    alerts = parse_alerts(body)
    for alert in alerts:
        # Grafana hides __x__ labels from commonLabels; drop them per alert too.
        alert.labels = {k: v for k, v in alert.labels.items() if not k.startswith("__")}
    test = len(alerts) == 1 and alerts[0].labels.get("alertname") == "TestAlert"
    return Batch(source="grafana", alerts=alerts, group_key=group_key, test=test)


def signature_ok(secret: str, body: bytes, signature: str, timestamp: str | None = None) -> bool:
    """Grafana's HMAC-SHA256 over the body, or over "<timestamp>:<body>" with a timestamp header."""
    message = body if timestamp is None else timestamp.encode() + b":" + body
    expected = hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.strip().lower())
