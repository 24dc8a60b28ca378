"""examples/oracle's status-update channel e-mails through the configured SMTP server.

A newcomer's `make run` with WARROOM_SMTP_URL set to a working server: the pack's
oracle-incidents channel took mailto://localhost (port 25) whatever the server was, so every
status update read 'message failing' on the timeline. The pack is loaded from disk with the
environment of the process, as `make run` does, and the update goes to a real local SMTP
server."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.integration.examples.conftest import apply_pack, events
from tests.integration.notify.receivers import smtp_server
from warroom.audit.sentences import describe
from warroom.clock import FakeClock
from warroom.comms import service as comms
from warroom.db import Database
from warroom.engine.worker import Worker
from warroom.incidents import service as incidents
from warroom.notify import senders
from warroom.settings import Settings


def test_the_oracle_status_update_is_mailed_through_warroom_smtp_url(
    db: Database, clock: FakeClock, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock.set(datetime(2026, 3, 10, 14, 0, tzinfo=UTC))  # a weekday, the rotation on
    with smtp_server() as box:
        smtp_url = f"mailto://127.0.0.1:{box.port}?from=warroom@oracle.example&mode=insecure"
        monkeypatch.setenv("WARROOM_SMTP_URL", smtp_url)
        settings.smtp_url = smtp_url
        monkeypatch.delenv("ORACLE_INCIDENTS_EMAIL", raising=False)
        senders.set_sender(None)  # the real Apprise sender
        apply_pack(db, clock, "oracle")
        with db.session() as session:
            number = incidents.open_incident(
                session, clock, actor="oncall@oracle.example", title="API 5xx",
                severity="SEV1", services=["api-gateway"],
            ).number  # fmt: skip
        with db.session() as session:
            update = comms.post_update(
                session, clock, number=number, state="identified",
                internal="Rolling back the 14:05 deploy", smtp_url=smtp_url,
                actor="oncall@oracle.example",
            )  # fmt: skip
            assert update.reached == ["channel:oracle-incidents"]
        worker = Worker(db, clock, settings, "make-run")
        worker.run_once()
        with db.session() as session:
            incident = incidents.get_incident(session, number)
            incidents.resolve(session, clock, incident, actor="oncall@oracle.example")
        while worker.run_once():
            pass

        with db.session() as session:
            incident_id = incidents.get_incident(session, number).id
        timeline = events(db, incident_id)
        kinds = [e.kind for e in timeline]
        said = [describe(e.kind, e.payload) for e in timeline if e.kind.endswith(":sent")]
        assert not [k for k in kinds if k.endswith(("notification:failing", "failed"))], kinds
        room = [m for m in box.messages if str(m["To"]) == "incidents@oracle.example"]
        paged = {str(m["To"]) for m in box.messages} - {"incidents@oracle.example"}
    # the opening (a SEV1 is announced in the room), the update itself and the resolution
    assert len(room) == 3, [str(m["Subject"]) for m in room]
    assert any("resolved" in str(m["Subject"]).lower() for m in room), [m["Subject"] for m in room]
    assert any("Rolling back the 14:05 deploy" in str(m.get_payload()) for m in room)
    assert paged == {"oncall@oracle.example"}  # the page, through the same server
    # The timeline tells the page from the room's messages (it said "page delivered" for all).
    assert said.count("channel:oracle-incidents message delivered") == 3, said
    assert said.count("email page delivered") == 1, said
