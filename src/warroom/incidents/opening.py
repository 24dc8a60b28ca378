"""Opening an incident's rows: its number, the catalog check of its severity and services,
and the INSERTs of the incident and its services.

Opening is the hot path of alert intake (each alert that finds no open incident opens one), so
the rows are written with Core statements rather than an ORM flush, and the catalog question an
opening asks is answered from a cache held per configuration document. `service.open_incident`
validates the rest and records `incident:incident:opened`; this module only writes.

On PostgreSQL the incident (numbered by its column's identity sequence) and its services go in
one statement; on SQLite the number comes from the `counters` row, whose UPDATE takes the
database write lock before the counter is read, then one INSERT per row.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, Table, bindparam, func, insert, select, text, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session, configure_mappers, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.instrumentation import manager_of_class

from warroom.catalog.service import require_services, require_severity
from warroom.config import service as config_service
from warroom.incidents.models import Counter, Incident, IncidentService

__all__ = ["check_catalog", "insert_incident", "next_number"]


def next_number(session: Session) -> int:
    """The next incident number: unique and increasing, also under concurrent openers."""
    if session.get_bind().dialect.name == "postgresql":
        nextval = text("SELECT nextval(pg_get_serial_sequence('incidents', 'number'))")
        return int(session.execute(nextval).scalar_one())
    from sqlalchemy.dialects.sqlite import insert as lite_insert

    # SQLite: the UPDATE takes the database write lock before reading the counter.
    session.execute(lite_insert(Counter).values(name="incident", value=0).on_conflict_do_nothing())
    stmt = (
        update(Counter)
        .where(Counter.name == "incident")
        .values(value=Counter.value + 1)
        .returning(Counter.value)
        .execution_options(synchronize_session=False)
    )
    return int(session.execute(stmt).scalar_one())


# (severity, services asked for) -> (the configuration document they were checked under, the
# service keys): the catalog is written only by `config apply`, which makes a new document, so
# a check that passed holds until the document changes. An alert opening an incident asks
# the same question each time; two catalog queries were a tenth of the request's CPU.
_CHECKED: dict[tuple[str, tuple[str, ...]], tuple[dict[str, Any], list[str]]] = {}


def check_catalog(session: Session, severity: str, services: list[str]) -> list[str]:
    """The active severity and services an incident may be opened with (Invalid otherwise, as
    `require_severity` and `require_services` say): their keys, de-duplicated and sorted."""
    document = config_service.current_document(session)
    question = (severity, tuple(services))
    checked = _CHECKED.get(question)
    if checked is not None and checked[0] is document:
        return list(checked[1])
    require_severity(session, severity)
    keys = require_services(session, services)
    if document:  # before a first apply the catalog is the tests' own rows: always asked
        if len(_CHECKED) >= 1000:
            _CHECKED.clear()
        _CHECKED[question] = (document, list(keys))
    return keys


_INCIDENTS: Table = Incident.__table__  # type: ignore[assignment]
_SERVICES: Table = IncidentService.__table__  # type: ignore[assignment]
_INCIDENT_MANAGER = manager_of_class(Incident)
_SERVICE_MANAGER = manager_of_class(IncidentService)
_INCIDENT_COLUMNS = [c.name for c in _INCIDENTS.c if c.name not in ("id", "number")]
# PostgreSQL: the incident (its number from the column's identity sequence) and its
# services in one statement (one round trip, no ORM flush): (id, number, [[service id, key]]).
_NEW_INCIDENT = (
    insert(_INCIDENTS)
    .values({name: bindparam(f"_i_{name}") for name in _INCIDENT_COLUMNS})
    .returning(_INCIDENTS.c.id, _INCIDENTS.c.number)
    .cte("new_incident")
)
_NEW_SERVICES = (
    insert(_SERVICES)
    .from_select(
        ["incident_id", "service_key"],
        select(
            _NEW_INCIDENT.c.id,
            func.unnest(bindparam("_keys", type_=postgresql.ARRAY(String))),
        ),
    )
    .returning(_SERVICES.c.id, _SERVICES.c.service_key)
    .cte("new_services")
)
_INSERT_INCIDENT_PG = select(
    _NEW_INCIDENT.c.id,
    _NEW_INCIDENT.c.number,
    select(
        func.json_agg(func.json_build_array(_NEW_SERVICES.c.id, _NEW_SERVICES.c.service_key))
    ).scalar_subquery(),
)
_INSERT_INCIDENT = insert(_INCIDENTS).returning(_INCIDENTS.c.id)
_INSERT_SERVICE = insert(_SERVICES).returning(_SERVICES.c.id)


def insert_incident(session: Session, values: dict[str, Any], service_keys: list[str]) -> Incident:
    """Insert an incident and its services with Core statements (an ORM flush of the two
    costs several times more) and attach the Incident to the session as the persistent
    object of that row, filled as a loaded one would be."""
    session.flush()  # pending changes first, in the order an ORM flush would write them
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        params = {f"_i_{name}": values[name] for name in _INCIDENT_COLUMNS}
        row = conn.execute(_INSERT_INCIDENT_PG, {**params, "_keys": service_keys}).one()
        incident_id, number = int(row[0]), int(row[1])
        services = sorted(((int(i), str(k)) for i, k in row[2] or []), key=lambda s: s[1])
    else:
        number = next_number(session)
        incident_id = int(conn.execute(_INSERT_INCIDENT, {**values, "number": number}).scalar_one())
        services = []
        for key in service_keys:
            pair = {"incident_id": incident_id, "service_key": key}
            services.append((int(conn.execute(_INSERT_SERVICE, pair).scalar_one()), key))
    if not Incident.__mapper__.configured:
        configure_mappers()
    incident: Incident = _INCIDENT_MANAGER.new_instance()
    incident.__dict__.update(values, id=incident_id, number=number)
    make_transient_to_detached(incident)
    session.add(incident)
    rows = []
    for service_id, key in services:
        link: IncidentService = _SERVICE_MANAGER.new_instance()
        link.__dict__.update(id=service_id, incident_id=incident_id, service_key=key)
        make_transient_to_detached(link)
        session.add(link)
        rows.append(link)
    set_committed_value(incident, "services", rows)
    return incident
