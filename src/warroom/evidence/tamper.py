"""Everything `audit verify` checks: the hash chains and their anchors (audit), and the
evidence locker against the timeline (evidence).

It sits above both audit and incidents, so audit never imports them: the audit domain checks
chains by id and takes the incident numbers and the evidence check from here.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.audit.verify import Report, verify
from warroom.errors import NotFound
from warroom.evidence.integrity import check_items, incident_numbers
from warroom.incidents import service as incidents


def verify_all(session: Session, *, incident_number: int | None = None) -> Report:
    """Verify every chain, anchor and evidence item (or one incident's, by number)."""
    incident_id = None
    if incident_number is not None:
        try:
            incident_id = incidents.get_incident(session, incident_number).id
        except NotFound as exc:
            # Never opened, or deleted whole: its number went with it, but its chain's anchor
            # did not, and the full verify names that chain.
            raise NotFound(
                f"{exc.message}: never opened, or deleted whole ('warroom audit verify' without "
                "--incident names a wiped incident by its chain)",
                field=exc.field,
            ) from None
    return verify(
        session,
        incident_id=incident_id,
        numbers=incident_numbers(session, incident_id),
        checks={"evidence": check_items},
    )
