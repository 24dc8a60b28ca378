"""Wire-format parsers on their own: what each payload becomes."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from warroom.errors import Invalid
from warroom.intake import alertmanager, generic, grafana, opsgenie, pagerduty

AM_ALERT: dict[str, Any] = {
    "status": "firing",
    "labels": {"alertname": "DiskFull", "service": "db", "severity": "warning"},
    "annotations": {"summary": "disk full", "runbook_url": "https://rb.example.com/disk"},
    "startsAt": "2026-11-22T07:28:52.222Z",
    "endsAt": "0001-01-01T00:00:00Z",
    "generatorURL": "http://prom:9090/graph?g0.expr=x",
    "fingerprint": "",
}


def test_alertmanager_alert_normalised() -> None:
    batch = alertmanager.parse({"version": "4", "groupKey": "{}:{}", "alerts": [AM_ALERT]})
    (alert,) = batch.alerts
    assert alert.summary == "disk full" and alert.severity_hint == "warning"
    assert alert.ends_at is None and alert.sender_start
    assert len(alert.fingerprint) == 16  # computed from labels when the sender gave none
    assert [link["text"] for link in alert.links] == ["Source", "Runbook"]
    assert batch.group_key == "{}:{}"


def test_resolved_alert_keeps_its_end() -> None:
    item = {**AM_ALERT, "status": "resolved", "endsAt": "2026-11-22T07:29:17.222Z"}
    (alert,) = alertmanager.parse({"version": "4", "alerts": [item]}).alerts
    assert alert.ends_at is not None and alert.ends_at.second == 17


def test_grafana_drops_private_labels_and_flags_test_notifications() -> None:
    body = {
        "version": "1",
        "orgId": 1,
        "state": "alerting",
        "alerts": [
            {
                **AM_ALERT,
                "labels": {"alertname": "TestAlert", "instance": "Grafana", "__x__": "y"},
            }
        ],
    }
    assert grafana.is_grafana(body) and not grafana.is_grafana({"version": "4", "orgId": 1})
    batch = grafana.parse(body)
    assert batch.test and "__x__" not in batch.alerts[0].labels


def test_grafana_signature_with_timestamp() -> None:
    import hashlib
    import hmac

    body = b'{"a": 1}'
    mac = hmac.new(b"s3cret", b"1700000000:" + body, hashlib.sha256).hexdigest()
    assert grafana.signature_ok("s3cret", body, mac, "1700000000")
    assert not grafana.signature_ok("s3cret", body, mac)


def test_pagerduty_acknowledge_without_payload() -> None:
    batch = pagerduty.parse({"event_action": "acknowledge", "dedup_key": "k", "routing_key": "r"})
    assert batch.alerts[0].status == "acknowledged" and batch.alerts[0].labels == {}


@pytest.mark.parametrize("severity", ["critical", "error", "warning", "info"])
def test_pagerduty_severities(severity: str) -> None:
    body = {
        "event_action": "trigger",
        "payload": {"summary": "s", "source": "h", "severity": severity},
    }
    (alert,) = pagerduty.parse(body).alerts
    assert alert.labels["severity"] == severity and len(alert.fingerprint) == 36


def test_opsgenie_create_defaults_and_close() -> None:
    batch = opsgenie.parse_create({"message": "m"})
    (alert,) = batch.alerts
    assert alert.labels == {"priority": "P3"} and len(alert.fingerprint) == 64
    closing = opsgenie.parse_action("abc", "alias", None, "resolved")
    assert closing.alerts[0].fingerprint == "abc" and closing.alerts[0].status == "resolved"


def test_generic_batch_and_defaults() -> None:
    batch = generic.parse({"alerts": [{"title": "a"}, {"title": "b", "labels": {"x": "1"}}]})
    assert [a.status for a in batch.alerts] == ["firing", "firing"]
    assert batch.alerts[0].fingerprint != batch.alerts[1].fingerprint
    again = generic.parse({"title": "a"})
    assert again.alerts[0].fingerprint == batch.alerts[0].fingerprint


@pytest.mark.parametrize(
    "body,field",
    [
        ({"version": "4", "alerts": [{**AM_ALERT, "labels": {"a": 1}}]}, "alerts[0].labels.a"),
        ({"version": "4", "alerts": [copy.deepcopy(AM_ALERT), "x"]}, "alerts[1]"),
    ],
)
def test_alertmanager_errors_name_the_field(body: dict[str, Any], field: str) -> None:
    with pytest.raises(Invalid) as err:
        alertmanager.parse(body)
    assert err.value.field == field
