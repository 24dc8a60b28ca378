"""Services: each configured service with its team, escalation policy (and per-severity
policies), the runbooks config names for it, and its open incidents (the ones the signed-in
person may see, as the API shows them)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from warroom.catalog import service as catalog
from warroom.deps import SessionDep
from warroom.incidents import lifecycle
from warroom.incidents.listing import MAX_PAGE, list_rows
from warroom.paging import service as paging
from warroom.paging.targeting import default_policy_key
from warroom.runbooks import service as runbooks
from warroom.web.deps import UiViewer
from warroom.web.render import render

router = APIRouter(include_in_schema=False)


@router.get("/ui/services", response_class=HTMLResponse)
def services_page(request: Request, me: UiViewer, session: SessionDep) -> Response:
    services = catalog.list_services(session)
    policies = {p.key: p for p in paging.list_policies(session)}
    by_service: dict[str, list[Any]] = defaultdict(list)
    for book in runbooks.list_runbooks(session):
        for key in book.named_by_services or []:
            by_service[str(key)].append(book)
    rows, services_of, _ = list_rows(
        session,
        status=list(lifecycle.OPEN_STATUSES),
        limit=MAX_PAGE,
        viewer=None if me.allows("admin") else me.email,
    )
    open_by_service: dict[str, list[Any]] = defaultdict(list)
    for row in rows:
        for key in services_of.get(row.id, []):
            open_by_service[key].append(row)
    # A service without a policy of its own is paged by its incidents' severity's policy, else
    # by the default one (paging.targeting.policy_names): say which, not "none".
    by_severity = [
        (sev.key, sev.escalation_policy)
        for sev in catalog.list_severities(session)
        if sev.escalation_policy
    ]
    context = {
        "by_severity": by_severity,
        "default_policy": policies.get(default_policy_key(session) or ""),
        "services": [
            {
                "service": s,
                "policy": policies.get(s.escalation_policy or ""),
                "per_severity": sorted((s.escalation_policies or {}).items()),
                "runbooks": by_service.get(s.key, []),
                "incidents": open_by_service.get(s.key, []),
            }
            for s in services
        ],
        "open_shown": len(rows),
        "open_limit": MAX_PAGE,
    }
    return render(request, "services.html", context)
