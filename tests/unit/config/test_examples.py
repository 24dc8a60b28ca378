"""The example packs pass `warroom config check` and carry what the reference processes say."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from warroom.cli.main import app
from warroom.config.service import load_directory

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _doc(name: str) -> dict[str, Any]:
    doc, problems = load_directory(EXAMPLES / name)
    assert not problems, list(problems)
    return doc.raw()


@pytest.mark.parametrize("pack", ["oracle", "exchange", "atlas"])
def test_pack_passes_config_check(pack: str) -> None:
    result = CliRunner().invoke(app, ["config", "check", str(EXAMPLES / pack)])
    assert result.exit_code == 0, result.output
    assert f"{EXAMPLES / pack}: ok (" in result.output
    assert len(list((EXAMPLES / pack).glob("*.yaml"))) >= 3


def test_oracle_pack() -> None:
    raw = _doc("oracle")
    levels = {s["key"]: s for s in raw["severities"]}
    assert list(levels) == ["SEV0", "SEV1", "SEV2", "SEV3"]
    assert levels["SEV0"]["internal_update_every"] == "15m"
    assert levels["SEV1"]["internal_update_every"] == "30m"
    assert levels["SEV2"]["internal_update_every"] == "1h"
    assert levels["SEV3"]["page"] is False
    services = {s["key"] for s in raw["services"]}
    assert services == {
        "ingestor", "aggregator", "quant", "submitter", "signer-agents", "api-gateway", "realtime"
    }  # fmt: skip
    assert any(u["role"] == "admin" for u in raw["users"])


def test_exchange_pack_follows_its_sla_table() -> None:
    levels = {s["key"]: s for s in _doc("exchange")["severities"]}
    table = {"P0": ("5m", "1h"), "P1": ("15m", "4h"), "P2": ("4h", "1d"), "P3": ("1d", None)}
    for key, (ack, resolve) in table.items():
        assert (levels[key]["acknowledge_within"], levels[key]["resolve_within"]) == (ack, resolve)
    for key in ("P0", "P1"):
        assert levels[key]["postmortem"] == {"required": True, "due_within": "2d"}
        assert levels[key]["external_update_every"] == "30m"
    assert levels["P2"]["postmortem"]["required"] is False


def test_atlas_pack_escalation_ladder() -> None:
    raw = _doc("atlas")
    levels = {s["key"]: s for s in raw["severities"]}
    assert levels["P0"]["escalate_while_unresolved"] == [
        {"after": "30m", "notify": ["user:tech-lead@atlas.example"]},
        {"after": "1h", "notify": ["user:cto@atlas.example"]},
    ]
    assert levels["P1"]["escalate_while_unresolved"] == [
        {"after": "4h", "notify": ["user:tech-lead@atlas.example"]}
    ]
    assert levels["P0"]["respond_within"] == "15m"
    assert levels["P1"]["internal_update_every"] == "2h"
    assert len(raw["severity_matrix"]["rules"]) >= 7


def test_oracle_matrix_defaults_conservatively() -> None:
    from warroom.catalog.config import SeverityMatrix
    from warroom.catalog.matrix import classify

    raw = _doc("oracle")
    matrix = SeverityMatrix.model_validate(raw["severity_matrix"])
    order = [s["key"] for s in raw["severities"]]
    assert classify(matrix, order, {}).severity == "SEV0"
    calm = {"unsafe_output": "no", "compromise": "no", "publishing": "unaffected"}
    assert classify(matrix, order, {**calm, "customer_facing": "no"}).severity == "SEV3"
    assert classify(matrix, order, {**calm, "customer_facing": "yes"}).severity == "SEV2"
    assert classify(matrix, order, {**calm, "publishing": "many_markets"}).severity == "SEV1"
    assert classify(matrix, order, {**calm, "compromise": "unsure"}).severity == "SEV0"
