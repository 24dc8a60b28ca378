"""Runs shown to people: each step with its state, the run's progress."""

from __future__ import annotations

from sqlalchemy.orm import Session

from warroom.runbooks import checklist, service
from warroom.runbooks.document import STEP_KINDS, Node
from warroom.runbooks.models import RunbookRun, StepState
from warroom.runbooks.schemas import (
    IncidentRunbooksOut,
    LinkOut,
    ProgressOut,
    RunOut,
    StepNote,
    StepOut,
)


def _labelled(title: str, label: str) -> str:
    """A section's title with a part label of it ("Symptoms:" -> "Recovery · Symptoms")."""
    label = label.rstrip(":").strip()
    return f"{title} · {label}" if title else label


def _steps(
    nodes: list[Node], depth: int, section: str, states: dict[int, StepState]
) -> list[StepOut]:
    out: list[StepOut] = []
    title = section
    for node in nodes:
        if depth == 0 and node.kind == "text" and node.label is not None:
            # "Symptoms:" / "Actions:" mark the parts of a section as sub-headings would.
            section = _labelled(title, node.text)
        if node.kind in STEP_KINDS and node.number is not None:
            step = StepOut(
                number=node.number,
                kind=node.kind,
                text=node.text,
                code=node.code,
                lang=node.lang,
                depth=depth,
                section=section,
            )
            row = states.get(node.number)
            if row is not None:
                step.state, step.reason = row.state, row.reason
                step.notes = [StepNote.model_validate(note) for note in row.notes or []]
                step.changed_by, step.changed_at = row.changed_by, row.changed_at
            out.append(step)
        out += _steps(node.children, depth + 1, section, states)
    return out


def run_out(session: Session, run: RunbookRun, *, steps: bool = True) -> RunOut:
    """A run with its progress (and its steps)."""
    progress = checklist.progress(session, run)
    shown = []
    if steps:
        states = checklist.states_of(session, run)
        for section in service.document_of(run).sections:
            shown += _steps(section.nodes, 0, section.title, states)
    return RunOut(
        runbook=run.runbook_key,
        title=run.title,
        version=run.version,
        reason=run.reason,
        attached_by=run.attached_by,
        attached_at=run.attached_at,
        progress=ProgressOut(**vars(progress), line=progress.line()),
        steps=shown,
    )


def incident_runbooks(
    session: Session, incident_id: int, *, steps: bool = True
) -> IncidentRunbooksOut:
    """Every run of an incident and the runbook URLs its alerts carried."""
    runs = [run_out(session, r, steps=steps) for r in service.runs_of(session, incident_id)]
    links = [LinkOut.of(link) for link in service.links_of(session, incident_id)]
    return IncidentRunbooksOut(runs=runs, links=links)
