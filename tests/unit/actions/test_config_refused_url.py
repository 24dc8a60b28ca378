"""An http action written to an address warroom never calls is refused by config check.

Contact methods, channels and tracker webhooks already were; an http action to
http://169.254.169.254/... passed `config check` and was refused only when a responder ran it."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from warroom.actions.config import ActionConfig


def action(url: str) -> dict[str, Any]:
    return {
        "id": "pause",
        "title": "Pause the market",
        "kind": "http",
        "http": {"method": "POST", "url": url},
        "reversible": False,
    }


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0:8080/pause",
        "http://[fe80::1]/pause",
        "https://[::ffff:169.254.169.254]/m/{{ market }}",
    ],
)
def test_an_http_action_to_a_refused_address_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="refused destination"):
        ActionConfig.model_validate(action(url))


@pytest.mark.parametrize(
    "url",
    [
        "https://ops.example.com/m/{{ market }}/pause",
        "http://127.0.0.1:9000/pause",
        "http://10.0.0.5/pause",
        "https://{{ host }}/pause",
    ],
)
def test_an_http_action_to_a_named_private_or_templated_host_is_accepted(url: str) -> None:
    assert ActionConfig.model_validate(action(url)).http is not None
