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

from tests.integration.intake.conftest import AM_SECRET, GENERIC_SECRET, GENIE_KEY, apply_config

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
EXAMPLES = {GenerationMode.POSITIVE: 10, GenerationMode.NEGATIVE: 6}


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


def credentials(path: str, admin: dict[str, str]) -> dict[str, str]:
    """The credential a real caller of this operation sends."""
    if path.startswith("/v2/alerts"):
        return {"Authorization": f"GenieKey {GENIE_KEY}"}
    if path == "/api/v1/intake/alertmanager":
        return {"Authorization": f"Bearer {AM_SECRET}"}
    if path == "/api/v1/intake/generic":
        return {"Authorization": f"Bearer {GENERIC_SECRET}"}
    return dict(admin)


def fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str]) -> None:
    """Run bounded examples of one operation; raises the first failure found."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=EXAMPLES[mode],
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers={**(case.headers or {}), **headers}, checks=CHECKS)

    run()


def test_every_operation_answers_as_documented(app: FastAPI, admin: dict[str, str]) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 60
    for operation in operations:
        for mode in EXAMPLES:
            try:
                fuzz(operation, mode, credentials(operation.path, admin))
            except Unsatisfiable:
                pass  # no invalid request exists for an operation without inputs
            except (Exception, BaseExceptionGroup) as exc:  # all failures reported together
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert not failures, "\n\n".join(failures)
