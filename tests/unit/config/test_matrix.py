"""The atlas severity matrix (seed 004, "Step 3: Determine Severity"), row by row, and unsure."""

from __future__ import annotations

from pathlib import Path

import pytest

from warroom.catalog.config import SeverityMatrix
from warroom.catalog.matrix import classify
from warroom.config.service import load_directory
from warroom.errors import Invalid

ATLAS = Path(__file__).resolve().parents[3] / "examples" / "atlas"
ORDER = ["P0", "P1", "P2", "P3"]


@pytest.fixture(scope="module")
def matrix() -> SeverityMatrix:
    doc, problems = load_directory(ATLAS)
    assert not problems, list(problems)
    found = doc.get("severity_matrix")
    assert isinstance(found, SeverityMatrix)
    return found


# | Impact | User-Facing? | Data Loss Risk? | Severity |  — every row of the runbook's table;
# its last row ("P2/P3") is split by the pack's functionality_lost question (P2 "Limited
# functionality loss", P3 "Minor issue, no user impact"), answered "yes" for the other rows.
ATLAS_ROWS = [
    ("total_outage", "yes", "yes", "P0", "Total outage, user-facing, data loss risk"),
    ("total_outage", "yes", "no", "P0", "Total outage, user-facing"),
    ("partial_outage", "yes", "yes", "P0", "Partial outage, user-facing, data loss risk"),
    ("partial_outage", "yes", "no", "P1", "Partial outage, user-facing"),
    ("single_feature", "yes", "no", "P1", "Single feature, user-facing"),
    ("performance_degraded", "yes", "no", "P2", "Performance degraded, user-facing"),
    ("internal_only", "no", "no", "P2", "Internal only, functionality lost (P2)"),
    ("internal_only", "no", "no", "P3", "Internal only, minor issue (P3)"),
]


@pytest.mark.parametrize(("impact", "user_facing", "data_loss", "level", "rule"), ATLAS_ROWS)
def test_every_row_of_the_atlas_matrix(
    matrix: SeverityMatrix, impact: str, user_facing: str, data_loss: str, level: str, rule: str
) -> None:
    answers = {"impact": impact, "user_facing": user_facing, "data_loss_risk": data_loss}
    answers["functionality_lost"] = "no" if level == "P3" else "yes"
    result = classify(matrix, ORDER, answers)
    assert result.severity == level
    assert result.rule_name == rule
    assert result.rule == ATLAS_ROWS.index((impact, user_facing, data_loss, level, rule))
    assert result.unsure == [] and result.candidates == [level]


def test_yes_no_may_come_as_booleans(matrix: SeverityMatrix) -> None:
    result = classify(
        matrix,
        ORDER,
        {"impact": "partial_outage", "user_facing": True, "data_loss_risk": False,
         "functionality_lost": True},
    )  # fmt: skip
    assert result.severity == "P1"


def test_unsure_data_loss_escalates_to_the_higher_level(matrix: SeverityMatrix) -> None:
    answers = {"impact": "partial_outage", "user_facing": "yes", "data_loss_risk": "unsure"}
    result = classify(matrix, ORDER, {**answers, "functionality_lost": "yes"})
    assert result.severity == "P0"
    assert result.candidates == ["P0", "P1"]
    assert result.assumed == {"data_loss_risk": "yes"}
    assert result.rule_name == "Partial outage, user-facing, data loss risk"


def test_unsure_impact_considers_every_impact(matrix: SeverityMatrix) -> None:
    answers = {"impact": "unsure", "user_facing": "yes", "data_loss_risk": "no"}
    result = classify(matrix, ORDER, {**answers, "functionality_lost": "yes"})
    assert result.severity == "P0"
    assert result.candidates == ["P0", "P1", "P2"]
    assert result.assumed == {"impact": "total_outage"}


def test_unanswered_questions_count_as_unsure(matrix: SeverityMatrix) -> None:
    result = classify(matrix, ORDER, {"impact": "performance_degraded", "user_facing": "yes"})
    assert result.unsure == ["data_loss_risk", "functionality_lost"]
    assert result.severity == "P0"  # data loss in progress would make it P0
    assert result.rule_name == "Data loss risk (P0 definition)"
    assert result.candidates == ["P0", "P2"]


def test_unsure_between_two_lower_levels(matrix: SeverityMatrix) -> None:
    answers = {"impact": "single_feature", "user_facing": "unsure", "data_loss_risk": "no"}
    result = classify(matrix, ORDER, answers)
    # user-facing: row "Single feature | Yes | No" -> P1; not user-facing: the default, P2.
    assert (result.severity, result.candidates) == ("P1", ["P1", "P2"])


def test_combinations_outside_the_table_take_the_default(matrix: SeverityMatrix) -> None:
    answers = {"impact": "total_outage", "user_facing": "no", "data_loss_risk": "no"}
    result = classify(matrix, ORDER, answers)
    assert (result.severity, result.rule, result.rule_name) == ("P2", None, "default")


def test_data_loss_outside_the_table_is_p0(matrix: SeverityMatrix) -> None:
    answers = {"impact": "internal_only", "user_facing": "no", "data_loss_risk": "yes"}
    assert classify(matrix, ORDER, answers).severity == "P0"


def test_all_unsure_is_the_most_severe(matrix: SeverityMatrix) -> None:
    result = classify(matrix, ORDER, {})
    assert result.severity == "P0"
    assert result.unsure == ["impact", "user_facing", "data_loss_risk", "functionality_lost"]


@pytest.mark.parametrize(
    ("answers", "field"),
    [
        ({"impact": "meteor"}, "answers.impact"),
        ({"blast_radius": "big"}, "answers.blast_radius"),
    ],
)
def test_bad_answers_name_the_field(
    matrix: SeverityMatrix, answers: dict[str, str], field: str
) -> None:
    with pytest.raises(Invalid) as caught:
        classify(matrix, ORDER, answers)
    assert caught.value.field == field


def test_no_matching_rule_without_default_is_invalid() -> None:
    matrix = SeverityMatrix.model_validate(
        {
            "questions": [{"key": "q", "text": "Q?", "answers": ["a", "b"]}],
            "rules": [{"when": {"q": "a"}, "severity": "S1"}],
        }
    )
    assert classify(matrix, ["S1"], {"q": "a"}).severity == "S1"
    assert classify(matrix, ["S1"], {"q": "unsure"}).candidates == ["S1"]
    with pytest.raises(Invalid, match="no rule"):
        classify(matrix, ["S1"], {"q": "b"})
