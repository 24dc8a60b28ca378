"""`warroom classify`: answer the severity matrix questions and get the level."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from warroom.cli.output import JsonOption, api_errors, echo, fail, print_json

UNSURE = "unsure"


def classify(
    answer: list[str] = typer.Option(
        [],
        "--answer",
        "-a",
        help="QUESTION=ANSWER; repeat for each question (ANSWER may be unsure)",
    ),
    config: Path = typer.Option(
        None, "--config", help="Classify offline with this config directory instead of the API"
    ),
    no_prompt: bool = typer.Option(
        False, "--no-prompt", help="Do not ask; unanswered questions count as unsure"
    ),
    as_json: bool = JsonOption,
) -> None:
    """Classify an incident with the severity matrix; prints the level and the rule that matched.

    Questions not given with --answer are asked interactively (unless --no-prompt or --json).
    "unsure" takes the most severe level any concrete answer could lead to.
    """
    answers = _parse(answer)
    matrix, offline = _matrix(config)
    questions = {q["key"]: q for q in matrix["questions"]}
    for key in answers:
        if key not in questions:
            fail(f"unknown question {key!r}; questions: {', '.join(questions)}")
    if not (no_prompt or as_json):
        for key, question in questions.items():
            if key not in answers:
                answers[key] = _ask(question)
    result = _classify(answers, offline)
    if as_json:
        # Rules numbered from 1, as the text prints them and the config file reads.
        rule = result.get("rule")
        print_json({**result, "rule": None if rule is None else rule + 1})
        return
    _print(result, questions)


def _parse(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip() or not value.strip():
            fail(f"--answer {pair!r}: write QUESTION=ANSWER, e.g. --answer user_facing=yes")
        out[key.strip()] = value.strip()
    return out


def _matrix(config: Path | None) -> tuple[dict[str, Any], Any]:
    """The matrix as JSON, plus (matrix model, severity order) when working offline."""
    if config is None:
        from warroom.cli.client import client

        with api_errors():
            return client().get("/api/v1/severity-matrix"), None
    from warroom import wiring
    from warroom.config.service import load_directory

    wiring.install()
    doc, problems = load_directory(config)
    if problems:
        for line in problems:
            echo(line, err=True)
        fail(f"{len(problems)} problem(s) in {config}")
    matrix = doc.get("severity_matrix")
    if matrix is None:
        fail(f"{config} has no severity_matrix section")
    order = [str(getattr(s, "key", "")) for s in doc.items("severities")]
    return matrix.model_dump(mode="json"), (matrix, order)


def _ask(question: dict[str, Any]) -> str:
    choices = [*question["answers"], UNSURE]
    text = f"{question['text']} [{'/'.join(choices)}]"
    if question.get("help"):
        echo(question["help"])
    while True:
        value = str(typer.prompt(text, default=UNSURE, show_default=True)).strip()
        if value in choices:
            return value
        echo(f"please answer one of: {', '.join(choices)}", err=True)


def _classify(answers: dict[str, str], offline: Any) -> dict[str, Any]:
    if offline is None:
        from warroom.cli.client import client

        with api_errors():
            result: dict[str, Any] = client().post("/api/v1/classify", json={"answers": answers})
        return result
    from warroom.catalog.matrix import classify as classify_offline
    from warroom.errors import WarroomError

    matrix, order = offline
    try:
        return classify_offline(matrix, order, answers).to_json()
    except WarroomError as exc:
        fail(exc.message)


def _print(result: dict[str, Any], questions: dict[str, Any]) -> None:
    rule = result["rule_name"]
    number = "" if result["rule"] is None else f"rule {result['rule'] + 1}: "
    echo(f"{result['severity']}  ({number}{rule})")
    for key, value in result["answers"].items():
        line = f"  {key} = {value}"
        if value == UNSURE:
            line += f" (assumed {result['assumed'].get(key, '?')})"
        echo(line)
    if result["unsure"]:
        considered = ", ".join(result["candidates"])
        echo(f"unsure answers: considered {considered}; took the most severe")
