"""The other outbound paths keep to warroom.outbound's policy too: an http action's request
and the audit checkpoint sinks (webhook, e-mail), against real local servers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.integration.notify.outbound_servers import Host, http_host
from tests.integration.notify.receivers import smtp_server
from warroom import outbound
from warroom.actions.runner import HttpxRunner
from warroom.audit import sinks
from warroom.settings import Settings

DOC = {"written_at": "2026-01-01T00:00:00Z", "heads": []}


@pytest.fixture(autouse=True)
def system_resolver() -> Iterator[None]:
    yield
    outbound.set_resolver(None)


@pytest.fixture
def meta() -> Iterator[Host]:
    with http_host() as host:
        yield host


def action(url: str) -> str | None:
    outcome = HttpxRunner().send({"method": "GET", "url": url}, timeout_s=5, limit=1000)
    assert not outcome.ok and outcome.stdout == b""
    return outcome.error


def test_an_http_action_to_this_host_as_0_0_0_0_is_refused(meta: Host) -> None:
    error = action(f"http://0.0.0.0:{meta.port}/latest/meta-data/")
    assert error == "refused to call 0.0.0.0, an unspecified address (this host)"
    assert meta.seen == []


def test_an_http_action_to_a_name_resolving_to_the_metadata_address_is_refused() -> None:
    outbound.set_resolver(lambda host, port: ["169.254.169.254"])
    error = action("http://metadata.test/latest/meta-data/iam/")
    assert error == (
        "refused to call metadata.test, which resolves to 169.254.169.254, a link-local"
        " address (cloud metadata services)"
    )


def test_an_http_action_to_loopback_still_runs(meta: Host) -> None:
    outcome = HttpxRunner().send(
        {"method": "GET", "url": f"http://127.0.0.1:{meta.port}/pause"}, timeout_s=5, limit=1000
    )
    assert outcome.ok and meta.seen == ["GET /pause"]


def test_an_audit_webhook_sink_on_a_refused_address_fails_and_says_why(meta: Host) -> None:
    settings = Settings(audit_checkpoint_url=f"http://0.0.0.0:{meta.port}/checkpoints")
    with pytest.raises(sinks.SinkFailed, match=r"webhook: refused to call 0\.0\.0\.0"):
        sinks.deliver(settings, DOC)
    assert meta.seen == []
    private = Settings(
        audit_checkpoint_url=f"http://localhost:{meta.port}/checkpoints", outbound_private="deny"
    )
    with pytest.raises(
        sinks.SinkFailed, match=r"a loopback address \(WARROOM_OUTBOUND_PRIVATE=deny\)"
    ):
        sinks.deliver(private, DOC)
    assert meta.seen == []
    assert sinks.deliver(Settings(audit_checkpoint_url=private.audit_checkpoint_url), DOC) == [
        "webhook"
    ]
    assert meta.seen == ["POST /checkpoints"]


def test_an_audit_email_sink_through_a_refused_smtp_server_sends_nothing() -> None:
    with smtp_server() as box:
        smtp = f"mailto://localhost:{box.port}?from=warroom@example.com&mode=insecure"
        settings = Settings(
            smtp_url=smtp, audit_checkpoint_email="audit@example.com", outbound_private="deny"
        )
        with pytest.raises(
            sinks.SinkFailed, match=r"email: refused to call localhost, which resolves"
        ):
            sinks.deliver(settings, DOC)
        assert box.messages == []
        allowed = settings.model_copy(update={"outbound_private": "allow"})
        assert sinks.deliver(allowed, DOC) == ["email"]
        assert len(box.messages) == 1


def test_an_action_item_export_to_a_refused_address_is_not_sent(meta: Host) -> None:
    from warroom.review.action_items import config, export

    with pytest.raises(
        ValueError, match=r"a refused destination: 169\.254\.169\.254, a link-local"
    ):
        config.check_webhook_url("http://169.254.169.254/latest/meta-data/")
    url = f"http://0.0.0.0:{meta.port}/latest/meta-data/"
    status, answer = export._post(url, {"title": "Add a replica"}, 7, timeout=5.0)
    assert (status, answer) == (None, "refused to call 0.0.0.0, an unspecified address (this host)")
    assert meta.seen == []
