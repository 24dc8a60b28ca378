"""What an http run shows of its URL and body: the URL's scheme, host and shape, parameters
where they fill a part, the config's own parts `***`; a body's secret-named fields `***`."""

from __future__ import annotations

from typing import Any

from warroom.actions.listing import credentials_of, public_view, shown_params
from warroom.actions.models import ActionRun


def _run(url: str, params: dict[str, Any], body: str | None = None, **headers: str) -> ActionRun:
    request = {"method": "POST", "url": url, "headers": headers, "body": body}
    return ActionRun(params=params, rendered={"request": request})


def _shown(run: ActionRun) -> dict[str, Any]:
    request: dict[str, Any] = public_view(run)["request"]
    return request


def test_literal_path_query_user_info_and_fragment_are_masked() -> None:
    run = _run("https://bot:pw-123456@hooks.example.com:8443/services/T000/B000/XXXX#frag", {})
    assert _shown(run)["url"] == "https://***@hooks.example.com:8443/***/***/***/***#***"
    assert {"pw-123456", "services"} <= set(credentials_of(run))  # looked for in the output


def test_a_parameter_shows_where_it_fills_a_segment_or_a_query_value() -> None:
    run = _run(
        "https://api.example.com/markets/BTC%2FUSD/pause?channel=ops&m=BTC%2FUSD&flag",
        {"market": "BTC/USD", "dry": False},
    )
    assert (
        _shown(run)["url"]
        == "https://api.example.com/***/BTC%2FUSD/***?channel=***&m=BTC%2FUSD&***"
    )
    assert shown_params(run) == {"market": "BTC/USD", "dry": False}


def test_a_parameter_masked_elsewhere_is_masked_in_the_url_too() -> None:
    run = _run(
        "https://api.example.com/hooks/k-998877/x?token=k-998877&hook_token=abcdef1234",
        {"key": "k-998877", "hook_token": "abcdef1234"},
        '{"api_key": "k-998877"}',
    )
    assert _shown(run)["url"] == "https://api.example.com/***/***/***?token=***&hook_token=***"
    assert shown_params(run) == {"key": "***", "hook_token": "***"}


def test_secret_named_fields_of_a_json_or_form_body_are_masked() -> None:
    json_run = _run(
        "https://events.example.com/v2/enqueue",
        {},
        '{"routing_key": "R0UTE-1234", "payload": {"summary": "down", "signature": "s\\"ig-99"}}',
        **{"Content-Type": "application/json"},
    )
    assert _shown(json_run)["body"] == (
        '{"routing_key": "***", "payload": {"summary": "down", "signature": "***"}}'
    )
    assert "R0UTE-1234" in credentials_of(json_run)
    form_run = _run(
        "https://events.example.com/x",
        {},
        "routing_key=R0UTE%2B1234&text=down",
        **{"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert _shown(form_run)["body"] == "routing_key=***&text=down"


def test_a_url_that_cannot_be_read_is_shown_by_scheme_and_host_only() -> None:
    run = _run("http://[::1/secret-path", {})
    assert "secret-path" not in _shown(run)["url"]
