"""Classify an incident with the severity matrix: answers -> level and the rule that matched.

Rules are tried in order; the first whose `when` accepts every answer wins. An answer of
"unsure" (or a question left unanswered) stands for every concrete answer of that question:
each combination is classified and the most severe outcome is taken, because the reference
processes say "if unsure, escalate to higher severity".
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from warroom.catalog.config import UNSURE, Rule, SeverityMatrix
from warroom.errors import Invalid


@dataclass
class Classification:
    """The level, the rule behind it and, for unsure answers, what else was considered."""

    severity: str
    rule: int | None  # index into matrix.rules; None when the matrix default applied
    rule_name: str
    when: dict[str, list[str]]
    answers: dict[str, str]
    assumed: dict[str, str] = field(default_factory=dict)  # unsure question -> answer taken
    unsure: list[str] = field(default_factory=list)
    candidates: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def normalise_answers(matrix: SeverityMatrix, answers: Mapping[str, Any]) -> dict[str, str]:
    """Check answers against the questions; unanswered questions become "unsure"."""
    questions = {q.key: q for q in matrix.questions}
    out: dict[str, str] = {}
    for key, value in answers.items():
        if key not in questions:
            known = ", ".join(questions)
            raise Invalid(f"unknown question {key!r} (questions: {known})", field=f"answers.{key}")
        text = ("yes" if value else "no") if isinstance(value, bool) else str(value).strip()
        allowed = [*questions[key].answers, UNSURE]
        if text not in allowed:
            raise Invalid(
                f"{text!r} is not an answer to {key!r} (allowed: {', '.join(allowed)})",
                field=f"answers.{key}",
            )
        out[key] = text
    return {q.key: out.get(q.key, UNSURE) for q in matrix.questions}


def classify(
    matrix: SeverityMatrix, severity_order: Sequence[str], answers: Mapping[str, Any]
) -> Classification:
    """The severity for these answers; severity_order lists the keys most severe first."""
    given = normalise_answers(matrix, answers)
    rank = {key: n for n, key in enumerate(severity_order)}
    options = {
        q.key: (list(q.answers) if given[q.key] == UNSURE else [given[q.key]])
        for q in matrix.questions
    }
    unsure = [k for k, v in given.items() if v == UNSURE]
    outcomes: list[tuple[str, int | None, dict[str, str]]] = []
    for combo in itertools.product(*options.values()):
        concrete = dict(zip(options, combo, strict=True))
        found = _first_match(matrix.rules, concrete)
        if found is not None:
            outcomes.append((matrix.rules[found].severity, found, concrete))
        elif matrix.default is not None:
            outcomes.append((matrix.default, None, concrete))
    if not outcomes:
        raise Invalid(
            "no rule of the severity matrix matches these answers and it has no default",
            field="answers",
        )
    severity, index, concrete = min(outcomes, key=lambda o: rank.get(o[0], len(rank)))
    rule = matrix.rules[index] if index is not None else None
    candidates = sorted({o[0] for o in outcomes}, key=lambda s: rank.get(s, len(rank)))
    return Classification(
        severity=severity,
        rule=index,
        rule_name=(rule.name or f"rule {index + 1}")
        if rule is not None and index is not None
        else "default",
        when={k: list(v) for k, v in rule.when.items()} if rule is not None else {},
        answers=given,
        assumed={k: concrete[k] for k in unsure},
        unsure=unsure,
        candidates=candidates if unsure else [severity],
    )


def _first_match(rules: Sequence[Rule], answers: Mapping[str, str]) -> int | None:
    for index, rule in enumerate(rules):
        if all(answers.get(q) in allowed for q, allowed in rule.when.items()):
            return index
    return None
