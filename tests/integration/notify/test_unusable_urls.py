"""A webhook URL that cannot be sent to is refused when it is queued (so config checks refuse
it too), and one that is stored already fails visibly, once, instead of staying `sending`."""

from __future__ import annotations

import pytest
from sqlalchemy import update

from tests.factories import make_incident
from tests.integration.notify.test_delivery import get, queue, real_sender, worker
from warroom.audit import service as timeline
from warroom.clock import FakeClock
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.errors import Invalid
from warroom.notify.models import FAILED, Message
from warroom.notify.senders import is_supported

__all__ = ["real_sender", "worker"]  # fixtures

UNUSABLE = ["http://[::1/hook", "https://", "https:///hook", "http://hooks.example.com\x00/x"]


@pytest.mark.parametrize("url", UNUSABLE)
def test_a_webhook_url_without_a_usable_host_is_refused(
    db: Database, clock: FakeClock, url: str
) -> None:
    assert not is_supported(url)  # what config checks of contact methods and channels ask
    with pytest.raises(Invalid) as refused:
        queue(db, clock, url, "k")
    assert refused.value.field == "url"


def test_a_stored_url_that_cannot_be_sent_fails_once_and_visibly(
    db: Database, clock: FakeClock, worker: Worker
) -> None:
    with db.session() as session:
        incident_id = make_incident(session, clock).id
    msg_id = queue(db, clock, "http://hooks.example.com/x", "k", incident_id=incident_id)
    with db.session() as session:  # stored before URLs were checked this closely
        session.execute(update(Message).where(Message.id == msg_id).values(url=UNUSABLE[0]))
    worker.run_once()
    msg = get(db, msg_id)
    assert (msg.state, msg.attempts) == (FAILED, 1)  # not `sending` for ever, not retried
    assert "InvalidURL" in (msg.provider_answer or "")
    with db.session() as session:
        kinds = [e.kind for e in timeline.last_events(session, incident_id=incident_id, count=5)]
    assert "paging:notification:failed" in kinds
