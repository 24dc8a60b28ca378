"""Reading action definitions and runs, and what a rendered run may show.

Listing, getting and the state questions the API, the web UI, the postmortem draft and the
resolve guard ask (`active_mitigations`, `closed_for`); `public_view` masks a rendered run's
credentials for the timeline, the API and the evidence. Re-exported by `actions.service`.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from typing import Any

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
from warroom.redaction import MASK, is_secret_field, scrub_known


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
    `?token=***`, `"api_key": "***"`, any header value repeated); what runs is unchanged."""
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
        headers = request.get("headers") or {}
        hidden = [*_header_values(headers), *secrets]
        shown = {**request, "headers": sorted(headers)}
        for part in ("url", "body"):
            if isinstance(request.get(part), str):
                shown[part] = scrub_known(request[part], hidden)
        rendered["request"] = shown
    return rendered


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
        pairs += [(request[p], shown["request"][p]) for p in ("url", "body") if request.get(p)]
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
