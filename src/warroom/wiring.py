"""The composition root: every connection between warroom's domains is made here, in one place.

Domain modules only *declare* what they offer: an `api` module has a `router` (and maybe a
`setup(app)` hook), a handler module marks its job handlers with `@handler`, a `config` module
lists its `SECTIONS`, and a module that reacts to other domains' timeline events lists its
`SUBSCRIPTIONS`. Importing a domain registers nothing. The app factory (`warroom.app`) and the
worker process (`warroom.cli.worker`) call `install()`, and the app factory `include_routers()`,
so reading this file tells what runs in a warroom process.
"""

from __future__ import annotations

import threading
from types import ModuleType

from fastapi import FastAPI

from warroom import events, scrape
from warroom.actions import api as actions_api
from warroom.actions import config as actions_config
from warroom.actions import guard as actions_guard
from warroom.actions import jobs as actions_jobs
from warroom.audit import jobs as audit_jobs
from warroom.auth import api as auth_api
from warroom.auth import offboard as auth_offboard
from warroom.auth import service as auth_service
from warroom.catalog import api as catalog_api
from warroom.catalog import config as catalog_config
from warroom.comms import announce as comms_announce
from warroom.comms import api as comms_api
from warroom.comms import cadence as comms_cadence
from warroom.comms import config as comms_config
from warroom.comms import jobs as comms_jobs
from warroom.comms import paging_text as comms_paging_text
from warroom.comms import service as comms_service
from warroom.config import api as config_api
from warroom.config import registry as config_registry
from warroom.engine import api as engine_api
from warroom.engine import maintenance as engine_maintenance
from warroom.engine import registry as job_registry
from warroom.engine import service as engine_service
from warroom.evidence import api as evidence_api
from warroom.heartbeats import api as heartbeats_api
from warroom.heartbeats import config as heartbeats_config
from warroom.heartbeats import jobs as heartbeats_jobs
from warroom.incidents import api as incidents_api
from warroom.incidents import present as incidents_present
from warroom.incidents import service as incidents_service
from warroom.intake import api as intake_api
from warroom.intake import config as intake_config
from warroom.intake import jobs as intake_jobs
from warroom.notify import delivery as notify_delivery
from warroom.paging import api as paging_api
from warroom.paging import api_notifications as paging_api_notifications
from warroom.paging import api_reach as paging_reach_api
from warroom.paging import config as paging_config
from warroom.paging import failover as paging_failover
from warroom.paging import handlers as paging_handlers
from warroom.paging import notice as paging_notice
from warroom.paging import pager as paging_pager
from warroom.paging import people as paging_people
from warroom.paging import runtime as paging_runtime
from warroom.review.action_items import api as action_items_api
from warroom.review.action_items import config as action_items_config
from warroom.review.action_items import jobs as action_items_jobs
from warroom.review.action_items import reactions as action_items_reactions
from warroom.review.analytics import api as analytics_api
from warroom.review.analytics import config as analytics_config
from warroom.review.drills import api as drills_api
from warroom.review.drills import config as drills_config
from warroom.review.drills import jobs as drills_jobs
from warroom.review.drills import reactions as drills_reactions
from warroom.review.postmortems import api as postmortems_api
from warroom.review.postmortems import config as postmortems_config
from warroom.review.postmortems import jobs as postmortems_jobs
from warroom.review.postmortems import reactions as postmortems_reactions
from warroom.runbooks import api as runbooks_api
from warroom.runbooks import config as runbooks_config
from warroom.runbooks import reactions as runbooks_reactions
from warroom.statuspage import api as statuspage_api
from warroom.statuspage import config as statuspage_config
from warroom.statuspage import jobs as statuspage_jobs
from warroom.statuspage import public as statuspage_public
from warroom.statuspage import reactions as statuspage_reactions
from warroom.statuspage import records as statuspage_records
from warroom.web import api as web_api
from warroom.web import api_invites as web_api_invites
from warroom.web import dashboard as web_dashboard
from warroom.web import events as web_events
from warroom.web import forms_incident as web_forms_incident
from warroom.web import forms_incident_actions as web_forms_incident_actions
from warroom.web import forms_incident_comms as web_forms_incident_comms
from warroom.web import forms_incident_evidence as web_forms_incident_evidence
from warroom.web import forms_incident_work as web_forms_incident_work
from warroom.web import pages_action_items as web_pages_action_items
from warroom.web import pages_admin as web_pages_admin
from warroom.web import pages_alerts as web_pages_alerts
from warroom.web import pages_analytics as web_pages_analytics
from warroom.web import pages_auth as web_pages_auth
from warroom.web import pages_config as web_pages_config
from warroom.web import pages_incidents as web_pages_incidents
from warroom.web import pages_oncall as web_pages_oncall
from warroom.web import pages_postmortems as web_pages_postmortems
from warroom.web import pages_services as web_pages_services

