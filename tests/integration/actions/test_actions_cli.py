"""`warroom action ...`, `incident show` and `incident resolve --force` through the real CLI."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from tests.integration.actions.conftest import H, Kubectl, Open
from warroom.engine.worker import Worker


def test_run_approve_list_show_and_resolve_with_force(
    kubectl: Kubectl,
    worker: Worker,
    client: TestClient,
    bob: H,
    open_incident: Open,
    cli: Callable[..., Any],
) -> None:
    number = open_incident("SEV0")
    ref = f"INC-{number}"
    ran = cli("action", "run", "pause-market", "--incident", ref, "-p", "market=EUR-USD")
    assert ran.exit_code == 0, ran.output
    assert "run 1 pause-market awaiting_approval" in ran.output
    assert "warroom action approve 1" in ran.output
    own = cli("action", "approve", "1")
    assert own.exit_code != 0 and "requester cannot approve" in own.output
    assert client.post("/api/v1/actions/runs/1/approve", headers=bob).status_code == 200
    worker.run_once()
    assert kubectl.calls() == [["annotate", "market/EUR-USD", "paused=true", "--reason=incident"]]
    listed = cli("action", "list", "--incident", f"inc-{number}")
    assert "INC-1" in listed.output and "run 1 pause-market succeeded" in listed.output
    shown = cli("incident", "show", str(number))
    assert "Active mitigations (1; resolving needs --force)" in shown.output
    assert "run 1 pause-market market=EUR-USD reason=incident" in shown.output
    refused = cli("incident", "resolve", str(number))
    assert refused.exit_code != 0 and "run 1 pause-market" in refused.output
    forced = cli("incident", "resolve", str(number), "--force")
    assert forced.exit_code == 0 and "resolved" in forced.output
    reverted = cli("action", "revert", "1")
    assert reverted.exit_code == 0 and "run 2 unpause-market queued" in reverted.output
    worker.run_once()
    assert kubectl.calls()[-1] == ["annotate", "market/EUR-USD", "paused=false"]


def test_bad_param_syntax_and_catalog_warning(
    configured: Any, cli: Callable[..., Any], open_incident: Open
) -> None:
    number = open_incident()
    bad = cli("action", "run", "annotate", "--incident", str(number), "-p", "text")
    assert bad.exit_code != 0 and "name=value" in bad.output
    catalog = cli("action", "catalog")
    assert "replicas (command): Scale the publisher [count; WARNING not reversible]" in (
        catalog.output
    )
    assert "pause-market (command): Pause a market [market, reason; undo: unpause-market]" in (
        catalog.output
    )
