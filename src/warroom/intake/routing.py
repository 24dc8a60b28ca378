"""Routes: Alertmanager-style label matchers, evaluated in order, deciding service and severity.

A matcher is `name op value` with op one of `=`, `!=`, `=~`, `!~`; the value may be quoted.
Regexes are anchored as in Alertmanager (`=~"web.*"` must match the whole value) and a missing
label reads as the empty string. The first matching route wins unless it says `continue: true`,
in which case later matching routes are collected too and fill in what the earlier left unset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from warroom.config.types import parse_duration

MATCHER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_:.-]*)\s*(=~|!~|!=|=)\s*(.*?)\s*$")
FALLBACK_SEVERITY = "SEV3"


class MatcherError(ValueError):
    pass


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        body = value[1:-1]
        return re.sub(r'\\(["\\n])', lambda m: "\n" if m.group(1) == "n" else m.group(1), body)
    if value.startswith('"'):
        raise MatcherError(f"unterminated quote in {value!r}")
    return value


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str
    value: str
    regex: re.Pattern[str] | None = None

    def matches(self, labels: dict[str, str]) -> bool:
        actual = labels.get(self.name, "")
        if self.op == "=":
            return actual == self.value
        if self.op == "!=":
            return actual != self.value
        assert self.regex is not None
        found = self.regex.fullmatch(actual) is not None
        return found if self.op == "=~" else not found

    def __str__(self) -> str:
        escaped = self.value.replace("\\", "\\\\").replace('"', '\\"')
        return f'{self.name}{self.op}"{escaped}"'


def parse_matcher(text: str, *, untrusted: bool = False) -> Matcher:
    """'service="checkout"', 'severity=~"critical|warning"', 'team!=db' -> Matcher.

    `untrusted`: typed by a caller (a list filter, a silence), not written in the config: a
    regex that can backtrack for ever is refused (see `_costly`)."""
    if not isinstance(text, str):
        raise MatcherError(f'a matcher must be a string like name="value", got {text!r}')
    m = MATCHER.match(text)
    if m is None:
        raise MatcherError(f'{text!r} is not a matcher; write name="value" (ops: = != =~ !~)')
    name, op, raw = m.groups()
    value = _unquote(raw)
    regex = None
    if op in ("=~", "!~"):
        try:
            regex = re.compile(f"(?:{value})")
        except re.error as exc:
            raise MatcherError(f"{text!r}: bad regular expression: {exc}") from None
        problem = _costly(value) if untrusted else None
        if problem:
            raise MatcherError(f"{text!r}: {problem}")
    return Matcher(name, op, value, regex)


# Python's regex engine backtracks, holding the interpreter: one viewer's filter such as
# service=~"(.*.*)*z" stopped the whole server (every request, the embedded engine) for minutes.
# A typed regex may repeat at most this many times, and nothing repeated may itself repeat,
# branch or refer back, so that matching stays polynomial in the label's length.
MAX_REPEATS = 3
_REPEATS = {"MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"}


def _costly(value: str) -> str | None:
    """Why matching this regex could take exponential time (or too long), or None."""
    import re._parser as parser

    repeats = 0

    def walk(items: Any, inside: bool) -> str | None:
        nonlocal repeats
        for op, arg in items:
            name = str(op)
            if name == "GROUPREF" or (inside and name == "BRANCH"):
                return "a back reference or an alternative inside a repetition"
            if name in _REPEATS and arg[1] > 1:
                if inside:
                    return "a repetition inside a repetition, such as (a+)+"
                repeats += 1
                found = walk(arg[2], True)
            elif name == "SUBPATTERN":
                found = walk(arg[3], inside)
            elif name == "BRANCH":
                found = next((p for p in (walk(b, inside) for b in arg[1]) if p), None)
            elif name in ("ASSERT", "ASSERT_NOT"):
                found = walk(arg[1], inside)
            else:
                found = None
            if found:
                return found
        return None

    problem = walk(parser.parse(value).data, False)
    if problem is None and repeats > MAX_REPEATS:
        problem = f"more than {MAX_REPEATS} repetitions (*, +, {{n,m}})"
    return f"refused, it could take for ever to match: {problem}" if problem else None


def matches_all(matchers: list[Matcher], labels: dict[str, str]) -> bool:
    return all(m.matches(labels) for m in matchers)


@dataclass
class CompiledRoute:
    key: str
    matchers: list[Matcher]
    integrations: frozenset[str] = frozenset()
    service: str | None = None
    service_label: str | None = None
    severity: str | None = None
    severity_label: str = "severity"
    severity_map: dict[str, str] = field(default_factory=dict)
    severity_default: str | None = None
    group_by: list[str] | None = None
    runbooks: list[str] = field(default_factory=list)
    open_incident: bool = True
    cont: bool = False
    inhibit_severity: str | None = None
    # An alert firing again this soon after a manual resolve reopens the incident (refire).
    reopen_within: timedelta | None = None

    def applies(self, integration: str, labels: dict[str, str]) -> bool:
        if self.integrations and integration not in self.integrations:
            return False
        return matches_all(self.matchers, labels)

    def pick_severity(self, labels: dict[str, str]) -> str | None:
        if self.severity:
            return self.severity
        if self.severity_map:
            value = labels.get(self.severity_label)
            if value is not None and value in self.severity_map:
                return self.severity_map[value]
        return self.severity_default


@dataclass
class Decision:
    """Where an alert goes: the routes it matched and what they decided."""

    routes: list[str]
    service: str | None
    severity: str
    group_by: list[str]
    runbooks: list[str]
    open_incident: bool
    inhibit_severity: str | None
    reopen_within: timedelta | None = None

    @property
    def route(self) -> str | None:
        return self.routes[0] if self.routes else None

    def to_json(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "routes": self.routes,
            "service": self.service,
            "severity": self.severity,
            "group_by": self.group_by,
            "runbooks": self.runbooks,
            "open_incident": self.open_incident,
            "inhibit_severity": self.inhibit_severity,
        }


def compile_route(spec: dict[str, Any]) -> CompiledRoute:
    """A route as stored (the config model's JSON) -> CompiledRoute."""
    severity = spec.get("severity")
    route = CompiledRoute(
        key=spec["key"],
        matchers=[parse_matcher(m) for m in spec.get("matchers") or []],
        integrations=frozenset(spec.get("integrations") or []),
        service=spec.get("service"),
        service_label=spec.get("service_label"),
        group_by=spec.get("group_by"),
        runbooks=list(spec.get("runbooks") or []),
        open_incident=spec.get("open_incident", True),
        cont=bool(spec.get("continue", spec.get("continue_", False))),
        inhibit_severity=(spec.get("inhibit") or {}).get("severity"),
    )
    if spec.get("reopen_within"):
        route.reopen_within = parse_duration(spec["reopen_within"])
    if isinstance(severity, str):
        route.severity = severity
    elif isinstance(severity, dict):
        route.severity_label = severity.get("label") or "severity"
        route.severity_map = dict(severity.get("map") or {})
        route.severity_default = severity.get("default")
    return route


@dataclass
class Router:
    """Compiled routes plus what routing needs to know about services and severities."""

    routes: list[CompiledRoute]
    # service key -> {"auto_resolve": bool}; None when no config was ever applied.
    services: dict[str, dict[str, Any]] | None = None
    # severity key -> rank (lower is more severe); None when unknown.
    severities: dict[str, int] | None = None
    # service key -> severity: service-level inhibition.
    inhibit: dict[str, str] = field(default_factory=dict)
    revision: int = 0
    # integration key -> the service of its alerts that carry no `service` label.
    integration_services: dict[str, str] = field(default_factory=dict)

    def with_integration_service(self, integration: str, labels: dict[str, str]) -> dict[str, str]:
        """The labels routes match on: the integration's service fills a missing `service`."""
        service = self.integration_services.get(integration)
        if service is None or labels.get("service"):
            return labels
        return {**labels, "service": service}

    def known_severity(self, key: str | None) -> bool:
        if not key:
            return False
        return key in self.severities if self.severities is not None else True

    def fallback_severity(self) -> str:
        if self.severities:
            return max(self.severities, key=lambda k: self.severities[k])  # type: ignore[index]
        return FALLBACK_SEVERITY

    def known_service(self, key: str | None) -> bool:
        return bool(key) and (self.services is None or key in self.services)

    def matching(self, integration: str, labels: dict[str, str]) -> list[CompiledRoute]:
        """The routes this alert takes, in order (first match, then `continue` followers)."""
        taken: list[CompiledRoute] = []
        for route in self.routes:
            if route.applies(integration, labels):
                taken.append(route)
                if not route.cont:
                    break
        return taken

    def decide(self, integration: str, labels: dict[str, str], hint: str | None) -> Decision:
        """Route an alert: service, severity, grouping, runbooks, whether to open an incident."""
        taken = self.matching(integration, labels)
        service = severity = inhibit = None
        group_by: list[str] | None = None
        runbooks: list[str] = []
        open_incident = True if not taken else taken[0].open_incident
        for route in taken:
            if service is None:
                service = route.service or (
                    labels.get(route.service_label) if route.service_label else None
                )
            severity = severity or route.pick_severity(labels)
            group_by = group_by if group_by is not None else route.group_by
            inhibit = inhibit or route.inhibit_severity
            runbooks += [r for r in route.runbooks if r not in runbooks]
        if not taken and self.known_service(labels.get("service")):
            service = labels["service"]  # no routes at all: the alert's own service label
        if service is None:
            service = self.integration_services.get(integration)
        if service is not None and not self.known_service(service):
            service = None
        if severity is None and self.known_severity(hint):
            severity = hint
        if not self.known_severity(severity):
            severity = self.fallback_severity()
        if inhibit is None and service is not None:
            inhibit = self.inhibit.get(service)
        return Decision(
            routes=[r.key for r in taken],
            service=service,
            severity=severity or self.fallback_severity(),
            group_by=group_by if group_by is not None else ["alertname"],
            runbooks=runbooks,
            open_incident=open_incident,
            inhibit_severity=inhibit,
            reopen_within=taken[0].reopen_within if taken else None,
        )


def group_key(decision: Decision, labels: dict[str, str], fingerprint: str) -> str:
    """Alerts with the same route, service and group_by label values share one incident.

    `group_by: ["..."]` groups by every label (one incident per alert), as in Alertmanager. An
    alert that carries none of the group_by labels (a PagerDuty or Opsgenie event) is a group
    of its own, keyed by its dedup key.
    """
    names = sorted(labels) if decision.group_by == ["..."] else sorted(decision.group_by)
    if any(labels.get(n) for n in names):
        values = ",".join(f'{n}="{labels.get(n, "")}"' for n in names)
    else:
        values = f"dedup={fingerprint}"
    return f"{decision.route or '-'}|{decision.service or '-'}|{{{values}}}"
