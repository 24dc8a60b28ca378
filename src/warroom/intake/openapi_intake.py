"""The OpenAPI description of the intake endpoints. They read the raw body for speed, so FastAPI
cannot see their request bodies: these pydantic models of the wire formats (wire-formats.md) are
published with `openapi_extra`, together with every status code each endpoint answers."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from warroom.openapi import MAX_BIG_ID, ErrorBody, responses


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class WebhookAlert(_Open):
    status: Literal["firing", "resolved"]
    labels: dict[str, str] = Field(min_length=1)
    annotations: dict[str, str] = {}
    startsAt: str = Field(description="RFC 3339")
    endsAt: str = Field("0001-01-01T00:00:00Z", description="RFC 3339; Go's zero time if firing")
    generatorURL: str = ""
    fingerprint: str = ""


class AlertmanagerWebhook(_Open):
    """Alertmanager v4 (`version: "4"`) or Grafana (`version: "1"`) webhook body."""

    version: Literal["4", "1"]
    groupKey: str = ""
    truncatedAlerts: int = Field(0, ge=0, le=MAX_BIG_ID)
    status: str = "firing"
    receiver: str = ""
    groupLabels: dict[str, str] = {}
    commonLabels: dict[str, str] = {}
    commonAnnotations: dict[str, str] = {}
    externalURL: str = ""
    alerts: list[WebhookAlert] = Field(min_length=1)


class Link(_Open):
    href: str
    text: str = ""


class GenericAlert(BaseModel):
    """warroom's own alert JSON (docs/intake.md); `{"alerts": [...]}` sends several."""

    title: str
    severity: str | None = None
    status: Literal["firing", "resolved", "acknowledged"] = "firing"
    dedup_key: str | None = None
    labels: dict[str, str] = {}
    annotations: dict[str, str] = {}
    description: str | None = None
    links: list[Link] = []
    starts_at: str | None = None
    ends_at: str | None = None


class PagerDutyPayload(_Open):
    summary: str
    source: str
    severity: Literal["critical", "error", "warning", "info"]
    timestamp: str | None = None
    component: str | None = None
    group: str | None = None
    custom_details: dict[str, Any] | None = Field(None, alias="custom_details")
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class PagerDutyEvent(_Open):
    """PagerDuty Events API v2 event; `routing_key` is the integration's secret."""

    routing_key: str
    event_action: Literal["trigger", "acknowledge", "resolve"]
    dedup_key: str | None = None
    payload: PagerDutyPayload | None = None
    client: str | None = None
    client_url: str | None = None
    links: list[Link] = []


class ChangePayload(_Open):
    summary: str
    source: str | None = None
    timestamp: str | None = None
    custom_details: dict[str, Any] | None = None


class PagerDutyChange(_Open):
    """PagerDuty Change Events API: a deploy or config change, shown on open incidents."""

    routing_key: str
    payload: ChangePayload
    links: list[Link] = []


class OpsgenieCreate(_Open):
    message: str = Field(max_length=130)
    alias: str | None = Field(None, max_length=512)
    description: str | None = None
    tags: list[str] = []
    details: dict[str, str] = {}
    entity: str | None = None
    source: str | None = None
    priority: Literal["P1", "P2", "P3", "P4", "P5"] = "P3"


class OpsgenieAction(_Open):
    user: str | None = None
    source: str | None = None
    note: str | None = None


class OpsgenieNote(OpsgenieAction):
    note: str


class Accepted(_Open):
    status: str


class PagerDutyAnswer(_Open):
    status: str
    message: str
    dedup_key: str | None = None
    errors: list[str] = []


class OpsgenieAnswer(_Open):
    took: float
    requestId: str
    result: str | None = None
    message: str | None = None
    data: dict[str, Any] | None = None
    errors: dict[str, str] | None = None


def inline_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with every `$ref` replaced by its definition (no components)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str):
                return resolve(defs[ref.rsplit("/", 1)[1]])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    resolved: dict[str, Any] = resolve(schema)
    return resolved


def _body(model: type[BaseModel] | None, required: bool = True) -> dict[str, Any]:
    if model is None:
        return {}
    content = {"application/json": {"schema": inline_schema(model)}}
    return {"openapi_extra": {"requestBody": {"required": required, "content": content}}}


def _doc(
    body: type[BaseModel] | None,
    ok: int,
    answer: type[BaseModel],
    codes: tuple[int, ...],
    required: bool = True,
    error: type[BaseModel] = ErrorBody,
) -> dict[str, Any]:
    out: dict[int | str, dict[str, Any]] = {ok: {"model": answer, "description": "Accepted"}}
    out.update(responses(*codes, model=error))
    return {**_body(body, required), "responses": out}


WEBHOOK_CODES = (400, 401, 403, 413, 422, 503)


def webhook_doc() -> dict[str, Any]:
    return _doc(AlertmanagerWebhook, 202, Accepted, WEBHOOK_CODES)


def generic_doc() -> dict[str, Any]:
    return _doc(GenericAlert, 202, Accepted, WEBHOOK_CODES)


def pagerduty_doc(change: bool = False) -> dict[str, Any]:
    return _doc(
        PagerDutyChange if change else PagerDutyEvent,
        202,
        PagerDutyAnswer,
        (400, 401, 413, 503),
        error=PagerDutyAnswer,
    )


_OPSGENIE: dict[str, tuple[type[BaseModel] | None, int, bool]] = {
    "create": (OpsgenieCreate, 202, True),
    "action": (OpsgenieAction, 202, False),
    "update": (OpsgenieAction, 202, False),
    "note": (OpsgenieNote, 202, True),
    "get": (None, 200, False),
    "status": (None, 200, False),
}


def opsgenie_doc(kind: str) -> dict[str, Any]:
    body, ok, required = _OPSGENIE[kind]
    codes = (400, 401, 404, 413, 422, 503)
    return _doc(body, ok, OpsgenieAnswer, codes, required, error=OpsgenieAnswer)
