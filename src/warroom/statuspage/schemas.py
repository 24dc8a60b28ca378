"""Status page request and response bodies of the admin API."""

from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from warroom.statuspage.config import ComponentStatus
from warroom.statuspage.models import Maintenance, PublishedIncident, Subscriber


class PublishIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    number: int = Field(ge=1, description="the incident number (INC-N)")
    name: str = Field(min_length=1, max_length=300, description="the public title")
    # Left out when publishing again: kept as they were (a new publication: none, empty).
    components: list[str] | None = Field(
        default=None, max_length=200, description="left out: as published before (none at first)"
    )
    message: str | None = Field(
        default=None, max_length=10000,
        description="the first public text; left out: as published before (none at first)",
    )  # fmt: skip


class PublishedOut(BaseModel):
    id: int
    name: str
    components: list[str]
    published_at: datetime
    url: str

    @classmethod
    def of(cls, record: PublishedIncident, base: str) -> PublishedOut:
        return cls(id=record.id, name=record.name, components=list(record.components),
                   published_at=record.published_at,
                   url=f"{base.rstrip('/')}/status/incidents/{record.id}")  # fmt: skip


class ComponentStatusIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    status: ComponentStatus | None = Field(description="null: back to the derived status")


class MaintenanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=300)
    body: str = Field(default="", max_length=10000)
    components: list[str] = Field(default=[], max_length=200)
    scheduled_for: AwareDatetime
    scheduled_until: AwareDatetime


class MaintenanceOut(BaseModel):
    id: int
    name: str
    status: str
    components: list[str]
    scheduled_for: datetime
    scheduled_until: datetime

    @classmethod
    def of(cls, window: Maintenance) -> MaintenanceOut:
        return cls(id=window.id, name=window.name, status=window.status,
                   components=list(window.components), scheduled_for=window.scheduled_for,
                   scheduled_until=window.scheduled_until)  # fmt: skip


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=500)
    components: list[str] = Field(default=[], max_length=200)


class SubscriberOut(BaseModel):
    id: int
    kind: str
    components: list[str]
    confirmed: bool
    active: bool

    @classmethod
    def of(cls, subscriber: Subscriber) -> SubscriberOut:
        return cls(id=subscriber.id, kind=subscriber.kind, components=list(subscriber.components),
                   confirmed=subscriber.confirmed_at is not None,
                   active=subscriber.unsubscribed_at is None)  # fmt: skip
