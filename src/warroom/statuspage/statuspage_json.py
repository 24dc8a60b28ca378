"""The Statuspage v2 JSON shapes (summary, status, components, incidents, maintenances).

Field names follow the public Statuspage v2 API so that existing status widgets and
aggregators can read warroom's page. Ids are strings; times are ISO 8601 UTC.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from warroom.statuspage.models import Maintenance
from warroom.statuspage.service import Component, PublicIncident

PAGE_ID = "warroom"


def _time(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _group_id(name: str | None) -> str | None:
    return None if name is None else "group-" + "".join(c if c.isalnum() else "-" for c in name)


def page(title: str, url: str, time_zone: str, updated_at: datetime) -> dict[str, Any]:
    """The `page` object."""
    return {"id": PAGE_ID, "name": title, "url": url, "time_zone": time_zone,
            "updated_at": _time(updated_at)}  # fmt: skip


def status(indicator: str, description: str) -> dict[str, str]:
    """The `status` object."""
    return {"indicator": indicator, "description": description}


def component(item: Component, created_at: datetime) -> dict[str, Any]:
    """One component."""
    return {
        "id": item.key,
        "name": item.name,
        "status": item.status,
        "created_at": _time(created_at),
        "updated_at": _time(item.updated_at or created_at),
        "position": item.position + 1,
        "description": item.description or None,
        "showcase": True,
        "start_date": None,
        "group_id": _group_id(item.group),
        "page_id": PAGE_ID,
        "group": False,
        "only_show_if_degraded": False,
    }


def components(items: list[Component], created_at: datetime) -> list[dict[str, Any]]:
    """Components with their groups as Statuspage lists them (groups are components too)."""
    out: list[dict[str, Any]] = []
    groups: dict[str, list[str]] = {}
    for item in items:
        if item.group is not None:
            groups.setdefault(item.group, []).append(item.key)
    for name, keys in groups.items():
        worst = [c.status for c in items if c.key in keys]
        out.append({
            "id": _group_id(name), "name": name,
            "status": next((s for s in _WORST if s in worst), "operational"),
            "created_at": _time(created_at), "updated_at": _time(created_at),
            "position": len(out) + 1, "description": None, "showcase": False,
            "start_date": None, "group_id": None, "page_id": PAGE_ID, "group": True,
            "only_show_if_degraded": False, "components": keys,
        })  # fmt: skip
    return out + [component(item, created_at) for item in items]


_WORST = ("major_outage", "partial_outage", "degraded_performance", "under_maintenance")


def _affected(keys: list[str], by_key: dict[str, Component], created_at: datetime) -> list[Any]:
    return [component(by_key[k], created_at) for k in keys if k in by_key]


def incident(item: PublicIncident, by_key: dict[str, Component], base_url: str) -> dict[str, Any]:
    """One incident with its public updates, newest update first."""
    sid = str(item.id)
    return {
        "id": sid,
        "name": item.name,
        "status": item.status,
        "impact": item.impact,
        "created_at": _time(item.created_at),
        "updated_at": _time(item.updated_at),
        "monitoring_at": _time(item.monitoring_at),
        "resolved_at": _time(item.resolved_at),
        "started_at": _time(item.created_at),
        "shortlink": f"{base_url}/status/incidents/{sid}",
        "page_id": PAGE_ID,
        "incident_updates": [
            {
                "id": u.id,
                "status": u.status,
                "body": u.body,
                "incident_id": sid,
                "created_at": _time(u.created_at),
                "updated_at": _time(u.created_at),
                "display_at": _time(u.created_at),
                "affected_components": None,
                "deliver_notifications": True,
            }
            for u in reversed(item.updates)
        ],
        "components": _affected(item.components, by_key, item.created_at),
    }


def maintenance(window: Maintenance, by_key: dict[str, Component], base_url: str) -> dict[str, Any]:
    """One scheduled maintenance in the incident shape plus its schedule."""
    sid = f"m{window.id}"
    update = {"id": f"{sid}-{window.status}", "status": window.status, "body": window.body,
              "incident_id": sid, "created_at": _time(window.updated_at),
              "updated_at": _time(window.updated_at), "display_at": _time(window.updated_at),
              "affected_components": None, "deliver_notifications": True}  # fmt: skip
    return {
        "id": sid,
        "name": window.name,
        "status": window.status,
        "impact": "maintenance",
        "created_at": _time(window.created_at),
        "updated_at": _time(window.updated_at),
        "monitoring_at": None,
        "resolved_at": _time(window.completed_at),
        "started_at": _time(window.started_at),
        "shortlink": f"{base_url}/status#{sid}",
        "page_id": PAGE_ID,
        "scheduled_for": _time(window.scheduled_for),
        "scheduled_until": _time(window.scheduled_until),
        "incident_updates": [update],
        "components": _affected(list(window.components), by_key, window.created_at),
    }
