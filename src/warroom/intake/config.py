"""Intake's config sections: integrations, routes, maintenance_windows, inhibit.

integrations:
  - {key: prom, type: alertmanager, secret_file: secrets/prom.token}
routes:
  - key: checkout
    matchers: ['service="checkout"']
    service: checkout
    severity: {label: severity, map: {critical: SEV1, warning: SEV3}, default: SEV3}
    group_by: [alertname]
  - {key: default, severity: SEV3}
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any, Literal

from pydantic import Field, SecretStr, field_serializer, field_validator, model_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.clock import Clock
from warroom.config import service as config_service
from warroom.config.document import ConfigDocument, Plan, Problems
from warroom.config.document import Field as FieldPath
from warroom.config.plan import config_name
from warroom.config.registry import Section, registered
from warroom.config.types import ConfigModel, Duration, Key
from warroom.intake.coverage import check_paging_coverage
from warroom.intake.models import Integration
from warroom.intake.routing import MatcherError, parse_matcher
from warroom.intake.storm import StormGuardConfig
from warroom.intake.suppression import parse_hhmm
from warroom.redaction import MASK, is_secret_field, mask_document

Day = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
ALL_DAYS: tuple[Day, ...] = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
TYPES = ("alertmanager", "grafana", "pagerduty", "opsgenie", "generic")
# Alerts sent to the generic endpoint with a person's API token (not an integration secret).
API_INTEGRATION = "api"


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _matchers(values: list[str]) -> list[str]:
    for value in values:
        try:
            parse_matcher(value)
        except MatcherError as exc:
            raise ValueError(str(exc)) from None
    return values


class IntegrationConfig(ConfigModel):
    key: Key
    type: Literal["alertmanager", "grafana", "pagerduty", "opsgenie", "generic"]
    secret: SecretStr = Field(description="bearer token, basic password, routing key or GenieKey")
    hmac_secret: SecretStr | None = None
    hmac_header: str = "X-Grafana-Alerting-Signature"
    timestamp_header: str | None = None
    # With timestamp_header: how old a signed Grafana request may be (replays are refused).
    timestamp_max_age: Duration = timedelta(minutes=5)
    storm: StormGuardConfig | None = None
    # The service (and so the escalation policy) of alerts that carry no `service` label.
    service: str | None = None

    @field_validator("secret")
    @classmethod
    def _long_enough(cls, value: SecretStr) -> SecretStr:
        # Short secrets are what some senders use (am:s3cret, og-key-123): accepted, and
        # `config check` warns "weak secret" (warroom.config.validate).
        if not value.get_secret_value():
            raise ValueError("a secret must not be empty")
        return value

    @field_serializer("secret", "hmac_secret")
    def _hide(self, value: SecretStr | None) -> str | None:
        # The stored document keeps a digest only: changes show up in plans, secrets do not.
        return None if value is None else "sha256:" + secret_hash(value.get_secret_value())


class SeverityMapping(ConfigModel):
    label: str = "severity"
    map: dict[str, str] = {}
    default: str | None = None


class Inhibit(ConfigModel):
    severity: str


class RouteConfig(ConfigModel):
    key: Key
    matchers: list[str] = []
    integrations: list[str] = []
    service: str | None = None
    service_label: str | None = None
    severity: str | SeverityMapping | None = None
    group_by: list[str] = ["alertname"]
    runbooks: list[str] = []
    open_incident: bool = True
    continue_: bool = Field(False, alias="continue")
    inhibit: Inhibit | None = None
    # Off (None): an alert firing again after a manual resolve always opens a new incident.
    reopen_within: Duration | None = None

    @field_validator("matchers")
    @classmethod
    def _check_matchers(cls, value: list[str]) -> list[str]:
        return _matchers(value)


class Weekly(ConfigModel):
    days: list[Day] = Field(default_factory=lambda: list(ALL_DAYS))
    from_: str = Field(alias="from")
    to: str
    time_zone: str = "UTC"

    @field_validator("from_", "to")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        parse_hhmm(value)
        return value

    @field_validator("time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value


class MaintenanceWindowConfig(ConfigModel):
    key: Key
    service: str
    matchers: list[str] = []
    start: datetime | None = None
    end: datetime | None = None
    weekly: Weekly | None = None
    comment: str = ""

    @field_validator("matchers")
    @classmethod
    def _check_matchers(cls, value: list[str]) -> list[str]:
        return _matchers(value)

    @model_validator(mode="after")
    def _when(self) -> MaintenanceWindowConfig:
        if self.weekly is None and (self.start is None or self.end is None):
            raise ValueError("give start and end, or weekly")
        for value in (self.start, self.end):
            if value is not None and value.tzinfo is None:
                raise ValueError("start and end need a time zone offset (e.g. 2026-12-01T22:00Z)")
        if self.start and self.end and self.end <= self.start:
            raise ValueError("end must be after start")
        return self


class InhibitConfig(ConfigModel):
    service: str
    severity: str


def _unknown(kind: str, value: str, known: set[str]) -> str:
    return f"unknown {kind} {value!r} (known: {', '.join(sorted(known)) or 'none'})"


def _check_severity(
    doc: ConfigDocument, problems: Problems, key: str, i: Any, field: Any, value: str | None
) -> None:
    levels = doc.identities("severities")
    if value is not None and value not in levels:
        problems.add(key, i, field, _unknown("severity", value, levels))


def check_routes(doc: ConfigDocument, problems: Problems) -> None:
    services, integrations = doc.identities("services"), doc.identities("integrations")
    for index, item in doc.entries("integrations"):
        service = getattr(item, "service", None)
        if service is not None and service not in services:
            problems.add("integrations", index, "service", _unknown("service", service, services))
    integrations |= {API_INTEGRATION}
    check_paging_coverage(doc, problems)
    entries = doc.entries("routes")
    for n, (index, route) in enumerate(entries):
        assert isinstance(route, RouteConfig)
        if route.service is not None and route.service not in services:
            problems.add("routes", index, "service", _unknown("service", route.service, services))
        for name in route.integrations:
            if name not in integrations:
                problems.add(
                    "routes", index, "integrations", _unknown("integration", name, integrations)
                )
        sev = route.severity
        if isinstance(sev, str):
            _check_severity(doc, problems, "routes", index, "severity", sev)
        elif sev is not None:
            for label_value, level in sev.map.items():
                _check_severity(
                    doc, problems, "routes", index, ("severity", "map", label_value), level
                )
            _check_severity(doc, problems, "routes", index, ("severity", "default"), sev.default)
        if route.inhibit is not None:
            _check_severity(
                doc, problems, "routes", index, ("inhibit", "severity"), route.inhibit.severity
            )
        if registered("runbooks"):
            known = doc.identities("runbooks")
            for name in route.runbooks:
                if name not in known:
                    problems.add("routes", index, "runbooks", _unknown("runbook", name, known))
        _warn_masked_labels(problems, "routes", index, route)
        catch_all = not route.matchers and not route.integrations and not route.continue_
        if catch_all and n < len(entries) - 1:
            problems.add(
                "routes",
                index,
                None,
                "a route without matchers catches every alert; "
                "routes after it can never match (put the default route last)",
            )


def _warn_masked_labels(
    problems: Problems, key: str, index: int | None, route: RouteConfig
) -> None:
    """Warn where a route names a label whose value intake masks (its name looks like a
    secret's: warroom.redaction): matching, grouping or mapping on it sees only the mask."""
    named: list[tuple[FieldPath, str]] = [
        ("matchers", parse_matcher(text).name) for text in route.matchers
    ]
    named += [("group_by", name) for name in route.group_by if name != "..."]
    if isinstance(route.severity, SeverityMapping):
        named.append((("severity", "label"), route.severity.label))
    for field, name in named:
        if is_secret_field(name):
            problems.warn(
                key, index, field,
                f"label {name!r} has a secret's name, so warroom masks its value ({MASK!r}) "
                f"as the alert arrives: routes, groups and severities only ever see {MASK!r} "
                "(give the label another name in the sender to use its value)",
            )  # fmt: skip


def check_windows(doc: ConfigDocument, problems: Problems) -> None:
    services = doc.identities("services")
    for index, window in doc.entries("maintenance_windows"):
        assert isinstance(window, MaintenanceWindowConfig)
        if window.service not in services:
            problems.add(
                "maintenance_windows",
                index,
                "service",
                _unknown("service", window.service, services),
            )


def check_inhibit(doc: ConfigDocument, problems: Problems) -> None:
    services = doc.identities("services")
    for index, rule in doc.entries("inhibit"):
        assert isinstance(rule, InhibitConfig)
        if rule.service not in services:
            problems.add("inhibit", index, "service", _unknown("service", rule.service, services))
        _check_severity(doc, problems, "inhibit", index, "severity", rule.severity)


def _values(item: IntegrationConfig) -> dict[str, Any]:
    return {
        "type": item.type,
        "secret_hash": secret_hash(item.secret.get_secret_value()),
        "hmac_secret": item.hmac_secret.get_secret_value() if item.hmac_secret else None,
        "hmac_header": item.hmac_header if item.hmac_secret else None,
        "timestamp_header": item.timestamp_header,
        "active": True,
    }


def apply_integrations(session: Session, clock: Clock, doc: ConfigDocument, plan: Plan) -> None:
    rows = {row.key: row for row in session.scalars(select(Integration))}
    stored = {i["key"]: i for i in config_service.current_section(session, "integrations") or []}
    wanted: set[str] = set()
    for item in doc.items("integrations"):
        assert isinstance(item, IntegrationConfig)
        wanted.add(item.key)
        new = _values(item)
        row = rows.get(item.key)
        old = None if row is None else {k: getattr(row, k) for k in new}
        # The plan also compares the fields kept only in the stored document (`service`,
        # `storm`, `timestamp_max_age`): intake reads them from there.
        shown_old = None
        if old is not None:
            shown_old = {**old, "hmac_secret": _mask(old["hmac_secret"])}
            shown_old = _compared(shown_old, stored.get(item.key, {}))
        shown_new = {**new, "hmac_secret": _mask(new["hmac_secret"])}
        shown_new = _compared(shown_new, mask_document(item.model_dump(mode="json")))
        plan.compare("integration", item.key, shown_old, shown_new)
        if old == new:
            continue
        if row is None:
            row = Integration(key=item.key, updated_at=clock.now(), **new)
            session.add(row)
        else:
            for name, value in new.items():
                setattr(row, name, value)
            row.updated_at = clock.now()
    for key, row in rows.items():
        if key not in wanted and row.active:
            plan.delete("integration", key)
            row.active = False
            row.updated_at = clock.now()
    session.flush()


def _compared(values: dict[str, Any], item: dict[str, Any]) -> dict[str, Any]:
    """The table's `values`, then the fields of the config item the table does not hold (the
    secrets are compared by their digests in `values`: the document only masks them)."""
    held = {config_name(name) for name in values} | {"key"}
    return values | {k: v for k, v in item.items() if k not in held and not is_secret_field(k)}


def _mask(value: str | None) -> str | None:
    return None if value is None else "sha256:" + secret_hash(value)[:12]


# This domain's config sections; the composition root (warroom.wiring) registers them.
SECTIONS: list[Section] = []
SECTIONS.append(
    Section(
        "integrations",
        IntegrationConfig,
        apply=apply_integrations,
        order=70,
        description="Inbound alert integrations: type and secret",
    )
)
SECTIONS.append(
    Section("routes", RouteConfig, check=check_routes, order=75, description="Alert routes")
)
SECTIONS.append(
    Section(
        "maintenance_windows",
        MaintenanceWindowConfig,
        check=check_windows,
        order=76,
        description="Per-service maintenance windows (alerts stored as suppressed)",
    )
)
SECTIONS.append(
    Section(
        "inhibit",
        InhibitConfig,
        identity="service",
        check=check_inhibit,
        order=77,
        description="While an incident of this severity or worse is open, new alerts join it",
    )
)
