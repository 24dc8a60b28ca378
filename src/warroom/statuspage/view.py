"""Everything one public page shows, gathered once per request, and its renderings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape
from sqlalchemy.orm import Session

from warroom.clock import Clock, utc
from warroom.comms.public_text import xml_safe
from warroom.config import service as config_service
from warroom.statuspage import maintenance, records, service
from warroom.statuspage import statuspage_json as sp
from warroom.statuspage.config import StatusPageConfig
from warroom.statuspage.models import Maintenance


def _finalize(value: object) -> object:
    """Every value shown passes through: what XML cannot carry never reaches the feed (text
    the page's own filters marked safe stays so)."""
    safe = xml_safe(value)
    return Markup(safe) if isinstance(value, Markup) else safe


def lines(value: str) -> Markup:
    """Public text for HTML, its lines kept (a browser folds newlines into spaces: "Affected
    regions:\n- EU\n- US" read as one run-on line); escaped as any other value."""
    return Markup("<br>\n").join(escape(line) for line in str(value).splitlines())


_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(enabled_extensions=("html", "atom"), default=True),
    trim_blocks=True,
    lstrip_blocks=True,
    finalize=_finalize,
)
_ENV.filters["lines"] = lines


def render(name: str, **context: Any) -> str:
    """Render one of the page's templates (autoescaped)."""
    return _ENV.get_template(name).render(**context)


@dataclass
class PageView:
    cfg: StatusPageConfig
    base: str
    now: datetime
    components: list[service.Component]
    open_incidents: list[service.PublicIncident]
    maintenances: list[Maintenance]
    # When the configuration that defines the components was applied: the page's and the
    # components' time when nothing has happened to them since.
    configured_at: datetime
    # When something left the page since: an incident resolved, a window completed.
    settled: list[datetime]

    @property
    def by_key(self) -> dict[str, service.Component]:
        return {c.key: c for c in self.components}

    def indicator(self) -> tuple[str, str]:
        return service.page_indicator(self.components, self.open_incidents)

    def page(self) -> dict[str, Any]:
        stamps = [self.configured_at, *self.settled]
        stamps += [c.updated_at for c in self.components if c.updated_at is not None]
        stamps += [i.updated_at for i in self.open_incidents]
        stamps += [m.updated_at for m in self.maintenances]
        return sp.page(self.cfg.title, f"{self.base}/status", self.cfg.time_zone, max(stamps))

    def json_components(self) -> list[dict[str, Any]]:
        return sp.components(self.components, self._created())

    def json_incidents(self, items: list[service.PublicIncident]) -> list[dict[str, Any]]:
        return [sp.incident(i, self.by_key, self.base) for i in items]

    def json_maintenances(self, windows: list[Maintenance]) -> list[dict[str, Any]]:
        return [sp.maintenance(m, self.by_key, self.base) for m in windows]

    def upcoming(self) -> list[Maintenance]:
        return [m for m in self.maintenances if m.status != "completed"]

    def _created(self) -> datetime:
        # Components are the configured services: they are as old as the configuration.
        return self.configured_at

    def summary(self) -> dict[str, Any]:
        indicator, description = self.indicator()
        return {
            "page": self.page(),
            "components": self.json_components(),
            "incidents": self.json_incidents(self.open_incidents),
            "scheduled_maintenances": self.json_maintenances(self.upcoming()),
            "status": sp.status(indicator, description),
        }

    def html(self) -> str:
        indicator, description = self.indicator()
        groups: dict[str | None, list[service.Component]] = {}
        for component in self.components:
            groups.setdefault(component.group, []).append(component)
        return render("index.html", title=self.cfg.title, base=self.base, indicator=indicator,
                      description=description, open_incidents=self.open_incidents,
                      maintenances=self.upcoming(), groups=list(groups.items()),
                      names={c.key: c.name for c in self.components})  # fmt: skip


def build(session: Session, clock: Clock, public_url: str) -> PageView:
    """Gather the current page: components, unresolved incidents, maintenance windows."""
    cfg = service.page_config(session)
    now = clock.now()
    unresolved = service.open_incidents(session)
    configured_at = utc(config_service.applied_at(session) or now)
    components = service.components(session, clock, unresolved)
    windows = maintenance.listing(session, since=now - timedelta(days=cfg.history_days))
    settled = records.settled_since(session, configured_at)
    settled += [
        (list(m.components), utc(m.completed_at))
        for m in windows
        if m.completed_at is not None and utc(m.completed_at) > configured_at
    ]
    _settle(components, settled)
    return PageView(
        cfg=cfg,
        base=public_url.rstrip("/"),
        now=now,
        components=components,
        open_incidents=unresolved,
        maintenances=windows,
        configured_at=configured_at,
        settled=[when for _, when in settled],
    )


def _settle(components: list[service.Component], settled: list[tuple[list[str], datetime]]) -> None:
    """A component's time is its last change: an incident resolved or a window completed on
    it since counts too (its status went back then)."""
    for keys, when in settled:
        for component in components:
            if component.key not in keys:
                continue
            if component.updated_at is None or utc(component.updated_at) < when:
                component.updated_at = when


@dataclass(frozen=True)
class FeedEntry:
    """One entry of the Atom feed: a published incident or a maintenance window."""

    id: str
    title: str
    updated: datetime
    link: str
    content: str


def incident_entry(base: str, incident: service.PublicIncident) -> FeedEntry:
    """A published incident in the feed: its public updates, newest first."""
    url = f"{base}/status/incidents/{incident.id}"
    text = "".join(f"{u.status}: {u.body}\n" for u in reversed(incident.updates))
    title = f"{incident.name} ({incident.status})"
    return FeedEntry(url, title, utc(incident.updated_at), url, text)


def maintenance_entry(base: str, window: Maintenance) -> FeedEntry:
    """A maintenance window in the feed: its body and its times in UTC, as the mails say."""
    start, end = utc(window.scheduled_for), utc(window.scheduled_until)
    when = f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"
    url = f"{base}/status#m{window.id}"
    title = f"{window.name} (maintenance {window.status})"
    return FeedEntry(url, title, utc(window.updated_at), url, f"{window.body}\n\n{when}".strip())


def atom_time(value: datetime) -> str:
    return value.isoformat().replace("+00:00", "Z")
