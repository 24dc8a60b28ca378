"""warroom's own JSON for scripts and tools (documented in docs/intake.md).

    {"title": "Disk almost full", "severity": "SEV3", "status": "firing",
     "dedup_key": "db-1/disk", "labels": {"service": "api-gateway"},
     "description": "...", "links": [{"href": "https://...", "text": "Graph"}]}

or `{"alerts": [<that object>, ...]}` for several at once.
"""

from __future__ import annotations

from typing import Any

from warroom.errors import Invalid
from warroom.intake.schemas import (
    Batch,
    NormalisedAlert,
    label_fingerprint,
    obj,
    parse_time,
    string_map,
    text_field,
    web_link,
)
from warroom.redaction import hidden_values, hide_known, mask_details, mask_labels, scrub_known

STATUSES = ("firing", "resolved", "acknowledged")
KNOWN = {
    "title",
    "severity",
    "status",
    "dedup_key",
    "labels",
    "annotations",
    "description",
    "links",
    "starts_at",
    "ends_at",
}
MAX_ALERTS = 1000


def _links(value: Any, where: str, hidden: list[str]) -> list[dict[str, str]]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise Invalid(f"{where} must be an array of {{href, text}}", field=where)
    out = []
    for i, item in enumerate(value):
        link = obj(item, f"{where}[{i}]")
        href = text_field(link.get("href"), f"{where}[{i}].href", max_len=2048)
        if not web_link(href):
            raise Invalid(f"{where}[{i}].href must be an http(s) URL", field=f"{where}[{i}].href")
        text = text_field(link.get("text"), f"{where}[{i}].text", required=False)
        # Shown to every viewer, as PagerDuty's links are: credentials masked.
        out.append({"href": scrub_known(href, hidden), "text": scrub_known(text, hidden)})
    return out


def parse_one(item: Any, where: str) -> NormalisedAlert:
    data = obj(item, where or "body")
    prefix = f"{where}." if where else ""
    unknown = sorted(set(data) - KNOWN)
    if unknown:
        raise Invalid(f"unknown field {prefix}{unknown[0]}", field=f"{prefix}{unknown[0]}")
    title = text_field(data.get("title"), f"{prefix}title", max_len=1024)
    status = data.get("status", "firing")
    if status not in STATUSES:
        raise Invalid(
            f"{prefix}status must be firing, resolved or acknowledged", field=f"{prefix}status"
        )
    severity = text_field(data.get("severity"), f"{prefix}severity", required=False, max_len=32)
    labels = string_map(data.get("labels"), f"{prefix}labels", required=False)
    annotations = string_map(data.get("annotations"), f"{prefix}annotations", required=False)
    description = text_field(data.get("description"), f"{prefix}description", required=False)
    if description:
        annotations = {**annotations, "description": description}
    dedup_key = text_field(data.get("dedup_key"), f"{prefix}dedup_key", required=False, max_len=512)
    if not dedup_key:  # from the labels and title as sent: dedup as before masking
        dedup_key = label_fingerprint({**labels, "__title__": title})
    starts_at = parse_time(data.get("starts_at"), f"{prefix}starts_at", required=False)
    ends_at = parse_time(data.get("ends_at"), f"{prefix}ends_at", required=False)
    # Shown to every viewer: credentials masked (warroom.redaction); ordinary labels stay.
    hidden = hidden_values(labels, annotations)
    annotations = mask_details({k: hide_known(v, hidden) for k, v in annotations.items()})
    return NormalisedAlert(
        fingerprint=dedup_key,
        status=status,
        labels=mask_labels(labels),
        annotations=annotations,
        summary=scrub_known(title, hidden),
        severity_hint=severity or labels.get("severity"),
        starts_at=starts_at,
        ends_at=ends_at,
        links=_links(data.get("links"), f"{prefix}links", hidden),
        raw=data,
    )


def parse(body: Any) -> Batch:
    """Validate and normalise a generic alert, or `{"alerts": [...]}`."""
    data = obj(body, "body")
    if "alerts" in data:
        items = data["alerts"]
        if not isinstance(items, list) or not items:
            raise Invalid("alerts must be a non-empty array", field="alerts")
        if len(items) > MAX_ALERTS:
            raise Invalid(f"alerts holds more than {MAX_ALERTS} alerts", field="alerts")
        return Batch("generic", [parse_one(item, f"alerts[{i}]") for i, item in enumerate(items)])
    return Batch("generic", [parse_one(data, "")])
