"""Config: the running revision (who applied it, when, from where, its masked document), the
plan of a proposed change (pasted or uploaded files; the plan `config plan` prints, masked as
the API masks it), applying it (admins, as over the API), and the simulation of a ladder on the
running config (who would be paged when, through the simulation service; nothing is sent).

Uploaded text is treated as the API treats it: `${VAR}` is refused, `X_file:` may name only a
file sent with the config, and new or changed `actions` are refused (`warroom.config.api`); the
files a plan was made from are never echoed back into a page, so a secret pasted in them is
shown only masked. Files keep their paths in the config folder (a picked folder's files without
the folder's own name), so `markdown_file: runbooks/db.md` reads the `runbooks/db.md` sent;
absolute names and names with `..` are refused.
"""

from __future__ import annotations

import re
import threading
from datetime import timedelta
from typing import Any

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy.orm import Session

from warroom.catalog import service as catalog
from warroom.clock import Clock
from warroom.config import service as config_service
from warroom.config.api import _refuse_new_commands as refuse_new_commands
from warroom.config.service import ApplyResult
from warroom.config.types import parse_delay
from warroom.deps import ClockDep, SessionDep
from warroom.errors import Invalid, Overloaded, WarroomError
from warroom.principal import Principal
from warroom.redaction import mask_document
from warroom.web import formkit
from warroom.web.deps import CsrfForm, UiAdmin, UiResponder, UiViewer, flash
from warroom.web.formkit import person_zone, say
from warroom.web.render import render

router = APIRouter(include_in_schema=False)
PAGE = "/ui/config"
MAX_UPLOAD = 1_000_000  # bytes over all files of one plan
# One simulation plays at a time in a process: each plays a whole throw-away database on
# this process's CPU, beside the real engine (which a simulation never sends for).
_SIMULATING = threading.Lock()
SIM_FIELDS = ("severity", "service", "ack_after", "hours")


def _current(session: Session) -> dict[str, Any]:
    revision = config_service.current_revision(session)
    document = mask_document(revision.document) if revision is not None else {}
    return {
        "revision": revision,
        "sections": [
            (key, yaml.safe_dump(value, sort_keys=False, allow_unicode=True))
            for key, value in sorted(document.items())
        ],
    }


def _page(
    request: Request, session: Session, me: Principal, extra: dict[str, Any], status: int = 200
) -> HTMLResponse:
    context = {
        **_current(session),
        "can_plan": me.allows("admin"),
        "can_simulate": me.allows("responder"),
        "severities": catalog.list_severities(session),
        "services": catalog.list_services(session),
        "tz": person_zone(session, me),
        "sim": {"severity": "", "service": "", "ack_after": "", "hours": "2"},
        **extra,
    }
    return render(request, "config.html", context, status_code=status)


@router.get(PAGE, response_class=HTMLResponse)
def config_page(request: Request, me: UiViewer, session: SessionDep) -> Response:
    return _page(request, session, me, {})


def _safe_name(name: str) -> str:
    """A sent file's name as a relative path ('runbooks/db.md'), or Invalid naming it: an
    absolute path or one with '..' would name a file outside the config directory."""
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        message = f"{name!r}: a file name must be relative to the config folder"
        raise Invalid(message, field="upload")
    if ".." in parts:
        raise Invalid(f"{name!r}: a file name must not contain '..'", field="upload")
    if "\x00" in name or not all(parts):
        raise Invalid(f"{name!r} is not a file name such as runbooks/db.md", field="upload")
    return "/".join(parts)


def _uploads(form: Any, key: str) -> list[tuple[str, Any]]:
    """The files sent in `key` by their names, made safe (empty file inputs skipped)."""
    found: list[tuple[str, Any]] = []
    for upload in form.getlist(key):
        name = "" if isinstance(upload, str) else str(getattr(upload, "filename", "") or "")
        if name:
            found.append((_safe_name(name), upload))
    return found


def _without_top_folder(folder: list[tuple[str, Any]]) -> list[tuple[str, Any]]:
    """A picked folder's files named as in the folder: the browser sends each with the folder's
    own name first ('config/runbooks/db.md'), which is no part of the config's layout."""
    tops = {name.split("/", 1)[0] for name, _ in folder}
    if len(tops) != 1 or not all("/" in name for name, _ in folder):
        return folder
    return [(name.split("/", 1)[1], upload) for name, upload in folder]


def _files(form: Any) -> dict[str, str]:
    """The proposed files: the pasted text under its name, plus every uploaded file, each by
    its path in the config directory (a picked folder's files without the folder's name)."""
    files: dict[str, str] = {}
    text = str(form.get("text") or "")
    if text.strip():
        files[_safe_name(str(form.get("filename") or "").strip() or "pasted.yaml")] = text
    size = len(text.encode())
    uploads = _uploads(form, "upload") + _without_top_folder(_uploads(form, "folder"))
    for name, upload in uploads:
        if name in files:
            raise Invalid(f"{name} was sent twice", field="upload")
        data = upload.file.read(MAX_UPLOAD + 1)
        size += len(data)
        if size > MAX_UPLOAD:
            raise Invalid(f"the files are larger than {MAX_UPLOAD} bytes", field="upload")
        try:
            files[name] = data.decode("utf-8")
        except UnicodeDecodeError:
            raise Invalid(f"{name} is not UTF-8 text", field="upload") from None
    if not files:
        raise Invalid("paste a config file or upload one or more", field="text")
    return files


