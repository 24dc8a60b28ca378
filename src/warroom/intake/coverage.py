"""`config check` on who alerts can page: at most one default escalation policy, and a warning
for every integration or route that can open a paging incident nobody is paged for.

An incident pages its service's escalation policy, else the policy marked `default: true`.
Without a default, a route whose alerts end up with no service, or with a service that names
no policy, opens incidents that page nobody (the incident says so when it happens; this says
so before).
"""

from __future__ import annotations

from typing import Any

from warroom.config.document import ConfigDocument, Problems


def _items(doc: ConfigDocument, key: str) -> list[Any]:
    return list(doc.items(key))


def _entries(doc: ConfigDocument, key: str) -> list[tuple[int | None, Any]]:
    return list(doc.entries(key))


WHY = "and no escalation policy is `default: true`: a paging severity will page nobody"


def _defaults(doc: ConfigDocument, problems: Problems) -> list[str]:
    found: list[str] = []
    for index, policy in _entries(doc, "escalation_policies"):
        if getattr(policy, "default", False):
            found.append(str(getattr(policy, "key", "")))
            if len(found) > 1:
                problems.add(
                    "escalation_policies",
                    index,
                    "default",
                    f"only one escalation policy can be the default ({found[0]!r} is already)",
                )
    return found


def _paging_levels(doc: ConfigDocument) -> set[str] | None:
    """Severity keys that page; None when the document has no severities section."""
    if not doc.present("severities"):
        return None
    return {str(s.key) for s in _items(doc, "severities") if getattr(s, "page", True)}


def _may_page(route: Any, paging: set[str] | None) -> bool:
    if not route.open_incident:
        return False
    if paging is None:
        return True
    sev = route.severity
    if sev is None:
        return bool(paging)
    if isinstance(sev, str):
        return sev in paging
    levels = set(sev.map.values()) | ({sev.default} if sev.default else set())
    # A label value outside the map falls back to the alert's own hint: it may page.
    return bool(levels & paging) or (sev.default is None and bool(paging))


def check_paging_coverage(doc: ConfigDocument, problems: Problems) -> None:
    """Errors: two default policies. Warnings: routes/integrations whose incidents page nobody."""
    if _defaults(doc, problems):
        return
    policies = {str(s.key): getattr(s, "escalation_policy", None) for s in _items(doc, "services")}
    paging = _paging_levels(doc)
    integrations = {str(i.key): getattr(i, "service", None) for i in _items(doc, "integrations")}
    for index, route in _entries(doc, "routes"):
        if not _may_page(route, paging):
            continue
        if route.service is not None:
            if route.service in policies and not policies[route.service]:
                problems.warn(
                    "routes",
                    index,
                    "service",
                    f"service {route.service!r} names no escalation_policy {WHY}",
                )
        elif route.service_label is None:
            names = [k for k in route.integrations if not policies.get(integrations.get(k) or "")]
            if names or not route.integrations:
                problems.warn("routes", index, None, f"this route sets no service {WHY}")
        else:
            problems.warn(
                "routes",
                index,
                "service_label",
                f"alerts without a {route.service_label!r} label naming a service with an "
                f"escalation_policy {WHY}",
            )
    catch_all = any(
        not r.matchers and not r.integrations and not r.continue_ for r in _items(doc, "routes")
    )
    if catch_all:
        return
    for index, item in _entries(doc, "integrations"):
        service = getattr(item, "service", None)
        if service is None or not policies.get(service):
            what = (
                f"its service {service!r} names no escalation_policy"
                if service
                else "its alerts that match no route and carry no `service` label of a service "
                "with an escalation_policy have nobody to page"
            )
            problems.warn("integrations", index, "service" if service else None, f"{what} {WHY}")
