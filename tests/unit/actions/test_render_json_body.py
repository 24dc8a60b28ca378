"""JSON bodies of http actions: parameters are JSON-escaped and cannot add fields."""

from __future__ import annotations

import json
from typing import Any

import pytest

from warroom.actions import render
from warroom.errors import Invalid

INJECTION = '", "admin": true, "x": "'
JSON_HEADERS = {"Content-Type": "application/json"}


def _http(body: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    http = {"url": "http://127.0.0.1/halt", "headers": headers or {}, "body": body}
    return {"http": http}


@pytest.mark.parametrize("headers", [JSON_HEADERS, {}])
def test_a_parameter_cannot_inject_json_fields(headers: dict[str, str]) -> None:
    definition = _http('{"scope": "{{ scope }}", "reason": "{{ incident.ref }}"}', headers)
    context = {"scope": INJECTION, "incident": {"ref": "INC-1"}}
    body = render.render_http(definition, context)["body"]
    assert json.loads(body) == {"scope": INJECTION, "reason": "INC-1"}


def test_backslashes_and_newlines_stay_inside_the_string() -> None:
    definition = _http('{"note": "{{ note }}"}', JSON_HEADERS)
    value = 'a\\"b\nc</script>'
    body = render.render_http(definition, {"note": value})["body"]
    assert json.loads(body) == {"note": value}


def test_numbers_booleans_and_tojson_render_as_json_values() -> None:
    definition = _http('{"count": {{ count }}, "dry": {{ dry_run }}, "s": {{ s | tojson }}}')
    definition["http"]["headers"] = JSON_HEADERS
    body = render.render_http(definition, {"count": 3, "dry_run": False, "s": INJECTION})["body"]
    assert json.loads(body) == {"count": 3, "dry": False, "s": INJECTION}


def test_an_unquoted_text_parameter_that_would_break_the_json_is_refused() -> None:
    definition = _http('{"count": {{ count }}}', JSON_HEADERS)
    with pytest.raises(Invalid) as caught:
        render.render_http(definition, {"count": '1, "admin": true'})
    assert caught.value.field == "http.body"


def test_a_form_body_is_rendered_as_plain_text() -> None:
    definition = _http("scope={{ scope }}&why={{ why }}", {"Content-Type": "text/plain"})
    body = render.render_http(definition, {"scope": "spot", "why": 'a "b"'})["body"]
    assert body == 'scope=spot&why=a "b"'
