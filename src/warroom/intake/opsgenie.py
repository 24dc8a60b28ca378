"""Opsgenie Alert API: create, close, acknowledge (wire-formats §4)."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from warroom.errors import Invalid
from warroom.intake.matchable import TAG_PREFIX, tag_labels
from warroom.intake.schemas import Batch, NormalisedAlert, obj, text_field, web_link
from warroom.redaction import hidden_values, mask_details, scrub_known, scrub_value

PRIORITIES = ("P1", "P2", "P3", "P4", "P5")
IDENTIFIER_TYPES = ("id", "alias", "tiny")


def _string_list(value: Any, where: str, max_items: int, max_len: int) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > max_items:
        raise Invalid(f"{where} must be an array of at most {max_items} strings", field=where)
    for i, item in enumerate(value):
        text_field(item, f"{where}[{i}]", max_len=max_len)
    return value


TAGS_MAX, TAG_LEN = 20, 50  # Opsgenie's documented limits


def _tags(value: Any) -> tuple[list[str], str]:
    """The alert's tags within Opsgenie's limits, and what was cut to fit ("" if nothing).

    Past the limits the alert is kept, not refused: a sender that does not cut (Grafana's
    Opsgenie contact point sends a tag per label, `instance:host.example.internal:9100`)
    would lose it for good. Tags past the 20th are left out, longer ones cut to 50 characters,
    and the alert says so (`tags_cut`)."""
    if value is None:
        return [], ""
    if not isinstance(value, list):
        raise Invalid("tags must be an array of strings", field="tags")
    for i, item in enumerate(value):
        text_field(item, f"tags[{i}]", max_len=None)
    kept = [tag[:TAG_LEN] for tag in value[:TAGS_MAX]]
    said = []
    if len(value) > TAGS_MAX:
        said.append(f"kept the first {TAGS_MAX} of {len(value)} tags")
    cut = sum(len(tag) > TAG_LEN for tag in value[:TAGS_MAX])
    if cut:
        said.append(f"cut {cut} tag(s) to {TAG_LEN} characters")
    return kept, "; ".join(said)


def parse_create(body: Any) -> Batch:
    """Validate and normalise `POST /v2/alerts`."""
    data = obj(body, "body")
    message = text_field(data.get("message"), "message", max_len=130)
    alias = text_field(data.get("alias"), "alias", required=False, max_len=512)
    description = text_field(data.get("description"), "description", required=False, max_len=15000)
    entity = text_field(data.get("entity"), "entity", required=False, max_len=512)
    source = text_field(data.get("source"), "source", required=False, max_len=1024)
    note_fields(data)  # kept in raw: the note goes on the timeline (api_opsgenie)
    # null (or "") is absent, as for every optional field: Opsgenie's default P3.
    priority = data.get("priority") if data.get("priority") not in (None, "") else "P3"
    if priority not in PRIORITIES:
        raise Invalid("priority must be one of P1, P2, P3, P4, P5", field="priority")
    tags, tags_cut = _tags(data.get("tags"))
    _string_list(data.get("actions"), "actions", 10, 1000)
    details = obj(data.get("details"), "details", required=False)
    for key, value in details.items():
        if not isinstance(value, str):
            raise Invalid(f"details.{key} must be a string", field=f"details.{key}")
    for key in ("responders", "visibleTo"):
        if data.get(key) is not None and not isinstance(data[key], list):
            raise Invalid(f"{key} must be an array", field=key)
    # The alias, or the hash of the message as sent: the same alert deduplicates as before.
    fingerprint = alias or hashlib.sha256(message.encode()).hexdigest()
    # Details, tags, the description and the message (the alert's summary and its incident's
    # title) are shown to every viewer: credentials masked, and a secret-named detail's value
    # masked where the message or the description repeats it.
    hidden = hidden_values(details)
    details = mask_details(details)
    tags = [scrub_value(tag) for tag in tags]
    description = scrub_known(description, hidden) if description else description
    message = scrub_known(message, hidden)
    labels = {**details, **tag_labels(tags), "priority": priority}  # see intake/matchable.py
    if entity:
        labels.setdefault("entity", entity)
    annotations: dict[str, Any] = {"description": description} if description else {}
    if tags:
        annotations["tags"] = tags
    if tags_cut:
        annotations["tags_cut"] = tags_cut
    # Opsgenie's source is often a host name or an IP: only an http(s) URL becomes a link.
    links = [{"href": scrub_known(source, hidden), "text": "Source"}] if web_link(source) else []
    alert = NormalisedAlert(
        fingerprint=fingerprint,
        status="firing",
        labels=labels,
        annotations=annotations,
        summary=message,
        severity_hint=priority,
        links=links,
        raw=data,
    )
    return Batch(source="opsgenie", alerts=[alert], group_key=alias or None)


def parse_action(identifier: str, identifier_type: str, body: Any, status: str) -> Batch:
    """`POST /v2/alerts/{identifier}/close|acknowledge`; the body is optional."""
    if identifier_type not in IDENTIFIER_TYPES:
        raise bad_identifier_type()
    # An alias is any text of up to 512 characters, "/" included (the route takes the rest of
    # the path up to the action).
    text_field(identifier, "identifier", max_len=512)
    refuse_nul(identifier)
    data = obj(body, "body", required=False)
    text_field(data.get("source"), "source", required=False, max_len=1024)
    note_fields(data)
    alert = NormalisedAlert(fingerprint=identifier, status=status, labels={}, raw=data)
    return Batch(source="opsgenie", alerts=[alert], group_key=identifier)


def refuse_nul(identifier: str) -> None:
    """No NUL (%00) in an alert's id or alias in a path: no database stores it and no alias
    (sent in a JSON body, where NUL is refused) holds it."""
    if "\x00" in identifier:
        raise Invalid("identifier must not contain NUL characters (%00)", field="identifier")


def note_fields(data: dict[str, Any]) -> None:
    """The optional `note` and `user` of a create, close, acknowledge or add note."""
    text_field(data.get("user"), "user", required=False, max_len=1024)
    text_field(data.get("note"), "note", required=False, max_len=25000)


def accepted(request_id: str, took: float) -> dict[str, Any]:
    return {"result": "Request will be processed", "took": round(took, 3), "requestId": request_id}


def error_body(
    message: str, request_id: str, errors: dict[str, str] | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {"message": message, "took": 0.0, "requestId": request_id}
    if errors:
        body["errors"] = errors
    return body


def bad_identifier_type() -> Invalid:
    return Invalid("identifierType must be id, alias or tiny", field="identifierType")


def parse_note(identifier: str, identifier_type: str, body: Any) -> Batch:
    """`POST /v2/alerts/{identifier}/notes`: a note is required, user and source optional."""
    batch = parse_action(identifier, identifier_type, body, "update")
    text_field(batch.alerts[0].raw.get("note"), "note", max_len=25000)
    return batch


# `PUT /v2/alerts/{identifier}/<part>` of Alertmanager's `update_alerts`: the field each sets.
UPDATE_FIELDS = {"message": 130, "description": 15000}


def parse_update(identifier: str, identifier_type: str, part: str, body: Any) -> Batch:
    """`PUT /v2/alerts/{identifier}/message|description`: the new text, if any, is a string.
    Alertmanager leaves an empty one out (`omitempty`: a description template that renders
    nothing sends `{}`), so none is not refused."""
    batch = parse_action(identifier, identifier_type, body, "update")
    text_field(batch.alerts[0].raw.get(part), part, required=False, max_len=UPDATE_FIELDS[part])
    return batch


def _stamp(when: datetime | None) -> str | None:
    return None if when is None else when.isoformat().replace("+00:00", "Z")


def alert_view(alert: Any, integration: str) -> dict[str, Any]:
    """An alert in the shape of Opsgenie's `GET /v2/alerts/{identifier}` data."""
    raw = alert.raw or {}
    tags = alert.annotations.get("tags") if isinstance(alert.annotations, dict) else None
    details = {
        k: v
        for k, v in alert.labels.items()
        if k not in ("priority", "entity") and not k.startswith(TAG_PREFIX)
    }
    return {
        "id": str(alert.id),
        "tinyId": str(alert.id),
        "alias": alert.fingerprint,
        "message": alert.summary,
        "status": "closed" if alert.resolved_at is not None else "open",
        "acknowledged": alert.acknowledged_at is not None,
        "isSeen": alert.acknowledged_at is not None,
        "tags": tags if isinstance(tags, list) else [],
        "snoozed": False,
        "count": alert.count,
        "lastOccurredAt": _stamp(alert.last_seen_at),
        "createdAt": _stamp(alert.first_seen_at),
        "updatedAt": _stamp(alert.last_seen_at),
        "source": str(raw.get("source") or ""),
        "owner": "",
        "priority": alert.labels.get("priority", "P3"),
        "responders": [],
        "integration": {"id": integration, "name": integration, "type": "API"},
        "actions": [a for a in raw.get("actions") or [] if isinstance(a, str)],
        "entity": str(raw.get("entity") or ""),
        "description": str(alert.annotations.get("description") or ""),
        "details": details,
    }
