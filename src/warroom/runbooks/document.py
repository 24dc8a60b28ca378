"""The parsed form of a runbook: sections of nodes (text, steps, command steps).

A runbook is the unit config stores, a run pins and the checklist ticks. Steps and command
steps carry a number (document order, depth first) that responders use to name them
(`warroom step done 12 3`); text nodes are kept so that nothing of the source is lost.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from typing import Literal

from pydantic import BaseModel, Field

# Recognised section kinds, checked in this order against the words of a heading.
KINDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("immediate_actions", ("immediate",)),
    ("symptoms", ("symptom", "symptoms", "signals", "detection")),
    ("triage", ("triage", "assess", "assessment")),
    ("mitigation", ("mitigation", "mitigate", "containment", "actions", "workaround")),
    ("investigation", ("investigation", "investigate", "diagnosis", "diagnose", "debugging")),
    ("validation", ("validation", "validate", "verification", "verify")),
    ("recovery", ("recovery", "recover", "resolution", "rollback")),
    ("escalation", ("escalation", "escalate", "escalating")),
)
STEP_KINDS = ("step", "command")


def kind_of(heading: str) -> str | None:
    """The recognised kind of a heading ("7.1 Mitigation steps" -> "mitigation"), else None."""
    words = {w.strip(".:()[]*_`#-/&").lower() for w in heading.replace("/", " ").split()}
    for kind, keys in KINDS:
        if words.intersection(keys):
            return kind
    return None


class Node(BaseModel):
    """A text paragraph, a step (list item) or a command step (fenced code)."""

    kind: Literal["text", "step", "command"]
    text: str = ""  # Markdown inline text (emphasis and links kept)
    code: str = ""  # command steps: the code block's content
    lang: str = ""  # command steps: the fence's info string
    ordered: bool = False  # steps: came from a numbered list
    label: str | None = None  # text nodes that read like "Symptoms:": the recognised kind
    number: int | None = None  # steps and commands: their number in the runbook
    children: list[Node] = []


class Section(BaseModel):
    title: str = ""  # "" for the text before the first heading
    level: int = 0
    kind: str | None = None
    nodes: list[Node] = []


class RunbookDoc(BaseModel):
    # A key as config spells keys: it also names the file `runbook import` writes.
    id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    title: str = Field(min_length=1, max_length=300)
    services: list[str] = []
    severities: list[str] = []
    matchers: dict[str, str] = {}
    sections: list[Section] = []

    def steps(self) -> Iterator[Node]:
        """Every step and command step, in number order."""
        for section in self.sections:
            yield from _walk(section.nodes)

    def step(self, number: int) -> Node | None:
        """The step with this number, or None."""
        return next((s for s in self.steps() if s.number == number), None)

    def version(self) -> str:
        """A digest of the content: two equal runbooks have the same version."""
        data = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(data.encode()).hexdigest()[:16]


def _walk(nodes: list[Node]) -> Iterator[Node]:
    for node in nodes:
        if node.kind in STEP_KINDS:
            yield node
        yield from _walk(node.children)


def number_steps(doc: RunbookDoc) -> RunbookDoc:
    """Give every step and command step its number (1, 2, ... depth first)."""
    for n, node in enumerate(doc.steps(), start=1):
        node.number = n
    return doc
