"""Cut a document holding many runbooks (or scenarios) into one runbook each.

A unit is a heading whose content is itself organised by recognised kinds: a direct
sub-heading or a "Symptoms:"-style label of a kind (7.1 Data Source Outage: Symptoms,
Actions, Recovery). The smallest such headings win. A document with several top-level (#)
headings is cut at each of them instead. Whatever belongs to no unit stays in a first runbook
named after the document, so the pieces together hold every step of the source.
"""

from __future__ import annotations

from pydantic import ValidationError

from warroom.runbooks.document import RunbookDoc, Section, number_steps
from warroom.runbooks.markdown import RunbookError, heading_problem, slug


def _has_labels(section: Section) -> bool:
    return any(n.kind == "text" and n.label for n in section.nodes)


def _extent(sections: list[Section], start: int) -> int:
    """Index after the last sub-section of sections[start]."""
    end = start + 1
    while end < len(sections) and sections[end].level > sections[start].level:
        end += 1
    return end


def _is_unit(sections: list[Section], start: int) -> bool:
    head = sections[start]
    if head.level == 0:
        return False
    end = _extent(sections, start)
    direct = [s for s in sections[start + 1 : end] if s.level == head.level + 1]
    return _has_labels(head) or sum(1 for s in direct if s.kind) >= 2


def units(doc: RunbookDoc) -> list[tuple[int, int]]:
    """(start, end) section ranges of the runbooks inside a document."""
    sections = doc.sections
    tops = [i for i, s in enumerate(sections) if s.level == 1]
    if len(tops) > 1:
        return [(i, _extent(sections, i)) for i in tops]
    found: list[tuple[int, int]] = []
    for i in range(len(sections)):
        if not _is_unit(sections, i):
            continue
        end = _extent(sections, i)
        # a smaller unit inside this one wins
        if any(_is_unit(sections, j) for j in range(i + 1, end)):
            continue
        found.append((i, end))
    return found


def split(doc: RunbookDoc) -> list[RunbookDoc]:
    """The document's runbooks: the rest first (if it has content), then one per unit."""
    ranges = units(doc)
    if not ranges:
        return [doc]
    taken = {i for start, end in ranges for i in range(start, end)}
    shared = {"services": doc.services, "severities": doc.severities, "matchers": doc.matchers}
    out: list[RunbookDoc] = []
    rest = [s for i, s in enumerate(doc.sections) if i not in taken]
    if any(s.nodes for s in rest):
        out.append(RunbookDoc(id=doc.id, title=doc.title, sections=rest, **shared))
    used = {doc.id}
    for start, end in ranges:
        head = doc.sections[start]
        key = slug(head.title)
        while key in used:
            key = f"{key[:60]}-{len(used)}"
        used.add(key)
        body = [Section(nodes=head.nodes), *doc.sections[start + 1 : end]]
        try:
            piece = RunbookDoc(
                id=key, title=head.title, sections=[s for s in body if s.nodes or s.title], **shared
            )
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"])
            raise RunbookError(heading_problem(head.title, field, first["msg"])) from None
        out.append(number_steps(piece.model_copy(deep=True)))
    out[0] = number_steps(out[0].model_copy(deep=True))
    return out
