"""schemathesis over every operation of the OpenAPI document, in process against the ASGI app:
no 5xx, every status code documented, every body shaped as documented (issue 9).

The app runs on a FakeClock (no embedded worker) with a configured catalog and intake, one open
incident and an admin token, so generated requests reach the services and not only the 401s.
Each operation gets a bounded number of valid (positive) and invalid (negative) examples so the
whole run stays short. (schemathesis' own pytest plugin cannot resolve fixtures under pytest 9,
so the operations are driven through `APIOperation.as_strategy` with Hypothesis directly.)
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.integration.intake.conftest import (
    AM_SECRET,
    GENERIC_SECRET,
    GENIE_KEY,
    PD_KEY,
    apply_config,
)

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = {GenerationMode.POSITIVE: 20, GenerationMode.NEGATIVE: 10}


@pytest.fixture
def admin(app: FastAPI, db: Any, clock: Any, admin_headers: dict[str, str]) -> dict[str, str]:
    """A configured catalog and intake, one open incident (number 1), the admin's headers."""
    apply_config(db, clock)
    with TestClient(app) as client:
        created = client.post(
            "/api/v1/incidents",
            json={"title": "Checkout errors", "severity": "SEV2", "services": ["checkout"]},
            headers=admin_headers,
        )
        assert created.status_code == 201, created.text
    return admin_headers


@pytest.fixture
def spare_token(app: FastAPI, admin: dict[str, str]) -> int:
    """A token the fuzzer may revoke (revoking the admin's own would end the run early)."""
    with TestClient(app) as client:
        created = client.post("/api/v1/tokens", json={"name": "spare"}, headers=admin)
        assert created.status_code == 201, created.text
    return int(created.json()["id"])


def credentials(path: str, admin: dict[str, str]) -> dict[str, str]:
    """The credential a real caller of this operation sends."""
    if path.startswith("/v2/alerts"):
        return {"Authorization": f"GenieKey {GENIE_KEY}"}
    if path == "/api/v1/intake/alertmanager":
        return {"Authorization": f"Bearer {AM_SECRET}"}
    if path == "/api/v1/intake/generic":
        return {"Authorization": f"Bearer {GENERIC_SECRET}"}
    return dict(admin)


# (operation, mode, pinned path parameters) -> the cases generated for it. With derandomize and
# no shrinking Hypothesis draws the same examples whatever the answers were (only a failure stops
# it early), so the sweep on the second database replays the cases generated for the first instead
# of generating them again: every case is still sent to both databases, at about half the cost.
GENERATED: dict[tuple[str, GenerationMode, str], list[Any]] = {}
_recording: list[list[Any]] = []


@schemathesis.hook
def before_call(context: Any, case: Any, kwargs: dict[str, Any]) -> None:
    """Keep each case a generating run sends (not through the strategy: a `.map` on it, or any
    change to the body of `run`, makes derandomize draw other cases than before)."""
    if _recording and (not _recording[-1] or _recording[-1][-1] is not case):
        _recording[-1].append(case)


def fuzz(
    operation: Any,
    mode: GenerationMode,
    headers: dict[str, str],
    statuses: set[int],
    pinned: dict[str, Any] | None = None,
) -> None:
    """Run bounded examples of one operation; raises the first failure found."""

    key = (operation.label, mode, repr(sorted((pinned or {}).items())))
    if key in GENERATED:
        for case in GENERATED[key]:
            answer = case.call_and_validate(
                headers={**(case.headers or {}), **headers}, checks=CHECKS
            )
            statuses.add(answer.status_code)
        return
    cases: list[Any] = []

    @given(case=operation.as_strategy(generation_mode=mode, path_parameters=pinned))
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        if case.path.startswith("/v2/") and "enqueue" in case.path and isinstance(case.body, dict):
            case.body["routing_key"] = PD_KEY  # PagerDuty's credential is in the body
        answer = case.call_and_validate(headers={**(case.headers or {}), **headers}, checks=CHECKS)
        statuses.add(answer.status_code)

    _recording.append(cases)
    try:
        run()
    except Unsatisfiable:
        GENERATED[key] = []  # no invalid request exists: nothing to replay either
        raise
    finally:
        _recording.pop()
    GENERATED[key] = cases  # kept only when every case passed (a failure is found again)


def pinnings(operation: Any, mode: GenerationMode, spare_token: int) -> list[dict[str, Any]]:
    """The path parameters fixed for each pass over an operation ({} = all generated)."""
    if "{token_id}" in operation.path:
        return [{"token_id": spare_token}]
    if "{number}" in operation.path and mode is GenerationMode.POSITIVE:
        return [{}, {"number": 1}]  # again on the seeded incident: the work behind the 404
    return [{}]


# The operations are spread over this many tests (every SHARDS-th operation each), so that
# parallel test processes share the run instead of one of them taking it all. A shard's two
# runs (SQLite, PostgreSQL) go to the same process (pytest_xdist_make_scheduler in
# tests/conftest.py), where the second replays the cases the first generated.
SHARDS = 4


@pytest.mark.parametrize("shard", range(SHARDS))
def test_every_operation_answers_as_documented(
    app: FastAPI, admin: dict[str, str], spare_token: int, shard: int
) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    answered: dict[str, set[int]] = {}
    every = [result.ok() for result in schema.get_all_operations()]
    assert len(every) > 60
    operations = sorted(every, key=lambda op: op.label)[shard::SHARDS]
    for operation, mode in ((op, mode) for op in operations for mode in EXAMPLES):
        statuses = answered.setdefault(operation.label, set())
        headers = credentials(operation.path, admin)
        for pinned in pinnings(operation, mode, spare_token):
            try:
                fuzz(operation, mode, headers, statuses, pinned or None)
            except Unsatisfiable:
                pass  # no invalid request exists for an operation without inputs
            except (Exception, BaseExceptionGroup) as exc:  # all failures reported together
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
    # The credentials and the seeded incident let generated requests reach the services
    # (about half of the operations succeed at least once).
    succeeded = sorted(label for label, codes in answered.items() if any(c < 300 for c in codes))
    assert len(succeeded) >= len(operations) // 3, (len(succeeded), succeeded)
