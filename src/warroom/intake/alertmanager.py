"""Prometheus Alertmanager webhook payload, version "4" (wire-formats §1)."""

from __future__ import annotations

from typing import Any

from warroom.errors import Invalid
from warroom.intake.schemas import (
    Batch,
    NormalisedAlert,
    keep_web_links,
    label_fingerprint,
    obj,
    parse_time,
    string_map,
    text_field,
    web_link,
)
from warroom.redaction import (
    hidden_values,
    hide_known,
    mask_details,
    mask_labels,
    scrub_known,
    scrub_value,
)

STATUSES = ("firing", "resolved")
_GRAFANA_LINKS = (
    ("dashboardURL", "Dashboard"),
    ("panelURL", "Panel"),
    ("silenceURL", "Silence"),
    ("imageURL", "Image"),
)
MAX_ALERTS = 10_000


def parse_alert(item: Any, where: str) -> NormalisedAlert:
    """One element of `alerts[]`, shared by Alertmanager and Grafana."""
    alert = obj(item, where)
    status = alert.get("status")
    if status not in STATUSES:
        raise Invalid(f"{where}.status must be 'firing' or 'resolved'", field=f"{where}.status")
    labels = string_map(alert.get("labels"), f"{where}.labels")
    if not labels:
        raise Invalid(f"{where}.labels must not be empty", field=f"{where}.labels")
    annotations = string_map(alert.get("annotations"), f"{where}.annotations", required=False)
    # Grafana's evaluated values ("[ var='A' labels={host=web-04} value=93.2 ]").
    value_string = text_field(alert.get("valueString"), f"{where}.valueString", required=False)
    if value_string:
        annotations = {**annotations, "valueString": annotations.get("valueString", value_string)}
    starts_at = parse_time(alert.get("startsAt"), f"{where}.startsAt")
    ends_at = parse_time(alert.get("endsAt"), f"{where}.endsAt", required=False)
    generator = text_field(alert.get("generatorURL"), f"{where}.generatorURL", required=False)
    fingerprint = text_field(alert.get("fingerprint"), f"{where}.fingerprint", required=False)
    if len(fingerprint) > 512:
        raise Invalid(f"{where}.fingerprint is too long", field=f"{where}.fingerprint")
    # Shown to every viewer: credentials masked (warroom.redaction). The fingerprint is the
    # labels' as sent, so an alert is deduplicated as it always was; ordinary labels stay.
    identity = fingerprint or label_fingerprint(labels)
    hidden = hidden_values(labels, annotations)
    labels = mask_labels(labels)
    annotations = mask_details({k: hide_known(v, hidden) for k, v in annotations.items()})
    candidates: list[tuple[Any, str]] = [(generator, "Source")]
    candidates += [(annotations.get("runbook_url"), "Runbook")]
    candidates += [(alert.get(k), t) for k, t in _GRAFANA_LINKS]
    candidates = [(_scrubbed(href, hidden), text) for href, text in candidates]
    links = keep_web_links(candidates, annotations)
    if "runbook_url" in annotations and not web_link(annotations["runbook_url"]):
        del annotations["runbook_url"]  # a javascript: runbook must not survive as text either
    summary = (
        annotations.get("summary")
        or annotations.get("description")
        or labels.get("alertname")
        or fingerprint
    )
    return NormalisedAlert(
        fingerprint=identity,
        status=status,
        labels=labels,
        annotations=annotations,
        summary=summary[:1024],
        severity_hint=labels.get("severity"),
        starts_at=starts_at,
        ends_at=ends_at if status == "resolved" else None,
        links=links,
        raw=alert,
        sender_start=True,
    )


def _scrubbed(href: Any, hidden: list[str]) -> Any:
    """A link candidate with its credentials masked (non-strings are judged as they are)."""
    return scrub_known(href, hidden) if isinstance(href, str) and href else href


def parse_alerts(body: dict[str, Any]) -> list[NormalisedAlert]:
    items = body.get("alerts")
    if not isinstance(items, list):
        raise Invalid("alerts must be an array", field="alerts")
    if not items:
        raise Invalid("alerts must not be empty", field="alerts")
    if len(items) > MAX_ALERTS:
        raise Invalid(f"alerts holds more than {MAX_ALERTS} alerts", field="alerts")
    return [parse_alert(item, f"alerts[{i}]") for i, item in enumerate(items)]


def parse(body: dict[str, Any]) -> Batch:
    """Validate and normalise an Alertmanager v4 webhook body."""
    if body.get("version") != "4":
        raise Invalid('version must be "4" (Alertmanager) or "1" (Grafana)', field="version")
    group_key = body.get("groupKey")
    if group_key is not None and not isinstance(group_key, str):
        raise Invalid("groupKey must be a string", field="groupKey")
    if group_key:  # only shown (a truncated webhook's timeline entry): may name a secret label
        group_key = scrub_value(group_key)
    for key in ("groupLabels", "commonLabels", "commonAnnotations"):
        if key in body:
            obj(body[key], key)
    return Batch(source="alertmanager", alerts=parse_alerts(body), group_key=group_key)