def _load(session: Session, form: Any) -> tuple[Any, list[str], list[str]]:
    """The proposed document, its problems and its warnings (refusals raise Invalid)."""
    doc, problems = config_service.load_files(_files(form), source="web")
    refuse_new_commands(session, doc.raw())
    return doc, problems.lines(), problems.warnings()


def _apply(
    request: Request,
    session: Session,
    me: Principal,
    form: Any,
    clock: Clock,
    *,
    dry_run: bool = False,
    force: bool = False,
) -> tuple[ApplyResult, list[str]] | HTMLResponse:
    """Load the proposed files and apply them, giving the result and the warnings; or the page
    again, rolled back, with their problems or the refusal."""
    try:
        doc, problems, warnings = _load(session, form)
        if problems:
            extra = {"problems": problems, "warnings": warnings}
            return _page(request, session, me, extra, status=422)
        result = config_service.apply_document(
            session, clock, doc, actor=me.actor, applier=me.email, dry_run=dry_run, force=force
        )
    except WarroomError as exc:
        session.rollback()
        return _page(request, session, me, {"plan_error": say(exc)}, status=exc.status_code)
    return result, warnings


@router.post(f"{PAGE}/plan", response_class=HTMLResponse)
def plan_config(
    request: Request, me: UiAdmin, form: CsrfForm, session: SessionDep, clock: ClockDep
) -> Response:
    """The plan of the proposed files, or their problems; nothing is written."""
    outcome = _apply(request, session, me, form, clock, dry_run=True)
    if isinstance(outcome, Response):
        return outcome
    session.rollback()  # a dry run writes in the session to compute the plan
    result, warnings = outcome
    plan = {
        "lines": result.plan.detail(),
        "summary": result.plan.summary(),
        "lockouts": result.lockouts,
        "digest": result.digest,
    }
    return _page(request, session, me, {"plan": plan, "warnings": warnings})


@router.post(f"{PAGE}/apply", response_class=HTMLResponse)
def apply_config(
    request: Request, me: UiAdmin, form: CsrfForm, session: SessionDep, clock: ClockDep
) -> Response:
    """Apply the proposed files, as `POST /api/v1/config/apply` does (admins only)."""
    outcome = _apply(request, session, me, form, clock, force=form.get("force") == "1")
    if isinstance(outcome, Response):
        return outcome
    session.commit()
    result = outcome[0]
    if result.revision_id is None:
        flash(request, "info", "Nothing to change: the running config already matches")
    else:
        summary = result.plan.summary()
        flash(request, "ok", f"Applied revision {result.revision_id}: {summary}")
    return RedirectResponse(PAGE, status_code=303)


def simulation(request: Request) -> Any:
    """The simulation service module, handed over by the app factory (`app.state.simulation`):
    a simulation drives the whole composition root, which the web package must not import."""
    return request.app.state.simulation


@router.get(f"{PAGE}/simulate", response_class=HTMLResponse)
def simulate_ladder(
    request: Request, me: UiResponder, session: SessionDep, clock: ClockDep
) -> Response:
    """Play one unacknowledged (or acknowledged after `ack_after`) incident of a severity and
    service through the running config on a fake clock: who would be paged when."""
    values = formkit.values(request.query_params, SIM_FIELDS)
    values["hours"] = values["hours"] or "2"
    try:
        result = _simulate(request, session, clock, values)
    except WarroomError as exc:
        extra = {"sim": values, "sim_error": say(exc)}
        return _page(request, session, me, extra, status=exc.status_code)
    return _page(request, session, me, {"sim": values, "simulation": result})


def _simulate(request: Request, session: Session, clock: Clock, values: dict[str, str]) -> Any:
    if config_service.current_revision(session) is None:
        raise Invalid("no config has been applied yet", field="config")
    severity = formkit.required(values, "severity")
    catalog.require_severity(session, severity)
    service = values["service"] or None
    if service:
        catalog.require_services(session, [service], field="service")
    ack_after = None
    if values["ack_after"]:
        try:
            ack_after = parse_delay(values["ack_after"])
        except ValueError as exc:
            raise Invalid(str(exc), field="ack_after") from None
    try:
        hours = float(values["hours"])
    except ValueError:
        raise Invalid("hours must be a number such as 2 or 0.5", field="hours") from None
    if not 0 < hours <= 48:
        raise Invalid("hours must be more than 0 and at most 48", field="hours")
    if ack_after is not None and ack_after > timedelta(hours=hours):
        raise Invalid(
            f"ack_after is after the end of the play ({hours:g} h); leave it empty to play an"
            " incident nobody acknowledges",
            field="ack_after",
        )
    running = yaml.safe_dump(config_service.current_document(session))
    doc, problems = config_service.load_files({"running.yaml": running}, source="running")
    if problems.lines():
        raise Invalid("the running config does not load: " + problems.lines()[0], field="config")
    service_module = simulation(request)
    scenario = service_module.Scenario(
        severity=severity,
        service=service,
        start=clock.now(),
        ack_after=ack_after,
        hours=hours,
    )
    # Busy is said at once: a request queueing behind the lock would hold a server thread.
    if not _SIMULATING.acquire(blocking=False):
        raise Overloaded("a simulation is already playing on this server; try again shortly")
    try:
        return service_module.simulate(doc, scenario)
    finally:
        _SIMULATING.release()
