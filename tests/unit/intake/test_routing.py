"""Matchers, routes, windows, fingerprints and time parsing, table-driven."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from warroom.errors import Invalid
from warroom.intake.routing import MatcherError, Router, compile_route, group_key, parse_matcher
from warroom.intake.schemas import label_fingerprint, parse_time
from warroom.intake.suppression import ActiveSilence, compile_window, suppressed_by

LABELS = {"alertname": "HighErrorRate", "service": "checkout", "severity": "critical"}


@pytest.mark.parametrize(
    "text,labels,expected",
    [
        ('service="checkout"', LABELS, True),
        ("service=checkout", LABELS, True),
        ('service!="checkout"', LABELS, False),
        ('severity=~"critical|warning"', LABELS, True),
        ('severity=~"crit"', LABELS, False),  # anchored, as in Alertmanager
        ('alertname!~"High.*"', LABELS, False),
        ('team=""', LABELS, True),  # a missing label reads as ""
        ('team!=""', LABELS, False),
        ('team=~".*"', LABELS, True),
        ('msg="a \\"quoted\\" word"', {"msg": 'a "quoted" word'}, True),
        (' service = "checkout" ', LABELS, True),
    ],
)
def test_matchers(text: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_matcher(text).matches(labels) is expected


@pytest.mark.parametrize("text", ["", "service", '=~"x"', 'a=~"("', 'a="open'])
def test_bad_matchers(text: str) -> None:
    with pytest.raises(MatcherError):
        parse_matcher(text)


def router() -> Router:
    routes = [
        {"key": "tag", "matchers": ['team="payments"'], "runbooks": ["pay"], "continue": True},
        {
            "key": "checkout",
            "matchers": ['service="checkout"'],
            "service": "checkout",
            "severity": {"label": "severity", "map": {"critical": "SEV1"}, "default": "SEV2"},
            "group_by": ["alertname"],
        },
        {"key": "pd-only", "integrations": ["pd"], "severity": "SEV1", "service": "storage"},
        {"key": "default", "service_label": "service"},
    ]
    return Router(
        routes=[compile_route(r) for r in routes],
        services={"checkout": {}, "storage": {}, "web": {}},
        severities={"SEV1": 0, "SEV2": 1, "SEV3": 2},
    )


def test_first_match_wins_and_continue_collects() -> None:
    d = router().decide("prom", {**LABELS, "team": "payments"}, "critical")
    assert d.routes == ["tag", "checkout"] and d.service == "checkout"
    assert d.severity == "SEV1" and d.runbooks == ["pay"]
    d = router().decide("prom", {**LABELS, "severity": "warning"}, "warning")
    assert d.severity == "SEV2"


def test_integration_filter_and_default_route() -> None:
    assert router().decide("pd", {"source": "x"}, "error").route == "pd-only"
    d = router().decide("prom", {"alertname": "A", "service": "web"}, None)
    assert d.route == "default" and d.service == "web" and d.severity == "SEV3"
    d = router().decide("prom", {"alertname": "A", "service": "unknown"}, None)
    assert d.service is None


def test_group_keys() -> None:
    d = router().decide("prom", LABELS, None)
    assert group_key(d, LABELS, "fp") == 'checkout|checkout|{alertname="HighErrorRate"}'
    d = router().decide("pd", {"source": "x"}, None)
    assert group_key(d, {"source": "x"}, "dk") == "pd-only|storage|{dedup=dk}"


def test_no_routes_uses_the_service_label_and_the_hint() -> None:
    bare = Router(routes=[], services={"api-gateway": {}}, severities={"SEV1": 0, "SEV3": 1})
    d = bare.decide("api", {"service": "api-gateway"}, "SEV1")
    assert d.service == "api-gateway" and d.severity == "SEV1" and d.open_incident


@pytest.mark.parametrize(
    "labels,fingerprint",
    [
        (
            {
                "alertname": "HighErrorRate",
                "instance": "10.42.3.17:8080",
                "job": "checkout-api",
                "service": "checkout",
                "severity": "critical",
                "team": "payments",
            },
            "875de8422d4f4968",
        ),
        (
            {
                "alertname": "HighErrorRate",
                "instance": "10.42.5.9:8080",
                "job": "checkout-api",
                "service": "checkout",
                "severity": "critical",
                "team": "payments",
            },
            "90b246f8d4481461",
        ),
    ],
)
def test_fingerprint_is_alertmanagers(labels: dict[str, str], fingerprint: str) -> None:
    assert label_fingerprint(labels) == fingerprint


@pytest.mark.parametrize(
    "text,expected",
    [
        ("2026-11-22T07:28:52.222Z", datetime(2026, 11, 22, 7, 28, 52, 222000, UTC)),
        ("2018-08-03T09:52:26.739266876+02:00", datetime(2018, 8, 3, 7, 52, 26, 739266, UTC)),
        ("2015-07-17T08:42:58.315+0000", datetime(2015, 7, 17, 8, 42, 58, 315000, UTC)),
        ("2026-11-22T09:20:00Z", datetime(2026, 11, 22, 9, 20, tzinfo=UTC)),
        ("0001-01-01T00:00:00Z", None),
    ],
)
def test_parse_time(text: str, expected: datetime | None) -> None:
    assert parse_time(text, "t") == expected


@pytest.mark.parametrize("text", ["2026-11-22", "2026-11-22T07:28:52", "x", "2026-02-30T00:00:00Z"])
def test_parse_time_refuses(text: str) -> None:
    with pytest.raises(Invalid):
        parse_time(text, "t")


def test_weekly_window_crossing_midnight_in_a_time_zone() -> None:
    window = compile_window(
        {
            "key": "night",
            "service": "web",
            "weekly": {
                "days": ["mon"],
                "from": "22:00",
                "to": "02:00",
                "time_zone": "Europe/Berlin",
            },
        }
    )
    # Monday 2026-11-23 22:30 Berlin = 21:30 UTC; Tuesday 01:30 Berlin = 00:30 UTC.
    assert window.active(datetime(2026, 11, 23, 21, 30, tzinfo=UTC))
    assert window.active(datetime(2026, 11, 24, 0, 30, tzinfo=UTC))
    assert not window.active(datetime(2026, 11, 24, 1, 30, tzinfo=UTC))
    assert not window.active(datetime(2026, 11, 23, 20, 30, tzinfo=UTC))
    assert not window.active(datetime(2026, 11, 24, 21, 30, tzinfo=UTC))  # Tuesday night


def test_one_off_window_and_silence_precedence() -> None:
    window = compile_window(
        {
            "key": "upgrade",
            "service": "web",
            "start": "2026-12-01T22:00:00+00:00",
            "end": "2026-12-01T23:00:00+00:00",
        }
    )
    now = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)
    silence = ActiveSilence(7, [parse_matcher('alertname="A"')])
    assert suppressed_by("web", {"alertname": "A"}, now, [silence], [window]) == "silence:7"
    assert suppressed_by("web", {"alertname": "B"}, now, [silence], [window]) == (
        "maintenance:web/upgrade"
    )
    assert suppressed_by("db", {"alertname": "B"}, now, [silence], [window]) is None
