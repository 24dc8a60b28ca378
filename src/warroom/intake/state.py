"""The intake configuration in force, compiled once per config revision and cached.

Request handlers call `current(session)`: one small query (the latest revision id, through
`warroom.config.service.current_document`) and, only when the revision moved, a recompile.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from warroom.config import service as config_service
from warroom.config.types import parse_duration
from warroom.intake.models import Integration
from warroom.intake.routing import Router, compile_route
from warroom.intake.storm import StormSettings, compile_settings
from warroom.intake.suppression import CompiledWindow, compile_window


@dataclass(frozen=True)
class IntegrationInfo:
    key: str
    type: str
    secret_hash: str
    hmac_secret: str | None = None
    hmac_header: str | None = None
    timestamp_header: str | None = None
    timestamp_max_age: float = 300.0  # seconds


@dataclass
class IntakeConfig:
    router: Router
    windows: list[CompiledWindow] = field(default_factory=list)
    by_hash: dict[str, IntegrationInfo] = field(default_factory=dict)
    by_key: dict[str, IntegrationInfo] = field(default_factory=dict)
    auto_resolve: set[str] = field(default_factory=set)
    # alertname -> heartbeat name, for always-firing Watchdog alerts (heartbeats section).
    watchdogs: dict[str, str] = field(default_factory=dict)
    # integration key -> storm guard settings (integrations not named get the defaults).
    storms: dict[str, StormSettings] = field(default_factory=dict)

    def severity_rank(self, key: str) -> int | None:
        ranks = self.router.severities
        return None if ranks is None else ranks.get(key)


_lock = threading.Lock()
_cache: dict[str, tuple[dict[str, Any], IntakeConfig]] = {}


def compile_document(doc: dict[str, Any], integrations: list[Integration]) -> IntakeConfig:
    """Build the compiled intake configuration from a stored document and integration rows."""
    services = doc.get("services")
    severities = doc.get("severities")
    router = Router(
        routes=[compile_route(r) for r in doc.get("routes") or []],
        services=None if services is None else {s["key"]: s for s in services},
        severities=None if severities is None else {s["key"]: i for i, s in enumerate(severities)},
        inhibit={r["service"]: r["severity"] for r in doc.get("inhibit") or []},
        integration_services={
            i["key"]: i["service"] for i in doc.get("integrations") or [] if i.get("service")
        },
    )
    max_ages = {
        i["key"]: parse_duration(i["timestamp_max_age"]).total_seconds()
        for i in doc.get("integrations") or []
        if i.get("timestamp_max_age")
    }
    infos = [
        IntegrationInfo(
            key=row.key,
            type=row.type,
            secret_hash=row.secret_hash,
            hmac_secret=row.hmac_secret,
            hmac_header=(row.hmac_header or "").lower() or None,
            timestamp_header=(row.timestamp_header or "").lower() or None,
            timestamp_max_age=max_ages.get(row.key, 300.0),
        )
        for row in integrations
        if row.active
    ]
    return IntakeConfig(
        router=router,
        windows=[compile_window(w) for w in doc.get("maintenance_windows") or []],
        by_hash={i.secret_hash: i for i in infos},
        by_key={i.key: i for i in infos},
        auto_resolve={s["key"] for s in services or [] if s.get("auto_resolve")},
        watchdogs={
            h["alertname"]: h["name"] for h in doc.get("heartbeats") or [] if h.get("alertname")
        },
        storms=compile_settings(doc),
    )


def forget_database(engine: Engine) -> None:
    """Drop the compiled config of a database that goes away (a simulation's throw-away one)."""
    with _lock:
        _cache.pop(str(engine.url), None)


def current(session: Session) -> IntakeConfig:
    """The compiled intake configuration of the last applied config revision."""
    doc = config_service.current_document(session)
    bind = str(session.get_bind().engine.url)
    hit = _cache.get(bind)
    if hit is not None and hit[0] is doc:
        return hit[1]
    rows = list(session.scalars(select(Integration)))
    compiled = compile_document(doc, rows)
    with _lock:
        _cache[bind] = (doc, compiled)
    return compiled


def forget() -> None:
    """Drop every cached compilation (tests that rewrite tables behind config's back)."""
    with _lock:
        _cache.clear()
