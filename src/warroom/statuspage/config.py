"""The `status_page` config section: the public page's title and its components.

status_page:
  title: Example status
  time_zone: UTC
  history_days: 90
  severity_status:            # which component status an open public incident of a severity means
    SEV0: major_outage
    SEV1: partial_outage
  groups:
    - name: Trading
      description: Order entry and matching
      components:
        - service: checkout       # a configured service key
          name: Checkout          # the public name (default: the service's name)
          description: Paying for orders

Without the section every active service is a component of its own, under the service's name.
The section lives in the stored config document (no table of its own).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from warroom.config.document import ConfigDocument, Problems
from warroom.config.registry import Section
from warroom.config.types import ConfigModel, Key, check_time_zone

ComponentStatus = Literal[
    "operational", "degraded_performance", "partial_outage", "major_outage", "under_maintenance"
]
COMPONENT_STATUSES: tuple[str, ...] = (
    "operational",
    "degraded_performance",
    "partial_outage",
    "major_outage",
    "under_maintenance",
)


class ComponentConfig(ConfigModel):
    service: Key
    name: str = Field(default="", max_length=200)
    description: str = Field(default="", max_length=1000)


class GroupConfig(ConfigModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=1000)
    components: list[ComponentConfig] = Field(min_length=1)


class StatusPageConfig(ConfigModel):
    title: str = Field(default="Status", min_length=1, max_length=200)
    time_zone: str = Field(default="UTC", max_length=64)
    history_days: int = Field(default=90, ge=1, le=3650)
    severity_status: dict[str, ComponentStatus] = {}
    groups: list[GroupConfig] = []

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        # Widgets format the page's times with page.time_zone: a name that is no zone breaks them.
        return check_time_zone(value)


def check(doc: ConfigDocument, problems: Problems) -> None:
    services = doc.identities("services")
    severities = doc.identities("severities")
    for _, item in doc.entries("status_page"):
        assert isinstance(item, StatusPageConfig)
        seen: set[str] = set()
        for group in item.groups:
            for component in group.components:
                if component.service not in services:
                    message = f"unknown service {component.service!r}"
                    problems.add("status_page", None, "groups", message)
                if component.service in seen:
                    message = f"service {component.service!r} is listed twice"
                    problems.add("status_page", None, "groups", message)
                seen.add(component.service)
        for key in item.severity_status:
            if key not in severities:
                problems.add("status_page", None, "severity_status", f"unknown severity {key!r}")


SECTIONS = [
    Section(
        key="status_page",
        model=StatusPageConfig,
        many=False,
        check=check,
        order=300,
        description="the public status page: title, component groups, severity to status",
    )
]