# HTTP routes, in match order: intake first, it is the hot path.
ROUTERS: tuple[ModuleType, ...] = (
    intake_api,
    auth_api,
    config_api,
    catalog_api,
    incidents_api,
    evidence_api,
    engine_api,
    paging_api_notifications,
    heartbeats_api,
    paging_api,
    paging_reach_api,
    statuspage_public,
    statuspage_api,
    runbooks_api,
    actions_api,
    comms_api,
    drills_api,
    postmortems_api,
    analytics_api,
    action_items_api,
    scrape,
    web_api_invites,
    web_pages_auth,
    web_dashboard,
    web_events,
    web_pages_incidents,
    web_forms_incident,
    web_forms_incident_work,
    web_forms_incident_actions,
    web_forms_incident_comms,
    web_forms_incident_evidence,
    web_pages_alerts,
    web_pages_oncall,
    web_pages_services,
    web_pages_config,
    web_pages_admin,
    web_pages_analytics,
    web_pages_postmortems,
    web_pages_action_items,
    web_api,
)

# Modules whose `@handler` functions run jobs on the engine.
JOB_HANDLERS: tuple[ModuleType, ...] = (
    notify_delivery,
    heartbeats_jobs,
    intake_jobs,
    engine_maintenance,
    paging_handlers,
    audit_jobs,
    statuspage_jobs,
    runbooks_reactions,
    actions_jobs,
    comms_jobs,
    comms_announce,
    drills_jobs,
    postmortems_jobs,
    action_items_jobs,
)

# Modules that own top-level keys of the config files (their `SECTIONS`).
CONFIG_SECTIONS: tuple[ModuleType, ...] = (
    catalog_config,
    intake_config,
    heartbeats_config,
    paging_config,
    statuspage_config,
    runbooks_config,
    actions_config,
    comms_config,
    drills_config,
    postmortems_config,
    analytics_config,
    action_items_config,
)

# Modules that react, inside the same transaction, to timeline events of other domains.
SUBSCRIBERS: tuple[ModuleType, ...] = (
    paging_runtime,
    paging_failover,
    paging_notice,
    incidents_service,
    statuspage_reactions,
    runbooks_reactions,
    actions_guard,
    comms_cadence,
    comms_announce,
    postmortems_reactions,
    action_items_reactions,
    drills_reactions,
)

_lock = threading.Lock()
_installed = False


def install() -> None:
    """Register job handlers, config sections and event subscriptions (once per process)."""
    global _installed
    with _lock:
        if _installed:
            return
        for module in JOB_HANDLERS:
            job_registry.register_module(module)
        for module in CONFIG_SECTIONS:
            for section in module.SECTIONS:
                config_registry.register(section)
        for module in SUBSCRIBERS:
            for pattern, handler in module.SUBSCRIPTIONS:
                events.subscribe(pattern, handler)
        # Pages read their text from the comms domain's `page` template.
        paging_pager.PAGE_TEXT = comms_paging_text.page_text
        paging_pager.ESCALATION_TEXT = comms_paging_text.escalation_text
        # An update's public text tells whether anyone can read it yet.
        comms_service.SHOWN_PUBLICLY = statuspage_records.shown_publicly
        # An incident's next update is due when the comms cadence (and its reminders) says.
        incidents_present.UPDATES_DUE = comms_cadence.updates_due
        # An admin's cancel of a job is an event of the global audit chain.
        engine_service.CANCEL_RECORDER = audit_jobs.record_cancel
        engine_service.RETRY_RECORDER = audit_jobs.record_retry
        # A deactivated person's calendar feed ends with their other credentials.
        auth_offboard.OTHER_CREDENTIALS["calendar feeds"] = paging_people.end_feeds
        _installed = True


def include_routers(app: FastAPI, routers: tuple[ModuleType, ...] = ROUTERS) -> None:
    """Mount each domain's routes and run its optional `setup(app)` hook."""
    app.state.authenticate = auth_service.authenticate
    for module in routers:
        app.include_router(module.router)
        setup = getattr(module, "setup", None)
        if setup is not None:
            setup(app)
