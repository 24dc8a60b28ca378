"""Parameter validation and template rendering for actions.

Every template is rendered on its own with Jinja2's sandbox and StrictUndefined, so one argv
template is exactly one argument: a parameter value holding `; rm -rf /`, `$(id)` or a
newline is passed as text inside that one argument and never reaches a shell. Values that
could still change a program's meaning (a leading `-` read as an option, control characters)
are refused by validation before anything is rendered.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote, quote_plus

from jinja2 import StrictUndefined, TemplateError
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup

from warroom import sandbox
from warroom.errors import Invalid


def _json_escaped(value: Any) -> Any:
    """A JSON body's `{{ x }}`: text escaped as the inside of a JSON string, never raw JSON."""
    if isinstance(value, Markup):  # `| tojson` already produced a complete JSON value
        return value
    if isinstance(value, str):
        return json.dumps(value)[1:-1]
    if value is None or isinstance(value, (bool, int, float)):
        return json.dumps(value)
    return json.dumps(str(value))[1:-1]


def _url_escaped(value: Any) -> str:
    """A URL's `{{ x }}`: percent-encoded whole, so a value can fill one path segment or
    query value but never add a `/`, `?`, `#`, `&` or a `..` segment of its own."""
    encoded = quote(str(value), safe="")
    return encoded.replace(".", "%2E") if encoded in (".", "..") else encoded


def _form_escaped(value: Any) -> str:
    """A form body's `{{ x }}`: one form value, so `&admin=1` cannot add a field."""
    return quote_plus(str(value), safe="")


# Bounded (warroom.sandbox): a template's loops, output and values have a size.
_ENV = sandbox.BoundedSandbox(undefined=StrictUndefined, autoescape=False)
# For JSON bodies: every value is JSON-escaped, so a parameter holding `", "admin": true`
# stays text inside its string and cannot add fields.
_JSON_ENV = sandbox.BoundedSandbox(
    undefined=StrictUndefined, autoescape=False, finalize=_json_escaped
)
# For URLs and form bodies: every value is percent-encoded (a parameter holding
# `../../admin/delete?all=1` stays inside its one segment or value).
_URL_ENV = sandbox.BoundedSandbox(
    undefined=StrictUndefined, autoescape=False, finalize=_url_escaped
)
_FORM_ENV = sandbox.BoundedSandbox(
    undefined=StrictUndefined, autoescape=False, finalize=_form_escaped
)
# Control characters (C0, DEL, C1), Unicode line and paragraph separators, and the bidi
# controls that make text show other than it reads (a market shown as one, naming another).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_INTEGER = re.compile(r"-?[0-9]{1,18}")


def check_template(template: str) -> None:
    """ValueError if a template does not parse (used by config validation)."""
    try:
        _ENV.parse(template)
    except TemplateError as exc:
        raise ValueError(f"template {template!r} does not parse: {exc}") from exc


def render(
    template: str, context: dict[str, Any], *, field: str, env: SandboxedEnvironment = _ENV
) -> str:
    """One template rendered to one string; a missing name is Invalid naming `field`."""
    try:
        return sandbox.render(env.from_string(template), context)
    except Exception as exc:  # a missing name, or 1/0, "a" + 1, the sandbox's range limit
        raise Invalid(f"{field}: template {template!r} failed: {exc}", field=field) from exc


def validate_params(declared: list[dict[str, Any]], given: dict[str, Any]) -> dict[str, Any]:
    """The given parameters checked against their declarations, defaults filled in."""
    known = {p["name"]: p for p in declared}
    for name in given:
        if name not in known:
            raise Invalid(
                f"unknown parameter {name!r} (known: {', '.join(known) or 'none'})",
                field=f"params.{name}",
            )
    values: dict[str, Any] = {}
    for name, spec in known.items():
        if name in given:
            values[name] = _check_value(spec, given[name])
        elif spec.get("default") is not None:
            values[name] = spec["default"]
        elif spec.get("required", True):
            raise Invalid(f"parameter {name!r} is required", field=f"params.{name}")
    return values


