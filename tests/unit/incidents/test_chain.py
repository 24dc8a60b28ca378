"""Event hashes: canonical, linked, and stable across the database round trip."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from warroom.audit.chain import event_hash, normalise_payload
from warroom.audit.pagination import decode_cursor, encode_cursor
from warroom.errors import Invalid

WHEN = datetime(2026, 1, 1, 12, 0, 0, 123456, tzinfo=UTC)


def _hash(**changes: object) -> str:
    base: dict[str, object] = {
        "chain": 1,
        "seq": 1,
        "incident_id": 1,
        "kind": "incident:note:added",
        "actor": "a@example.com",
        "occurred_at": WHEN,
        "payload": {"text": "hello", "n": 1},
        "prev_hash": "",
    }
    base.update(changes)
    return event_hash(**base)  # type: ignore[arg-type]


def test_key_order_does_not_matter() -> None:
    assert _hash(payload={"n": 1, "text": "hello"}) == _hash()


def test_same_instant_in_another_zone_hashes_the_same() -> None:
    other = WHEN.astimezone(timezone(timedelta(hours=5)))
    assert _hash(occurred_at=other) == _hash()


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 2},
        {"chain": 2},
        {"incident_id": None},
        {"kind": "incident:note:removed"},
        {"actor": "b@example.com"},
        {"occurred_at": WHEN + timedelta(microseconds=1)},
        {"payload": {"text": "hello!", "n": 1}},
        {"prev_hash": "0" * 64},
    ],
)
def test_every_field_is_covered(change: dict[str, object]) -> None:
    assert _hash(**change) != _hash()


def test_payload_is_normalised_to_plain_json() -> None:
    payload = normalise_payload({"at": WHEN, "tags": ("a", "b"), "big": 1e20, "x": 1.5})
    assert payload == {"at": WHEN.isoformat(), "tags": ["a", "b"], "big": 10**20, "x": 1.5}
    assert normalise_payload(None) == {}
    assert normalise_payload({"n\x00": "a\x00b", "z": -0.0}) == {"n\ufffd": "a\ufffdb", "z": 0.0}


def test_cursor_round_trip_and_garbage() -> None:
    assert decode_cursor(encode_cursor(id=42), "id") == {"id": 42}
    for bad in ("!!!", "e30", encode_cursor(id="x")):
        with pytest.raises(Invalid) as caught:
            decode_cursor(bad, "id")
        assert caught.value.field == "cursor"
