"""Status page administration: publish incidents, override components, announce maintenance."""

from __future__ import annotations

from fastapi import APIRouter

from warroom.deps import Admin, ClockDep, Responder, SessionDep, SettingsDep, Viewer
from warroom.incidents.access import visible_incident
from warroom.openapi import API_ERRORS, IdPath, IncidentNumberPath
from warroom.statuspage import maintenance, service, subscribers
from warroom.statuspage.schemas import (
    ComponentStatusIn,
    MaintenanceIn,
    MaintenanceOut,
    PublishedOut,
    PublishIn,
    SubscriberOut,
    WebhookIn,
)

router = APIRouter(prefix="/api/v1/status", tags=["status page"], responses=API_ERRORS)


@router.post("/incidents", response_model=PublishedOut, status_code=201)
def publish(
    body: PublishIn, principal: Responder, session: SessionDep, clock: ClockDep,
    settings: SettingsDep,
) -> PublishedOut:  # fmt: skip
    visible_incident(session, body.number, principal)
    record = service.publish(session, clock, body.number, name=body.name,
                             components=body.components, message=body.message,
                             actor=principal.actor)  # fmt: skip
    session.commit()
    return PublishedOut.of(record, settings.public_url)


@router.delete("/incidents/{number}", status_code=204)
def unpublish(
    number: IncidentNumberPath, principal: Responder, session: SessionDep, clock: ClockDep
) -> None:
    visible_incident(session, number, principal)
    service.unpublish(session, clock, number, actor=principal.actor)
    session.commit()


@router.get("/components")
def list_components(
    principal: Viewer, session: SessionDep, clock: ClockDep
) -> list[dict[str, str | None]]:
    return [{"key": c.key, "name": c.name, "group": c.group, "status": c.status}
            for c in service.components(session, clock)]  # fmt: skip


@router.put("/components/{key}", status_code=204)
def set_component(
    key: str, body: ComponentStatusIn, principal: Admin, session: SessionDep, clock: ClockDep
) -> None:
    service.set_component_status(session, clock, key, body.status, actor=principal.actor)
    session.commit()


@router.post("/maintenances", response_model=MaintenanceOut, status_code=201)
def announce(
    body: MaintenanceIn, principal: Admin, session: SessionDep, clock: ClockDep
) -> MaintenanceOut:
    service.check_components(session, body.components)
    window = maintenance.announce(session, clock, name=body.name, body=body.body,
                                  components=body.components, scheduled_for=body.scheduled_for,
                                  scheduled_until=body.scheduled_until,
                                  actor=principal.actor)  # fmt: skip
    session.commit()
    return MaintenanceOut.of(window)


@router.post("/maintenances/{maintenance_id}/cancel", response_model=MaintenanceOut)
def cancel_maintenance(
    maintenance_id: IdPath, principal: Admin, session: SessionDep, clock: ClockDep
) -> MaintenanceOut:
    """Take a window back: not started, it is cancelled; under way, it ends now."""
    window = maintenance.cancel(session, clock, maintenance_id)
    session.commit()
    return MaintenanceOut.of(window)


@router.get("/subscribers", response_model=list[SubscriberOut])
def list_subscribers(principal: Admin, session: SessionDep) -> list[SubscriberOut]:
    return [SubscriberOut.of(s) for s in subscribers.listing(session)]


@router.post("/subscribers", response_model=SubscriberOut, status_code=201)
def add_webhook(
    body: WebhookIn, principal: Admin, session: SessionDep, clock: ClockDep
) -> SubscriberOut:
    service.check_components(session, body.components)
    subscriber = subscribers.subscribe_webhook(session, clock, body.url, body.components)
    session.commit()
    return SubscriberOut.of(subscriber)
