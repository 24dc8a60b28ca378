"""The example packs pass `warroom config check` and carry what the reference processes say."""

from __future__ import annotations

from collections.abc import Callable
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


def _classifier(pack: str) -> Callable[[dict[str, str]], str]:
    from warroom.catalog.config import SeverityMatrix
    from warroom.catalog.matrix import classify

    raw = _doc(pack)
    matrix = SeverityMatrix.model_validate(raw["severity_matrix"])
    order = [s["key"] for s in raw["severities"]]
    return lambda answers: classify(matrix, order, answers).severity


def test_oracle_matrix_defaults_conservatively() -> None:
    level = _classifier("oracle")
    assert level({}) == "SEV0"
    calm = {"unsafe_output": "no", "compromise": "no", "publishing": "unaffected"}
    minor = {**calm, "problem": "warning_or_near_miss"}
    assert level({**minor, "customer_facing": "no"}) == "SEV3"
    assert level({**minor, "customer_facing": "yes"}) == "SEV2"
    assert level({**calm, "publishing": "many_markets"}) == "SEV1"
    assert level({**calm, "compromise": "unsure"}) == "SEV0"
    # Unsure what else is seen: the worst of the other impacts (invalid bundles: SEV1).
    assert level({**calm, "customer_facing": "no"}) == "SEV1"


@pytest.mark.parametrize(
    ("problem", "customer_facing", "severity"),
    [
        ("database_outage", "yes", "SEV1"),  # "database outage affecting serving" (SEV1)
        ("drift_anomaly", "no", "SEV2"),  # "drift/correlation anomalies without confirmed ..."
        ("core_data_corruption", "no", "SEV1"),  # "major data source corruption ... core markets"
        ("invalid_bundles", "no", "SEV1"),  # "repeated invalid bundles or commit/reveal failures"
        ("connector_outage", "no", "SEV2"),  # "individual connector outage"
        ("latency_or_errors", "yes", "SEV2"),  # "elevated latency and intermittent failures"
    ],
)
def test_oracle_matrix_rows_follow_the_document(
    problem: str, customer_facing: str, severity: str
) -> None:
    calm = {"unsafe_output": "no", "compromise": "no", "publishing": "unaffected"}
    level = _classifier("oracle")
    assert level({**calm, "problem": problem, "customer_facing": customer_facing}) == severity


def test_atlas_matrix_can_answer_p3_and_escalates_when_unsure() -> None:
    level = _classifier("atlas")
    internal = {"impact": "internal_only", "user_facing": "no", "data_loss_risk": "no"}
    assert level({**internal, "functionality_lost": "no"}) == "P3"
    assert level({**internal, "functionality_lost": "yes"}) == "P2"
    assert level({**internal, "functionality_lost": "unsure"}) == "P2"  # "escalate to higher"
    assert level({"impact": "partial_outage", "user_facing": "yes", "data_loss_risk": "no"}) == "P1"
    assert level({"impact": "total_outage"}) == "P0"


def _policies(pack: str) -> dict[str, dict[str, Any]]:
    return {p["key"]: p for p in _doc(pack)["escalation_policies"]}


def _targets(policy: dict[str, Any]) -> list[str]:
    return [t for level in policy["levels"] for t in level["notify"]]


def test_oracle_sev0_pages_the_core_team_and_only_sev0_escalates_to_executives() -> None:
    raw = _doc("oracle")
    severities = {s["key"]: s for s in raw["severities"]}
    policies = _policies("oracle")
    assert severities["SEV0"]["escalation_policy"] == "oracle-sev0"
    assert all(severities[k].get("escalation_policy") is None for k in ("SEV1", "SEV2", "SEV3"))
    assert all(not s.get("escalation_policy") for s in raw["services"])
    assert all(not s.get("escalation_policies") for s in raw["services"])
    assert policies["oracle-sev0"]["levels"][0]["notify"] == ["members:core"]
    assert "user:cto@oracle.example" in _targets(policies["oracle-sev0"])
    default = [p for p in policies.values() if p.get("default")]
    assert [p["key"] for p in default] == ["oracle-core"]
    assert not any("cto" in t or "security" in t for t in _targets(policies["oracle-core"]))


def test_oracle_routes_the_six_primary_alerts_from_alertmanager() -> None:
    raw = _doc("oracle")
    assert {"key": "prometheus", "type": "alertmanager"}.items() <= raw["integrations"][0].items()
    by_alert = {
        m.split("=")[1].strip('"'): r
        for r in raw["routes"]
        for m in r.get("matchers", [])
        if m.startswith("alertname=")
    }
    assert set(by_alert) == {
        "publish_miss_rate", "signer_threshold_miss_count", "invalid_bundle_count",
        "api_5xx_rate", "watermark_lag_ms", "divergence_block_events",
    }  # fmt: skip
    assert all(r["integrations"] == ["prometheus"] for r in by_alert.values())
    assert by_alert["publish_miss_rate"]["severity"] == "SEV1"


def test_exchange_last_level_pages_the_whole_team_and_alerts_come_from_alertmanager() -> None:
    raw = _doc("exchange")
    for policy in _policies("exchange").values():
        assert policy["levels"][-1]["notify"] == ["members:trading-core"]
        assert "channel:incident-active" in policy["levels"][0]["notify"]
    assert [i["type"] for i in raw["integrations"]] == ["alertmanager"]
    names = {u["name"] for u in raw["users"]}
    assert {"Incident Commander", "Operations Lead", "Communications Lead"} <= names


def test_atlas_db_expert_is_a_specialist_not_in_the_rotation() -> None:
    raw = _doc("atlas")
    (schedule,) = raw["schedules"]
    participants = [p for layer in schedule["layers"] for p in layer["participants"]]
    assert "db-expert@atlas.example" not in participants
    policies = _policies("atlas")
    assert policies["db-specialist"]["levels"][0]["notify"] == ["user:db-expert@atlas.example"]
    for key in ("atlas-oncall", "atlas-p0"):
        assert _targets(policies[key]) == ["oncall:sre", "channel:incident-response"]


@pytest.mark.parametrize(
    ("alertname", "service", "severity"),
    [
        ("publish_miss_rate", "submitter", "SEV1"),  # 000 l.51 "significant publish degradation"
        ("signer_threshold_miss_count", "signer-agents", "SEV1"),  # l.275-287 (7.5)
        ("invalid_bundle_count", "submitter", "SEV1"),  # l.52 "repeated invalid bundles"
        ("api_5xx_rate", "api-gateway", "SEV2"),  # l.64 "elevated latency and intermittent ..."
        ("watermark_lag_ms", "ingestor", "SEV2"),  # l.65 "individual connector outage"
        ("divergence_block_events", "aggregator", "SEV2"),  # l.66 "drift/correlation anomalies"
    ],
)
def test_oracle_primary_alert_is_routed(alertname: str, service: str, severity: str) -> None:
    import json

    result = CliRunner().invoke(
        app,
        ["route", "test", "--config", str(EXAMPLES / "oracle"), "--integration", "prometheus",
         "--labels", f"alertname={alertname}", "--json"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    answer = json.loads(result.output)
    assert (answer["service"], answer["severity"], answer["open_incident"]) == (
        service,
        severity,
        True,
    )
