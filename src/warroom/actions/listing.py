"""Reading action definitions and runs, and what a rendered run may show.

Listing, getting and the state questions the API, the web UI, the postmortem draft and the
resolve guard ask (`active_mitigations`, `closed_for`); `public_view` masks a rendered run's
credentials for the timeline, the API and the evidence. Re-exported by `actions.service`.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import re
from collections.abc import Collection
from typing import Any
from urllib.parse import parse_qsl, quote_plus, unquote, unquote_plus, urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from warroom.actions.models import (
    INTERRUPTED,
    SUCCEEDED,
    TIMED_OUT,
    ActionDefinition,
    ActionRun,
)
from warroom.errors import NotFound
from warroom.incidents.models import Incident
from warroom.redaction import MASK, is_secret_field, mask_url, scrub_known


def list_definitions(session: Session) -> list[ActionDefinition]:
    """Every active action definition, by key."""
    query = select(ActionDefinition).where(ActionDefinition.active.is_(True))
    return list(session.scalars(query.order_by(ActionDefinition.key)))


def get_definition(session: Session, key: str) -> ActionDefinition:
    """One active action definition, or NotFound naming the field `action`."""
    row = session.scalar(select(ActionDefinition).where(ActionDefinition.key == key))
    if row is None or not row.active:
        raise NotFound(f"no action {key!r}", field="action")
    return row


def get_run(session: Session, run_id: int) -> ActionRun:
    """One run, or NotFound."""
    run = session.get(ActionRun, run_id)
    if run is None:
        raise NotFound(f"no action run {run_id}", field="run")
    return run


def list_runs(
    session: Session, incident_id: int | None = None, hidden: Collection[int] = frozenset()
) -> list[ActionRun]:
    """Runs, newest first, of one incident or of all (the `hidden` incidents' left out)."""
    query = select(ActionRun).order_by(ActionRun.id.desc()).limit(500)
    if incident_id is not None:
        query = query.where(ActionRun.incident_id == incident_id)
    if hidden:
        query = query.where(ActionRun.incident_id.not_in(hidden))
    return list(session.scalars(query))


def active_mitigations(session: Session, incident_id: int) -> list[ActionRun]:
    """Reversible runs that succeeded on this incident and are not reverted yet."""
    query = select(ActionRun).where(
        ActionRun.incident_id == incident_id,
        ActionRun.state == SUCCEEDED,
        ActionRun.dry_run.is_(False),
        ActionRun.reversible.is_(True),
        ActionRun.undo_of_id.is_(None),
        ActionRun.reverted_at.is_(None),
    )
    return list(session.scalars(query.order_by(ActionRun.id)))


# Ended without an answer: the command may have done its work before it was killed or its
# worker died, so only a person can tell; revert takes force for them.
EFFECT_UNKNOWN = (TIMED_OUT, INTERRUPTED)


def effect_unknown(session: Session, incident_id: int) -> list[ActionRun]:
    """Reversible runs that timed out or were interrupted, not reverted: they may have
    taken effect."""
    query = select(ActionRun).where(
        ActionRun.incident_id == incident_id,
        ActionRun.state.in_(EFFECT_UNKNOWN),
        ActionRun.dry_run.is_(False),
        ActionRun.reversible.is_(True),
        ActionRun.undo_of_id.is_(None),
        ActionRun.reverted_at.is_(None),
    )
    return list(session.scalars(query.order_by(ActionRun.id)))


def closed_for(incident: Incident | None, run: ActionRun) -> str | None:
    """Why this run may no longer run on its incident (resolved or closed), or None.

    An undo run may: reverting what a forced resolve left active is how it is cleaned up.
    """
    if incident is None or run.undo_of_id is not None:
        return None
    if incident.status in ("resolved", "closed"):
        return f"{incident.ref} is {incident.status}"
    return None


def public_view(run: ActionRun) -> dict[str, Any]:
    """What the timeline, the API and the evidence show of a rendered run: header values left
    out, and credentials inside the argv, the URL and the body masked (`--token=***`,
    `?token=***`, `"api_key": "***"`, any header value repeated); what runs is unchanged.

    A URL keeps its scheme, host and shape: a path segment or query value filled by a
    parameter shows that value (unless the parameter is secret, or masked elsewhere), every
    other one is the config's and shown `***`, as the stored config shows no URL path
    (`mask_url`: a webhook's path is often its secret)."""
    rendered = dict(run.rendered)
    secrets = _secret_params(run)
    if isinstance(rendered.get("argv"), list):
        argv = [str(arg) for arg in rendered["argv"]]
        rendered["argv"] = [
            MASK if i and _takes_secret(argv[i - 1]) else scrub_known(arg, secrets)
            for i, arg in enumerate(argv)
        ]
    request = rendered.get("request")
    if isinstance(request, dict):
        rendered["request"] = _shown_request(run, request, secrets)[0]
    return rendered


def _shown_request(
    run: ActionRun, request: dict[str, Any], secrets: list[str]
) -> tuple[dict[str, Any], list[str]]:
    """An http run's request as shown (header names, URL and body masked), and the parts of
    its URL masked by their place (path segments, query values, user info, fragment)."""
    headers = request.get("headers") or {}
    hidden = [*_header_values(headers), *secrets]
    shown = {**request, "headers": sorted(headers)}
    body = request.get("body")
    masked_in_body: list[str] = []
    if isinstance(body, str):
        shown["body"] = scrub_known(body, [*hidden, *_body_secrets(headers, body)])
        masked_in_body = _masked_spans(body, shown["body"])
    masked_in_url: list[str] = []
    if isinstance(request.get("url"), str):
        kept = _url_values(run, {*hidden, *masked_in_body})
        url, masked_in_url = _url_shown(request["url"], kept)
        shown["url"] = scrub_known(url, hidden)
        masked_in_url += _masked_spans(url, shown["url"])
    return shown, masked_in_url


def _url_values(run: ActionRun, hidden: Collection[str]) -> set[str]:
    """The parameter values a URL may show where they fill a segment or a query value: those
    of parameters not secret-named, and not masked elsewhere in the request."""
    values = {
        str(value)
        for name, value in dict(run.params).items()
        if not is_secret_field(name) and value is not None and not isinstance(value, bool | dict)
    }
    return {v for v in values if v and v not in hidden}


def _url_shown(url: str, kept: Collection[str]) -> tuple[str, list[str]]:
    """The URL as shown (scheme, host and port; user info, each path segment, query value
    and fragment not filled by a `kept` value masked) and the parts masked."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return mask_url(url), []
    masked: list[str] = []

    def shown(part: str, plus: bool = False) -> str:
        if not part or (unquote_plus(part) if plus else unquote(part)) in kept:
            return part
        masked.append(unquote(part))
        return MASK

    netloc = parts.netloc
    user, at, host = netloc.rpartition("@")
    if at:
        masked.extend(unquote(p) for p in user.split(":") if p)
        netloc = f"{MASK}@{host}"
    path = "/".join(shown(segment) for segment in parts.path.split("/"))
    query = []
    for pair in parts.query.split("&") if parts.query else []:
        name, eq, value = pair.partition("=")
        if not eq:
            query.append(shown(name, plus=True))
        elif is_secret_field(unquote_plus(name)) and value:
            masked.append(unquote_plus(value))
            query.append(f"{name}={MASK}")
        else:
            query.append(f"{name}={shown(value, plus=True)}")
    fragment = shown(parts.fragment)
    return urlunsplit((parts.scheme, netloc, path, "&".join(query), fragment)), masked


def _body_secrets(headers: dict[str, Any], body: str) -> list[str]:
    """The values of a JSON or form body's secret-named fields (`routing_key`, `signature`,
    `auth`, as `is_secret_field` names them; `scrub_value` knows only some of them), as
    written in the body."""
    found: set[str] = set()

    def walk(value: Any, secret: bool) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(inner, secret or is_secret_field(str(key)))
        elif isinstance(value, list):
            for inner in value:
                walk(inner, secret)
        elif secret and value is not None and not isinstance(value, bool):
            text = str(value)
            found.update([text, json.dumps(text)[1:-1]] if isinstance(value, str) else [text])

    kind = next((str(v).lower() for k, v in headers.items() if k.lower() == "content-type"), "")
    if "x-www-form-urlencoded" in kind:
        for name, value in parse_qsl(body, keep_blank_values=True):
            if is_secret_field(name):
                found.update([value, quote_plus(value, safe="")])
    else:
        with contextlib.suppress(ValueError):  # not JSON: scrub_value's shapes only
            walk(json.loads(body), False)
    return [v for v in found if len(v) >= _MIN_BODY_SECRET]


# Shortest value of a body's secret-named field masked wherever the body repeats it.
_MIN_BODY_SECRET = 4


# An option whose name says secret, written without its value (`--token`, `--client-secret`,
# `--api-key`): the next argument is the secret, as in `--token=VALUE`. Not one that names
# where the secret is (`--token-file PATH`, `--password-stdin`, `--token-env NAME`).
_SECRET_OPTION = re.compile(
    r"^--?[A-Za-z0-9_-]*(?:secret|password|passwd|token|api[_-]?key|credential|private[_-]?key)"
    r"[A-Za-z0-9_-]*$",
    re.IGNORECASE,
)
_WHERE_NOT_WHAT = re.compile(r"[_-](?:file|path|stdin|env|dir)$", re.IGNORECASE)


def _takes_secret(arg: str) -> bool:
    """Whether the argument after this one is a secret: `arg` is an option that says so."""
    return bool(_SECRET_OPTION.match(arg)) and not _WHERE_NOT_WHAT.search(arg)


def _secret_params(run: ActionRun) -> list[str]:
    """The values of the run's secret-named parameters (`api_token`, `password`): masked
    wherever the rendering repeats them, as an argument of their own too, not only in the
    credential shapes `scrub_value` knows (`--token=...`)."""
    return [
        str(value)
        for name, value in dict(run.params).items()
        if is_secret_field(name) and value is not None and str(value)
    ]


def _header_values(headers: dict[str, Any]) -> list[str]:
    """The credentials a request's headers carry: each value and its last word (the token of
    `Bearer <token>`); not the content negotiation ones, nor words too short to be secret."""
    found: set[str] = set()
    for name, value in headers.items():
        if str(name).lower() not in ("content-type", "accept"):
            found.update([str(value), *str(value).split()[-1:]])
    return sorted(v for v in found if len(v) >= 6)


def credentials_of(run: ActionRun) -> list[str]:
    """The values `public_view` hides of this run (header values, and what it masks in the
    argv, the URL and the body), longest first: the evidence masks them where the program's
    output repeats them (an echoed request, an error quoting its `--token=...`)."""
    shown = public_view(run)
    pairs: list[tuple[str, str]] = []
    if isinstance(run.rendered.get("argv"), list):
        pairs += zip(map(str, run.rendered["argv"]), shown["argv"], strict=True)
    request = run.rendered.get("request")
    found: set[str] = set()
    if isinstance(request, dict):
        found.update(_header_values(request.get("headers") or {}))
        # The URL's masked parts as such: a diff of a URL whose every segment became `***`
        # would pair the wrong characters.
        found.update(_shown_request(run, request, _secret_params(run))[1])
        if request.get("body"):
            pairs.append((request["body"], shown["request"]["body"]))
    for written, masked in pairs:
        found.update(_masked_spans(str(written), str(masked)))
    return sorted((v for v in found if len(v) >= 6), key=len, reverse=True)


def _masked_spans(written: str, masked: str) -> list[str]:
    """The parts of `written` that `masked` shows as the mask."""
    if written == masked:
        return []
    matcher = difflib.SequenceMatcher(None, written, masked, autojunk=False)
    return [
        written[i1:i2]
        for op, i1, i2, j1, j2 in matcher.get_opcodes()
        if op == "replace" and MASK in masked[j1:j2]
    ]


def shown_params(run: ActionRun) -> dict[str, Any]:
    """The run's parameters as shown with its rendering: a secret-named one (`api_token`), or
    one whose value the rendering masks (`--token={{ token }}`), masked."""
    hidden = set(credentials_of(run))
    return {
        name: MASK if is_secret_field(name) or (isinstance(v, str) and v in hidden) else v
        for name, v in dict(run.params).items()
    }
