"""PagerDuty Events API v2 (`POST /v2/enqueue`, wire-formats §2)."""

from __future__ import annotations

import uuid
from contextlib import suppress
from typing import Any

from warroom.errors import Invalid
from warroom.intake.matchable import detail_labels
from warroom.intake.schemas import (
    Batch,
    NormalisedAlert,
    iso_time_or_none,
    keep_web_links,
    obj,
    text_field,
)
from warroom.redaction import hidden_values, mask_details, scrub_known, scrub_value

EVENT_ACTIONS = {"trigger": "firing", "acknowledge": "acknowledged", "resolve": "resolved"}
SEVERITIES = ("critical", "error", "warning", "info")


def routing_key(body: Any) -> str:
    """The integration key carried in the body (PagerDuty has no auth header)."""
    if not isinstance(body, dict):
        raise Invalid("the event must be a JSON object", field="body")
    return text_field(body.get("routing_key"), "routing_key", max_len=512)


def _links(
    body: dict[str, Any], annotations: dict[str, Any], hidden: list[str]
) -> list[dict[str, str]]:
    candidates: list[tuple[Any, str]] = []
    for kind in ("links", "images"):
        items = body.get(kind)
        if items is None:
            continue
        if not isinstance(items, list):
            raise Invalid(f"{kind} must be an array", field=kind)
        for i, item in enumerate(items):
            link = obj(item, f"{kind}[{i}]")
            key = "href" if kind == "links" else "src"
            href = text_field(link.get(key), f"{kind}[{i}].{key}", max_len=4096)
            text = link.get("text") or link.get("alt") or ""
            candidates.append((scrub_known(href, hidden), str(text)))
    if isinstance(body.get("client_url"), str) and body["client_url"]:
        client = str(body.get("client") or "Source")
        candidates.append((scrub_known(body["client_url"], hidden), client))
    return keep_web_links(candidates, annotations)


def _payload(body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    payload = obj(body.get("payload"), "payload")
    text_field(payload.get("summary"), "payload.summary", max_len=1024)
    source = text_field(payload.get("source"), "payload.source", max_len=1024)
    severity = payload.get("severity")
    if severity not in SEVERITIES:
        raise Invalid(
            "payload.severity must be one of critical, error, warning, info",
            field="payload.severity",
        )
    details = payload.get("custom_details")
    if details is not None and not isinstance(details, dict):
        raise Invalid("payload.custom_details must be an object", field="payload.custom_details")
    labels = {"source": scrub_value(source), "severity": severity}
    for key in ("component", "group", "class"):
        value = payload.get(key)
        if value is not None:
            text = text_field(value, f"payload.{key}", required=False, max_len=1024)
            labels[key] = scrub_value(text)
    return payload, labels


def parse(body: Any) -> Batch:
    """Validate and normalise one PagerDuty event."""
    if not isinstance(body, dict):
        raise Invalid("the event must be a JSON object", field="body")
    action = body.get("event_action")
    if action not in EVENT_ACTIONS:
        raise Invalid(
            "event_action must be one of trigger, acknowledge, resolve", field="event_action"
        )
    dedup_key = text_field(
        body.get("dedup_key"), "dedup_key", required=action != "trigger", max_len=255
    )
    payload: dict[str, Any] = {}
    labels: dict[str, str] = {}
    if action == "trigger":
        payload, labels = _payload(body)
    elif body.get("payload") is not None:
        # Not needed to acknowledge or resolve (§2.1), yet Alertmanager sends it, templated: a
        # payload that would be invalid on a trigger is ignored here (the alert keeps its
        # trigger's text), never a 400 that leaves the alert firing while the sender re-sends.
        with suppress(Invalid):
            payload, labels = _payload(body)
    # Optional: an unreadable timestamp is the time of receipt (the raw event keeps it as sent).
    starts_at = iso_time_or_none(payload.get("timestamp"))
    # Shown to every viewer as labels, annotations, the summary (the incident's title) and
    # links: credentials masked (warroom.redaction), and a secret-named detail's value masked
    # where the summary or a link repeats it. The dedup_key is the event's as sent.
    sent_details = payload.get("custom_details") or {}
    hidden = hidden_values(sent_details)
    details = mask_details(sent_details)
    labels = {**detail_labels(details), **labels}  # details.<key>, see intake/matchable.py
    annotations: dict[str, Any] = {"custom_details": details} if details else {}
    links = _links(body, annotations, hidden)
    summary = str(payload.get("summary") or "")
    alert = NormalisedAlert(
        fingerprint=dedup_key or str(uuid.uuid4()),
        status=EVENT_ACTIONS[action],
        labels=labels,
        annotations=annotations,
        summary=scrub_known(summary, hidden) if summary else summary,
        severity_hint=labels.get("severity"),
        starts_at=starts_at,
        links=links,
        raw=body,
    )
    return Batch(source="pagerduty", alerts=[alert], group_key=dedup_key or None)


def error_body(message: str, errors: list[str]) -> dict[str, Any]:
    return {"status": "invalid event", "message": message, "errors": errors}