def _check_value(spec: dict[str, Any], value: Any) -> Any:
    field = f"params.{spec['name']}"
    kind = spec.get("type", "string")
    if kind == "integer":
        return _check_integer(spec, value, field)
    if not isinstance(value, str):
        raise Invalid(f"{spec['name']} must be text", field=field)
    if kind == "enum":
        if value not in (spec.get("values") or []):
            allowed = ", ".join(spec.get("values") or [])
            raise Invalid(f"{spec['name']} must be one of {allowed}", field=field)
        return value
    if not value or len(value) > int(spec.get("max_length", 200)):
        raise Invalid(
            f"{spec['name']} must be 1 to {spec.get('max_length', 200)} characters", field=field
        )
    if _CONTROL.search(value):
        raise Invalid(f"{spec['name']} must not contain control characters", field=field)
    if value.startswith("-") and not spec.get("allow_leading_dash", False):
        raise Invalid(
            f"{spec['name']} must not start with '-' (it would be an option)", field=field
        )
    pattern = spec.get("pattern")
    if pattern is not None and re.fullmatch(pattern, value) is None:
        raise Invalid(f"{spec['name']} must match {pattern}", field=field)
    return value


def _check_integer(spec: dict[str, Any], value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise Invalid(f"{spec['name']} must be an integer", field=field)
    if isinstance(value, str):
        if _INTEGER.fullmatch(value) is None:
            raise Invalid(f"{spec['name']} must be an integer", field=field)
        value = int(value)
    low, high = spec.get("min"), spec.get("max")
    if (low is not None and value < low) or (high is not None and value > high):
        raise Invalid(f"{spec['name']} must be between {low} and {high}", field=field)
    # "-1" reads as an option too (`kill -1`): negative only where the parameter says so.
    declared = (low is not None and low < 0) or spec.get("allow_leading_dash", False)
    if value < 0 and not declared:
        raise Invalid(
            f"{spec['name']} must not start with '-' (it would be an option); "
            "declare a negative min to allow it",
            field=field,
        )
    return int(value)


def render_command(
    definition: dict[str, Any], context: dict[str, Any], *, dry_run: bool
) -> list[str] | None:
    """The argv to run; None for a dry run of an action without a dry_run variant."""
    argv = list(definition["argv"])
    if dry_run:
        variant = definition.get("dry_run")
        if variant is None:
            return None
        argv = list(variant.get("argv") or argv) + list(variant.get("append") or [])
    return [render(t, context, field=f"argv[{n}]") for n, t in enumerate(argv)]


def render_http(definition: dict[str, Any], context: dict[str, Any]) -> dict[str, Any]:
    """The HTTP request to send: method, url, headers and body, each rendered."""
    http = definition["http"]
    body = http.get("body")
    return {
        "method": http.get("method", "POST"),
        "url": render(http["url"], context, field="http.url", env=_URL_ENV),
        "headers": {
            k: _header(k, render(v, context, field=f"http.headers.{k}"))
            for k, v in (http.get("headers") or {}).items()
        },
        "body": None if body is None else _render_body(http, body, context),
    }


def _header(name: str, value: str) -> str:
    """A rendered header value, which HTTP sends as ASCII: anything else is refused here,
    before the run is recorded, rather than failing the engine's send."""
    if not value.isascii():
        field = f"http.headers.{name}"
        raise Invalid(f"{field}: the rendered value must be ASCII text", field=field)
    return value


def _content_type(http: dict[str, Any]) -> str | None:
    for name, value in (http.get("headers") or {}).items():
        if name.lower() == "content-type":
            return str(value).lower()
    return None


def is_json_body(http: dict[str, Any], body: str) -> bool:
    """A JSON body: its Content-Type says JSON, or the template itself parses as JSON."""
    declared = _content_type(http)
    if declared is not None:
        return "json" in declared
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def _render_body(http: dict[str, Any], body: str, context: dict[str, Any]) -> str:
    if "x-www-form-urlencoded" in (_content_type(http) or ""):
        return render(body, context, field="http.body", env=_FORM_ENV)
    if not is_json_body(http, body):
        return render(body, context, field="http.body")
    text = render(body, context, field="http.body", env=_JSON_ENV)
    try:
        json.loads(text)
    except ValueError as exc:
        problem = f"http.body: the rendered body is not JSON: {exc}"
        raise Invalid(problem, field="http.body") from exc
    return text
