"""A small organisation with a status page, applied through the real config sections."""

from __future__ import annotations

from typing import Any

from warroom.clock import FakeClock
from warroom.config import service as config_service
from warroom.db import Database
from warroom.incidents import service as incidents

CONFIG = """\
severities:
  - {key: SEV0, name: Critical}
  - {key: SEV1, name: Major}
  - {key: SEV3, name: Minor}
services:
  - {key: api, name: API}
  - {key: web, name: Website}
  - {key: db, name: Database}
status_page:
  title: Example Status
  history_days: 90
  severity_status: {SEV3: degraded_performance}
  groups:
    - name: Core
      components:
        - {service: api, name: Public API, description: The REST API}
        - {service: db}
    - name: Front
      components:
        - {service: web}
"""

# Statuspage v2's documented field names, per object.
PAGE_FIELDS = {"id", "name", "url", "time_zone", "updated_at"}
STATUS_FIELDS = {"indicator", "description"}
COMPONENT_FIELDS = {"id", "name", "status", "created_at", "updated_at", "position",
                    "description", "showcase", "start_date", "group_id", "page_id", "group",
                    "only_show_if_degraded"}  # fmt: skip
INCIDENT_FIELDS = {"id", "name", "status", "impact", "created_at", "updated_at",
                   "monitoring_at", "resolved_at", "shortlink", "started_at", "page_id",
                   "incident_updates", "components"}  # fmt: skip
UPDATE_FIELDS = {"id", "status", "body", "incident_id", "created_at", "updated_at",
                 "display_at", "affected_components", "deliver_notifications"}  # fmt: skip
MAINTENANCE_FIELDS = INCIDENT_FIELDS | {"scheduled_for", "scheduled_until"}


def apply(db: Database, clock: FakeClock, text: str = CONFIG) -> None:
    doc, problems = config_service.load_files({"org.yaml": text})
    assert not problems, problems.lines()
    with db.session() as session:
        config_service.apply_document(session, clock, doc, actor="test")


def open_incident(db: Database, clock: FakeClock, **fields: Any) -> int:
    """Open an incident through the real service; its number."""
    fields.setdefault("actor", "ic@corp.test")
    fields.setdefault("title", "internal title")
    fields.setdefault("severity", "SEV1")
    fields.setdefault("services", ["api"])
    with db.session() as session:
        return int(incidents.open_incident(session, clock, **fields).number)
