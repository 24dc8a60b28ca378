"""URLs and form bodies of http actions: a parameter fills one path segment, query value or
form field, and cannot reach another endpoint or add a field."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs

import httpx
import pytest

from warroom.actions import render

TRAVERSAL = "../../admin/delete?all=1#x"


def _http(url: str, body: str | None = None, content_type: str | None = None) -> dict[str, Any]:
    headers = {"Content-Type": content_type} if content_type else {}
    return {"http": {"url": url, "headers": headers, "body": body}}


def test_a_path_parameter_stays_in_its_segment() -> None:
    definition = _http("https://admin.internal/api/markets/{{ market }}/pause")
    url = render.render_http(definition, {"market": TRAVERSAL})["url"]
    sent = httpx.Request("POST", url).url  # what the runner's client would send
    assert sent.host == "admin.internal"
    assert sent.raw_path == b"/api/markets/..%2F..%2Fadmin%2Fdelete%3Fall%3D1%23x/pause"
    assert not sent.query and not sent.fragment


@pytest.mark.parametrize("dots", [".", ".."])
def test_a_dot_segment_is_not_resolved_away(dots: str) -> None:
    definition = _http("https://admin.internal/api/markets/{{ market }}/pause")
    url = render.render_http(definition, {"market": dots})["url"]
    assert httpx.Request("POST", url).url.path.count("/") == 4  # /api/markets/<dots>/pause


def test_a_query_value_cannot_add_parameters() -> None:
    definition = _http("https://admin.internal/halt?scope={{ scope }}&ref={{ incident.ref }}")
    context = {"scope": "spot&force=true", "incident": {"ref": "INC-7"}}
    url = render.render_http(definition, context)["url"]
    query = parse_qs(httpx.URL(url).query.decode())
    assert query == {"scope": ["spot&force=true"], "ref": ["INC-7"]}


def test_plain_values_and_numbers_are_unchanged() -> None:
    definition = _http("https://admin.internal/v1/{{ incident.ref }}/{{ count }}/{{ host }}")
    context = {"incident": {"ref": "INC-12"}, "count": 3, "host": "db-1.eu_west~a"}
    url = render.render_http(definition, context)["url"]
    assert url == "https://admin.internal/v1/INC-12/3/db-1.eu_west~a"


def test_a_form_body_value_cannot_add_a_field() -> None:
    definition = _http(
        "https://admin.internal/halt",
        "scope={{ scope }}&why={{ why }}",
        "application/x-www-form-urlencoded",
    )
    context = {"scope": "spot&admin=1", "why": "a b=c"}
    body = render.render_http(definition, context)["body"]
    assert parse_qs(body) == {"scope": ["spot&admin=1"], "why": ["a b=c"]}
